"""The server deployment end to end: the corpus index migrated into PostgreSQL and served by API replicas.

- the same top documents as the embedded index for the same queries (same vectors, same model);
- a MẬT document stays invisible to the development principal through search, facets, documents and similar;
- two replicas over one database: what is indexed through one replica's API, or by ``thammuu index`` from a
  shell, is found through the other within seconds, without either reloading vectors (they live in the
  database; each request checks the generation).
"""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import quote

import pytest
from conftest import BASE_URL, copy_index
from fastapi.testclient import TestClient

from indexer.config import Settings
from indexer.storage.filters import SearchFilter
from indexer.storage.index import Index
from indexer.storage.postgres_copy import copy_index as copy_into_postgres
from indexer.storage.postgres_store import PostgresStore
from search_api.app import create_app
from search_api.security.postgres import PgPrincipalStore

pytestmark = pytest.mark.postgres
QUERIES = (
    "phòng chống tham nhũng",
    "bao ve moi truong",
    "chuyển đổi số khoa học công nghệ",
    "lấy phiếu tín nhiệm",
    "international integration",
    "du lịch biển đảo",
)
NEW_DOC = (
    "TỈNH ỦY LAI CHÂU\n\nSố 77-NQ/TU\n\nLai Châu, ngày 2 tháng 5 năm 2025\n\n# NGHỊ QUYẾT\n"
    "## về phát triển cây mắc ca vùng cao\n\n1. Phát triển vùng mắc ca, mã hiệu riêng macca{n}laichau.\n"
)


@pytest.fixture()
def pg_settings(corpus_index: Settings, pg_url: str, tmp_path: Path) -> Settings:
    """The session's corpus index copied into a fresh database (vectors as stored: nothing re-embedded)."""
    store = PostgresStore(pg_url)
    copy_into_postgres(corpus_index.index_dir, store)
    store.close()
    storage = corpus_index.storage.model_copy(update={"url": pg_url})
    return corpus_index.model_copy(update={"index_dir": tmp_path / "replica", "storage": storage})


def _client(settings: Settings, embedder, key: str | None = None) -> TestClient:  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return TestClient(
        create_app(settings, embedder=embedder), base_url=BASE_URL, raise_server_exceptions=False, headers=headers
    )


def _top(client: TestClient, query: str, k: int = 3) -> list[str]:
    resp = client.post("/api/v1/search", json={"query": query, "k": k})
    assert resp.status_code == 200, resp.text
    return [h["doc_id"] for h in resp.json()["hits"]]


def test_same_answers_and_nothing_classified_for_the_dev_principal(  # type: ignore[no-untyped-def]
    pg_settings: Settings, corpus_index: Settings, tmp_path: Path, embedder
) -> None:
    copy_index(corpus_index.index_dir, tmp_path / "embedded")
    embedded = corpus_index.model_copy(update={"index_dir": tmp_path / "embedded"})
    idx = Index.open(embedded)
    every = SearchFilter()
    records = [idx.store.document(d, every) for d in idx.store.doc_ids_matching(every)]
    secret = [r.doc_id for r in records if r is not None and r.classification > 0]
    idx.close()
    assert secret
    with _client(embedded, embedder) as sqlite_app, _client(pg_settings, embedder) as pg_app:
        for query in QUERIES:
            assert _top(pg_app, query) == _top(sqlite_app, query), query
        assert pg_app.get("/api/v1/facets").json() == sqlite_app.get("/api/v1/facets").json()
        for doc_id in secret:
            assert doc_id not in _top(pg_app, "báo cáo bảo vệ chính trị nội bộ", 50)
            assert pg_app.get(f"/api/v1/documents/{quote(doc_id, safe='')}").status_code == 404
            assert pg_app.get(f"/api/v1/documents/{quote(doc_id, safe='')}/similar").status_code == 404
        health = pg_app.get("/api/v1/health").json()
        assert health["status"] == "ok"


def _found(client: TestClient, word: str, number: str) -> bool:
    resp = client.post("/api/v1/search", json={"query": word, "k": 3})
    assert resp.status_code == 200, resp.text
    return any(h["number"] == number for h in resp.json()["hits"])


def _wait_found(client: TestClient, word: str, number: str, seconds: float = 10.0) -> None:
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if _found(client, word, number):
            return
        time.sleep(0.2)
    raise AssertionError(f"{word!r} not found through the other replica within {seconds} s")


def test_two_replicas_over_one_database(pg_settings: Settings, tmp_path: Path, embedder, cli) -> None:  # type: ignore[no-untyped-def]
    principals = PgPrincipalStore(str(pg_settings.storage.url))
    _, admin = principals.add("quan-tri", ["admin", "reader"], "mat")
    principals.close()
    folder = tmp_path / "moi"
    folder.mkdir()
    (folder / "nq-77.md").write_text(NEW_DOC.format(n=1), encoding="utf-8")
    with _client(pg_settings, embedder, admin) as one, _client(pg_settings, embedder, admin) as two:
        assert not _found(two, "macca1laichau", "77-NQ/TU")
        resp = one.post("/api/v1/index", json={"path": str(folder)})
        assert resp.status_code == 202, resp.text
        deadline = time.monotonic() + 120
        while one.get(f"/api/v1/index/jobs/{resp.json()['id']}").json()["status"] not in ("done", "failed"):
            assert time.monotonic() < deadline
            time.sleep(0.2)
        _wait_found(two, "macca1laichau", "77-NQ/TU")

        # `thammuu index` from a shell, with the same setting: found through both replicas.
        (folder / "nq-78.md").write_text(NEW_DOC.format(n=2).replace("77-NQ", "78-NQ"), encoding="utf-8")
        result = cli("--storage", str(pg_settings.storage.url), "index", str(folder))
        assert result.exit_code == 0, result.output
        _wait_found(one, "macca2laichau", "78-NQ/TU")
        _wait_found(two, "macca2laichau", "78-NQ/TU")
        audit = two.get("/api/v1/audit", params={"limit": 500}).json()
        assert {r["endpoint"] for r in audit["rows"]} >= {"index", "search"}  # one shared audit log


@pytest.mark.slow
def test_thammuu_index_into_postgres_answers_as_the_embedded_index(  # type: ignore[no-untyped-def]
    corpus_index: Settings, pg_url: str, tmp_path: Path, embedder, cli
) -> None:
    """`thammuu index corpus/` with the setting (the real pipeline and model writing into PostgreSQL): the same
    documents, relations and top documents as the session's embedded index of the same corpus."""
    from conftest import CORPUS

    result = cli("--storage", pg_url, "index", str(CORPUS))
    assert result.exit_code == 0, result.output
    storage = corpus_index.storage.model_copy(update={"url": pg_url})
    pg_settings = corpus_index.model_copy(update={"index_dir": tmp_path / "replica", "storage": storage})
    every = SearchFilter()
    sqlite_idx, pg_idx = Index.open(corpus_index), Index.open(pg_settings)
    assert pg_idx.store.stats() == sqlite_idx.store.stats()
    for doc_id in sqlite_idx.store.doc_ids_matching(every):
        assert [(r.kind, r.doc_id) for r in pg_idx.store.relations_of(doc_id, every)] == [
            (r.kind, r.doc_id) for r in sqlite_idx.store.relations_of(doc_id, every)
        ]
    sqlite_idx.close()
    pg_idx.close()
    with _client(corpus_index, embedder) as sqlite_app, _client(pg_settings, embedder) as pg_app:
        for query in QUERIES:
            assert _top(pg_app, query) == _top(sqlite_app, query), query
