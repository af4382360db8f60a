"""Identity field reviews and canonical issuers end to end: indexed from text, read back through the document
API, ``thammuu inspect`` and the issuer filter.

Runs on the deterministic fake embedder: what is stored and shown about each field is under test, not the model.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import BASE_URL
from fastapi.testclient import TestClient

from indexer.config import Settings
from indexer.storage.filters import SearchFilter
from search_api.security import PrincipalStore
from search_api.security.database import security_db_path

DECREE = """CHÍNH PHỦ
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc

Số: 15/2020/NĐ-CP

Hà Nội, ngày 03 tháng 02 năm 2020

NGHỊ ĐỊNH
Quy định xử phạt vi phạm hành chính trong lĩnh vực bưu chính, viễn thông

Điều 1. Phạm vi điều chỉnh
Nghị định này quy định về hành vi vi phạm hành chính trong lĩnh vực bưu chính.
"""
# A number whose year contradicts the date of issue: one of the two is misread, staff must check both.
DOUBTFUL = DECREE.replace("15/2020/NĐ-CP", "16/2019/NĐ-CP").replace("năm 2020", "năm 2021")
POLITBURO = """BAN CHẤP HÀNH TRUNG ƯƠNG
ĐẢNG CỘNG SẢN VIỆT NAM

Số 57-NQ/TW

Hà Nội, ngày 22 tháng 12 năm 2024

NGHỊ QUYẾT
CỦA BỘ CHÍNH TRỊ
về đột phá phát triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số quốc gia

1. Khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số quốc gia là đột phá quan trọng hàng đầu.
"""


@dataclass
class Env:
    client: TestClient
    settings: Settings
    docs: Path
    ids: dict[str, str]  # stem → doc_id
    key: str


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory, settings: Settings, fake_embedder) -> Iterator[Env]:  # type: ignore[no-untyped-def]
    from indexer.build.pipeline import IndexPipeline
    from indexer.storage.index import Index
    from search_api.app import create_app

    root = tmp_path_factory.mktemp("review")
    docs = root / "docs"
    docs.mkdir()
    for stem, text in (("decree", DECREE), ("doubtful", DOUBTFUL), ("politburo", POLITBURO)):
        (docs / f"{stem}.md").write_text(text, encoding="utf-8")
    s = settings.model_copy(update={"index_dir": root / "index"})
    idx = Index.open_or_create(s, fake_embedder.name, fake_embedder.dimension)
    report = IndexPipeline(s, fake_embedder, idx).run([docs])
    assert report.added == 3, report.failed
    rows = [idx.store.document(d, SearchFilter()) for d in idx.store.doc_ids_matching(SearchFilter())]
    ids = {Path(r.source).stem: r.doc_id for r in rows if r}
    idx.close()
    _, key = PrincipalStore(security_db_path(s)).add("reader", ["reader"], 0, None)
    with TestClient(create_app(s, embedder=fake_embedder), base_url=BASE_URL) as client:
        yield Env(client, s, docs, ids, key)


def _document(env: Env, stem: str) -> dict:  # type: ignore[type-arg]
    resp = env.client.get(f"/api/v1/documents/{env.ids[stem]}", headers={"Authorization": f"Bearer {env.key}"})
    assert resp.status_code == 200, resp.text
    return resp.json()  # type: ignore[no-any-return]


def _search_issuer(env: Env, issuer: str) -> set[str]:
    resp = env.client.post(
        "/api/v1/search",
        json={"query": "khoa học công nghệ bưu chính", "filters": {"issuer": [issuer]}, "k": 10},
        headers={"Authorization": f"Bearer {env.key}"},
    )
    assert resp.status_code == 200, resp.text
    return {h["doc_id"] for h in resp.json()["hits"]}


def test_a_clean_text_is_sure_of_every_field(env: Env) -> None:
    out = _document(env, "decree")
    assert out["needs_review"] == []
    assert [r["field"] for r in out["review"]] == ["number", "doc_type", "issuer", "issued_date"]
    assert all(r["confidence"] == 1.0 and not r["needs_review"] for r in out["review"])
    assert out["review"][0]["value"] == "15/2020/NĐ-CP"


def test_a_contradiction_is_flagged_with_its_reason(env: Env) -> None:
    out = _document(env, "doubtful")
    assert set(out["needs_review"]) == {"number", "issued_date"}
    number = next(r for r in out["review"] if r["field"] == "number")
    assert number["confidence"] < 0.6 and any("2019" in reason for reason in number["reasons"])


def test_the_issuing_party_body_is_canonical_and_the_header_kept(env: Env) -> None:
    out = _document(env, "politburo")
    assert out["issuer"] == "BỘ CHÍNH TRỊ"
    assert out["issuer_raw"] and "BAN CHẤP HÀNH TRUNG ƯƠNG" in out["issuer_raw"]


@pytest.mark.parametrize(
    ("issuer", "expected"),
    [
        ("chính phủ", {"decree", "doubtful"}),  # any case, with diacritics
        ("Politburo", {"politburo"}),  # a translation's name of the body
        ("Bộ Chính trị", {"politburo"}),
        ("BỘ CÔNG AN", set()),
    ],
)
def test_the_issuer_filter_finds_the_canonical_body(env: Env, issuer: str, expected: set[str]) -> None:
    assert _search_issuer(env, issuer) == {env.ids[s] for s in expected}


def test_inspect_shows_the_same_review(env: Env) -> None:
    from indexer.build.inspection import inspect_paths

    described = {Path(d["source"]).stem: d for d in inspect_paths([env.docs], env.settings)}
    assert set(described["doubtful"]["needs_review"]) == {"number", "issued_date"}
    assert described["decree"]["needs_review"] == []
    assert described["politburo"]["issuer_raw"] == _document(env, "politburo")["issuer_raw"]
    json.dumps(described["doubtful"]["review"], ensure_ascii=False)  # printable as the CLI's JSON
