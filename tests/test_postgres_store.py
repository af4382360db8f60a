"""PostgreSQL-specific behaviour beyond the contract suite: the HNSW scan under a restrictive filter, and
concurrent writers (two processes' worth of stores on one database)."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from indexer.config import Settings
from indexer.models import Chunk, Classification, Document, DocumentIdentity
from indexer.storage.backends import open_backend
from indexer.storage.filters import SearchFilter
from indexer.storage.postgres_store import PostgresStore

pytestmark = pytest.mark.postgres
DIM = 16


def _items(n: int, seed: int, prefix: str, public: set[int] | None = None):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        level = Classification.UNCLASSIFIED if public is None or i in public else Classification.TOI_MAT
        text = f"tài liệu số {i} về chủ đề {prefix}"
        doc = Document(f"{prefix}{i}", f"{prefix}{i}.txt", f"h{i}", text, DocumentIdentity(classification=level))
        vec = rng.normal(size=(1, DIM)).astype(np.float32)
        out.append(
            (doc, "/r", [Chunk(doc.doc_id, 0, text, embed_text=text)], [f"e{prefix}{i}"], vec / np.linalg.norm(vec))
        )
    return out


@pytest.mark.parametrize("scan", ["hnsw", "exact", "planner"])
def test_a_restrictive_filter_still_fills_k_exactly(pg_url: str, tmp_path: Path, scan: str) -> None:
    settings = Settings(index_dir=tmp_path)
    settings = settings.model_copy(
        update={"storage": settings.storage.model_copy(update={"url": pg_url, "vector_scan": scan})}
    )
    backend = open_backend(settings, tmp_path)
    public = {3, 77, 150, 222, 299}  # 5 of 300 passages visible to an unclassified caller
    backend.store.write_documents(_items(300, 7, "d", public))
    index = backend.vectors.current(backend.store.generation(), backend.store, DIM)
    ids, vecs = backend.store.all_vectors()
    visible = {int(c) for c, r in backend.store.chunks(ids.tolist()).items() if r.classification == 0}
    query = np.random.default_rng(1).normal(size=DIM).astype(np.float32)
    hits = index.search(query, 5, SearchFilter(max_classification=Classification.UNCLASSIFIED))
    expected = sorted(visible, key=lambda c: -float(vecs[list(ids).index(c)] @ query))
    assert [c for c, _ in hits] == expected
    unrestricted = index.search(query, 10, SearchFilter())
    brute = [int(ids[i]) for i in np.argsort(-(vecs @ query))[:10]]
    assert len({c for c, _ in unrestricted} & set(brute)) >= 9  # HNSW is approximate; exact scans are exact
    backend.store.close()


def test_concurrent_writers_serialise_and_count_every_commit(pg_url: str) -> None:
    stores = [PostgresStore(pg_url), PostgresStore(pg_url)]
    errors: list[BaseException] = []

    def write(store: PostgresStore, prefix: str) -> None:
        try:
            items = _items(40, hash(prefix) % 1000, prefix)
            for i in range(0, 40, 4):  # overlapping vocabulary: both update the same statistics rows
                store.write_documents(items[i : i + 4])
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(s, p)) for s, p in zip(stores, ("a", "b"), strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    store = stores[0]
    assert store.generation() == 20 and store.stats() == {"documents": 80, "chunks": 80}
    hits = store.lexical_search(["chủ", "đề"], SearchFilter(), 100)
    assert len(hits) == 80 and len({round(s, 9) for _, s in hits}) <= 4  # the same statistics for every passage
    for s in stores:
        s.close()


def test_an_ordinary_role_owning_its_database_runs_everything_under_the_policies(pg_server: str) -> None:
    """The deployment's setup: the application connects as a non-superuser owning the database (the extension
    made by the superuser), so migrations run as it and the row-level policies apply to every read it makes."""
    import psycopg

    from tests.postgres_fixture import TEMPLATE, database_url

    with psycopg.connect(pg_server, autocommit=True) as admin:
        if admin.execute("SELECT 1 FROM pg_roles WHERE rolname = 'thammuu_app'").fetchone() is None:
            admin.execute("CREATE ROLE thammuu_app LOGIN NOSUPERUSER NOBYPASSRLS")
        admin.execute("DROP DATABASE IF EXISTS app_owned WITH (FORCE)")
        admin.execute(f"CREATE DATABASE app_owned TEMPLATE {TEMPLATE} OWNER thammuu_app")
    url = database_url(pg_server, "app_owned").replace("postgres:@", "thammuu_app:@", 1)
    store = PostgresStore(url)
    public = set(range(0, 40, 2))
    store.write_documents(_items(40, 3, "d", public))
    with psycopg.connect(url) as raw:  # the policies, not only the WHERE: a bare read as the app's role
        raw.execute("SELECT set_config('thammuu.max_level', '0', true)")
        assert raw.execute("SELECT count(*) FROM documents").fetchone() == (len(public),)
        assert raw.execute("SELECT count(*) FROM chunks").fetchone() == (len(public),)
    unclassified = SearchFilter(max_classification=Classification.UNCLASSIFIED)
    assert store.stats(unclassified) == {"documents": 20, "chunks": 20} and store.stats() == {
        "documents": 40,
        "chunks": 40,
    }
    assert len(store.lexical_search(["chủ", "đề"], unclassified, 100)) == 20
    from indexer.config import VectorSettings
    from indexer.storage.pgvector_index import PgVectorSource

    index = PgVectorSource(VectorSettings(), "halfvec").current(store.generation(), store, DIM)
    query = np.ones(DIM, dtype=np.float32) / 4
    assert {store.document(str(r.doc_id), unclassified) is not None for r in
            store.chunks([c for c, _ in index.search(query, 40, unclassified)]).values()} == {True}  # fmt: skip
    assert len(index.search(query, 40, unclassified)) == 20
    store.delete_documents(["d0", "d1"])
    assert store.stats() == {"documents": 38, "chunks": 38}
    store.close()
    with psycopg.connect(pg_server, autocommit=True) as admin:
        admin.execute("DROP DATABASE app_owned WITH (FORCE)")
