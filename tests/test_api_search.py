"""The search API through TestClient over a real index: corpus/ plus real vbpl and ALQAC records, real model."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import pytest
from api_index import ALQAC_ID, alqac_doc_id, build, vbpl_doc_id, write_sources
from conftest import BASE_URL, need_data
from fastapi.testclient import TestClient

from indexer.config import Settings
from indexer.understanding.text import fold
from search_api.app import create_app
from search_api.dependencies import get_search_service

DECREE = vbpl_doc_id("doc_000001")  # Nghị định 249/2025/NĐ-CP, 2025-09-19
DECREE_28 = vbpl_doc_id("doc_000026")  # Nghị định 28/2026/NĐ-CP, 2026-01-19
CIRCULAR = vbpl_doc_id("doc_000022")  # Thông tư 01/2026/TT-BTP, 2026-01-07


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, corpus_index: Settings, embedder) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    vbpl = need_data("vbpl", "vbpl_vi_docs.jsonl")
    alqac = need_data("alqac-2023", "corpus.jsonl")
    root = tmp_path_factory.mktemp("api")
    write_sources(root / "sources", vbpl, alqac)
    s = build(corpus_index, root / "index", root / "sources", embedder)
    with TestClient(create_app(s, embedder=embedder), base_url=BASE_URL, raise_server_exceptions=False) as c:
        yield c


def search(client: TestClient, query: str, **body: object) -> dict:  # type: ignore[type-arg]
    resp = client.post("/api/v1/search", json={"query": query, **body})
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_document_number_query_puts_that_document_first(client: TestClient) -> None:
    for query in ("Nghị định 249/2025/NĐ-CP", "nghi dinh 249/2025/ND-CP", "249/2025/NĐ-CP quy định những gì"):
        out = search(client, query, k=5)
        assert out["hits"][0]["doc_id"] == DECREE, query
        assert out["hits"][0]["number"] == "249/2025/NĐ-CP"
        assert DECREE in out["query_interpretation"]["number_docs"]


def test_hit_fields_snippet_and_highlights(client: TestClient) -> None:
    out = search(client, "chính sách thu hút chuyên gia khoa học công nghệ", k=5)
    top = out["hits"][0]
    assert top["doc_id"] == DECREE
    assert top["doc_type"] == "Nghị định" and top["issuer"] == "CHÍNH PHỦ" and top["issued_date"] == "2025-09-19"
    assert (
        top["classification"] == "unclassified" and isinstance(top["pages"], list) and isinstance(top["chunk_id"], int)
    )
    assert "<mark>" in top["snippet"] and len(top["snippet"]) < 700
    assert {"chuyen", "gia"} <= {fold(h) for h in top["highlights"]}
    assert out["took_ms"] > 0 and out["total"] >= 5
    assert set(out["query_interpretation"]["timings_ms"]) == {"lexical", "embed", "dense"}


def test_highlights_ignore_diacritics(client: TestClient) -> None:
    out = search(client, "thu hut chuyen gia khoa hoc", k=3, mode="lexical")
    top = out["hits"][0]
    assert top["doc_id"] == DECREE
    assert "<mark>chuyên</mark>" in top["snippet"] or "<mark>Chuyên</mark>" in top["snippet"]
    assert out["query_interpretation"]["diacritics"] is False


def test_fusion_profile_follows_the_query_language(client: TestClient) -> None:
    cases = {
        "chính sách thu hút chuyên gia": "vietnamese",
        "thu hut chuyen gia khoa hoc": "vietnamese",  # unmarked, but the index knows these words marked
        "policies to attract science and technology experts": "other",
        "বিজ্ঞান ও প্রযুক্তি বিশেষজ্ঞ আকর্ষণের নীতি": "other",
    }
    for query, profile in cases.items():
        assert search(client, query, k=3)["query_interpretation"]["fusion_profile"] == profile, query


def test_snippet_is_escaped(client: TestClient) -> None:
    hit = search(client, "quangtrachtuan", k=1, mode="lexical")["hits"][0]
    assert "<script>" not in hit["snippet"] and "<b>" not in hit["snippet"]
    assert "&lt;script&gt;" in hit["snippet"] and "<mark>quangtrachtuan</mark>" in hit["snippet"]
    assert hit["snippet"].replace("<mark>", "").replace("</mark>", "").count("<") == 0


def test_filters_apply_inside_retrieval(client: TestClient) -> None:
    # The corpus answers this query far better; a post-hoc filter over a top-k would return nothing.
    out = search(client, "phòng chống tham nhũng", k=3, filters={"doc_type": ["thông tư"]})
    assert [h["doc_id"] for h in out["hits"]] == [CIRCULAR] * len(out["hits"]) and out["hits"]
    out = search(client, "quy định", k=20, filters={"date_from": "2026-01-01", "date_to": "2026-01-31"})
    assert out["hits"] and all("2026-01-01" <= h["issued_date"] <= "2026-01-31" for h in out["hits"])
    assert {DECREE_28, CIRCULAR} <= {h["doc_id"] for h in out["hits"]}
    out = search(client, "chính sách", k=10, filters={"number": "28/2026/ND-CP"})
    assert out["hits"] and {h["doc_id"] for h in out["hits"]} == {DECREE_28}
    out = search(client, "cơ quan", k=10, filters={"issuer": ["chính phủ"], "doc_type": ["Nghị định"]})
    assert {h["doc_id"] for h in out["hits"]} <= {DECREE, DECREE_28}
    out = search(client, "chuyển đổi số", k=10, filters={"language": ["bn"]}, mode="dense")
    assert out["hits"] and all(
        client.get(f"/api/v1/documents/{h['doc_id']}").json()["language"] == "bn" for h in out["hits"]
    )


def test_group_by_document_and_offset_paging(client: TestClient) -> None:
    grouped = search(client, "chuyển đổi số khoa học công nghệ", k=6, group_by_document=True)
    ids = [h["doc_id"] for h in grouped["hits"]]
    assert len(ids) == 6 == len(set(ids))
    full = search(client, "chuyển đổi số khoa học công nghệ", k=10)
    page1 = search(client, "chuyển đổi số khoa học công nghệ", k=5, offset=0)
    page2 = search(client, "chuyển đổi số khoa học công nghệ", k=5, offset=5)
    assert [h["chunk_id"] for h in page1["hits"] + page2["hits"]] == [h["chunk_id"] for h in full["hits"]]
    assert page1["total"] == page2["total"] == full["total"] > 10
    assert len({h["doc_id"] for h in full["hits"]}) < len(full["hits"])  # ungrouped: several chunks per doc
    past = search(client, "chuyển đổi số khoa học công nghệ", k=5, offset=10_000)
    assert past["hits"] == [] and past["total"] < 10_000


def test_document_with_special_characters_in_id(client: TestClient) -> None:
    doc_id = alqac_doc_id()
    assert ":" in doc_id and "@" in doc_id and " " in doc_id
    resp = client.get(f"/api/v1/documents/{quote(doc_id)}")
    assert resp.status_code == 200, resp.text
    doc = resp.json()
    assert doc["doc_id"] == doc_id and doc["chunks"] and ALQAC_ID.split("@")[0] in (doc["title"] or "")
    decree = client.get(f"/api/v1/documents/{quote(DECREE)}").json()
    assert decree["number"] == "249/2025/NĐ-CP" and decree["sections"] and len(decree["chunks"]) > 3
    assert [c["ordinal"] for c in decree["chunks"]] == sorted(c["ordinal"] for c in decree["chunks"])
    assert all(isinstance(c["pages"], list) for c in decree["chunks"])


def test_similar_excludes_itself_one_entry_per_document(client: TestClient) -> None:
    out = client.get(f"/api/v1/documents/{quote(DECREE)}/similar", params={"k": 4}).json()
    ids = [d["doc_id"] for d in out["similar"]]
    assert len(ids) == 4 == len(set(ids)) and DECREE not in ids
    scores = [d["score"] for d in out["similar"]]
    assert scores == sorted(scores, reverse=True)
    assert client.get(f"/api/v1/documents/{quote('vbpl sample:nope')}/similar").status_code == 404


def test_facets_count_visible_documents(client: TestClient) -> None:
    health = client.get("/api/v1/health").json()
    assert health["status"] == "ok" and health["index_loaded"] and health["model"] == "embeddinggemma-300m"
    facets = client.get("/api/v1/facets").json()
    assert 0 < facets["total"] <= health["documents"]
    types = {f["value"]: f["count"] for f in facets["doc_type"]}
    assert types["Nghị định"] == 2 and types["Thông tư"] == 1
    assert sum(f["count"] for f in facets["language"]) == facets["total"]
    narrowed = client.get("/api/v1/facets", params={"doc_type": "Nghị định"}).json()
    assert narrowed["total"] == 2 and {f["value"] for f in narrowed["year"]} == {"2025", "2026"}
    by_query = client.get("/api/v1/facets", params={"q": "Nghị định 28/2026/NĐ-CP"}).json()
    assert 0 < by_query["total"] <= facets["total"]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"query": ""}, "empty_query"),
        ({"query": "   \n "}, "empty_query"),
        ({"query": "x" * 5000}, "query_too_long"),
        ({"query": "thuế", "mode": "fuzzy"}, "validation_error"),
        ({"query": "thuế", "filters": {"date_from": "2025-02-30"}}, "validation_error"),
        ({"query": "thuế", "filters": {"date_from": "2025-03-01", "date_to": "2025-01-01"}}, "validation_error"),
        ({"query": "thuế", "k": 0}, "validation_error"),
        ({"query": "thuế", "k": 100000}, "k_too_large"),
        ({"query": "thuế", "offset": -1}, "validation_error"),
        ({"query": "thuế", "unknown": 1}, "validation_error"),
        ({"k": 3}, "validation_error"),
    ],
)
def test_bad_requests_answer_422_with_error_body(client: TestClient, body: dict, code: str) -> None:  # type: ignore[type-arg]
    resp = client.post("/api/v1/search", json=body)
    assert resp.status_code == 422
    assert resp.json()["error"]["code"] == code and resp.json()["error"]["message"]


def test_unknown_document_and_route_404(client: TestClient) -> None:
    for path in ("/api/v1/documents/nope", f"/api/v1/documents/{quote('a b:c@d')}", "/api/v1/nothing"):
        resp = client.get(path)
        assert resp.status_code == 404 and set(resp.json()["error"]) == {"code", "message"}
    assert client.get("/api/v1/documents/nope").json() == client.get("/api/v1/documents/other").json()
    assert (
        client.post("/api/v1/search", content=b"{not json", headers={"content-type": "application/json"}).status_code
        == 422
    )


def test_unexpected_error_leaks_nothing(client: TestClient) -> None:
    class Broken:
        def search(self, *_: object) -> None:
            raise RuntimeError("/secret/path/store.sqlite is locked")

    app = client.app
    app.dependency_overrides[get_search_service] = lambda: Broken()  # type: ignore[attr-defined]
    try:
        resp = client.post("/api/v1/search", json={"query": "thuế"})
    finally:
        app.dependency_overrides.clear()  # type: ignore[attr-defined]
    assert resp.status_code == 500
    assert resp.json()["error"]["code"] == "internal_error"
    assert "secret" not in resp.text and "Traceback" not in resp.text


def test_openapi_documents_the_contract(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path in ("/api/v1/search", "/api/v1/facets", "/api/v1/health", "/api/v1/index", "/api/v1/documents/{doc_id}"):
        assert path in spec["paths"], path
    assert spec["components"]["schemas"]["SearchRequest"]["examples"]
    assert client.get("/docs").status_code == 200


def test_a_repeated_query_costs_no_encoder_time(client: TestClient) -> None:
    query = "trách nhiệm bồi thường thiệt hại do nhà nước gây ra lần hai"
    first = search(client, query, k=3)["query_interpretation"]
    again = search(client, query, k=3, offset=3)["query_interpretation"]  # the next page: same vector
    assert first["embed_cached"] is False and again["embed_cached"] is True
    assert again["timings_ms"]["embed"] < 5.0 <= first["timings_ms"]["embed"]
