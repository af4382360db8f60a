"""Access control through the HTTP API: keys, identical 404s, audit rows, and a property over every endpoint.

A small real index (real model) holds one document per (level, unit) pair, each with a unique word and number.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import BASE_URL
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer.config import Settings
from indexer.models import Classification
from search_api.security import AuditLog, Principal, PrincipalStore
from search_api.security.database import security_db_path

UNIT_A, UNIT_B = "Ban Tuyên giáo", "Ban Tổ chức"
UNITS: list[str | None] = [UNIT_A, UNIT_B, None]
LEVELS = ["unclassified", "mat", "toi mat", "tuyet mat"]
UNIQUE = [
    "xanhlam", "hoasen", "caotoc", "baobien", "nuivang", "songhong",
    "dongbang", "caonguyen", "haidao", "rungxanh", "datmui", "thaonguyen",
]  # fmt: skip
API_EXAMPLES = 150


@dataclass(frozen=True)
class Doc:
    """What the test knows about each indexed document."""

    stem: str
    level: int
    unit: str | None
    word: str
    number: str


@dataclass
class Env:
    """The app client, the documents by id, and each principal with its key."""

    client: TestClient
    docs: dict[str, Doc]
    principals: list[tuple[Principal, str]]
    audit: AuditLog
    store: PrincipalStore


def _write_corpus(folder: Path) -> list[Doc]:
    docs = []
    for i, (level, unit) in enumerate(itertools.product(range(4), UNITS)):
        doc = Doc(f"nq-{i + 1}", level, unit, UNIQUE[i], f"{i + 1}-NQ/TU")
        text = (
            f"TỈNH ỦY NGHỆ AN\n\nSố {doc.number}\n\nNghệ An, ngày 5 tháng 3 năm 2024\n\n# NGHỊ QUYẾT\n"
            f"## về chuyển đổi số và phát triển kinh tế {doc.word}\n\n"
            f"1. Đẩy mạnh chuyển đổi số trong công tác tham mưu; chương trình {doc.word} được triển khai.\n\n"
            "2. Phát triển kinh tế số, xây dựng chính quyền số, bảo đảm an toàn thông tin.\n"
        )
        (folder / f"{doc.stem}.md").write_text(text, encoding="utf-8")
        meta: dict[str, str] = {"classification": LEVELS[level]}
        if unit:
            meta["unit"] = unit
        (folder / f"{doc.stem}.meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        docs.append(doc)
    return docs


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory, settings: Settings, fake_embedder) -> Iterator[Env]:  # type: ignore[no-untyped-def]
    from indexer.build.pipeline import IndexPipeline
    from indexer.storage.index import Index
    from search_api.app import create_app

    embedder = fake_embedder  # access control is under test here, not the model
    root = tmp_path_factory.mktemp("secapi")
    corpus = root / "corpus"
    corpus.mkdir()
    written = _write_corpus(corpus)
    s = settings.model_copy(update={"index_dir": root / "index"})
    idx = Index.open_or_create(s, embedder.name, embedder.dimension)
    report = IndexPipeline(s, embedder, idx).run([corpus])
    assert report.added == len(written), report.failed
    rows = idx.store.conn.execute("SELECT doc_id, source, classification, unit FROM documents").fetchall()
    idx.close()
    by_stem = {d.stem: d for d in written}
    docs = {r["doc_id"]: by_stem[Path(r["source"]).stem] for r in rows}
    for r in rows:  # the sidecars were honoured, so the oracle below describes the index
        assert (r["classification"], r["unit"]) == (docs[r["doc_id"]].level, docs[r["doc_id"]].unit)
    store = PrincipalStore(security_db_path(s))
    principals = []
    scopes: list[tuple[str, ...] | None] = [None, (UNIT_A,), (UNIT_B,), (UNIT_A, UNIT_B)]
    for n, (level, units) in enumerate(itertools.product(range(4), scopes)):
        roles = ["reader", "drafter"] + (["admin"] if n == 0 else [])
        principals.append(store.add(f"p{n}", roles, level, units))
    with TestClient(create_app(s, embedder=embedder), base_url=BASE_URL) as client:
        yield Env(client, docs, principals, AuditLog(security_db_path(s)), store)


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _sees(p: Principal, d: Doc) -> bool:
    # Written independently of Principal.can_see and filter_sql on purpose.
    return d.level <= int(p.clearance) and (p.units is None or d.unit is None or d.unit in p.units)


def _not_found_body(env: Env, key: str, doc_id: str, suffix: str = "") -> str:
    r = env.client.get(f"/api/v1/documents/{doc_id}{suffix}", headers=_auth(key))
    assert r.status_code == 404
    return r.text.replace(doc_id, "<id>")


def test_unauthenticated_and_bad_keys_refused(env: Env) -> None:
    body = {"query": "chuyển đổi số"}
    assert env.client.post("/api/v1/search", json=body).status_code == 401
    assert env.client.post("/api/v1/search", json=body, headers=_auth("tm_nope_nope")).status_code == 401
    doc_id = next(iter(env.docs))
    assert env.client.get(f"/api/v1/documents/{doc_id}").status_code == 401
    assert env.client.get("/api/v1/facets").status_code == 401
    _, key = env.store.add("temp", ["reader"], 0)
    assert env.client.post("/api/v1/search", json=body, headers=_auth(key)).status_code == 200
    new = env.store.rotate("temp")
    assert env.client.post("/api/v1/search", json=body, headers=_auth(key)).status_code == 401
    assert env.client.post("/api/v1/search", json=body, headers=_auth(new)).status_code == 200
    env.store.revoke("temp")
    assert env.client.post("/api/v1/search", json=body, headers=_auth(new)).status_code == 401
    refused = env.client.post("/api/v1/search", json=body, headers=_auth(new))
    assert new not in refused.text


def test_hidden_document_404_identical_to_missing(env: Env) -> None:
    p, key = next((p, k) for p, k in env.principals if int(p.clearance) == 0 and p.units == (UNIT_A,))
    hidden = [i for i, d in env.docs.items() if not _sees(p, d)]
    assert hidden
    missing = _not_found_body(env, key, "khong-ton-tai")
    for doc_id in hidden:
        assert _not_found_body(env, key, doc_id) == missing
        assert _not_found_body(env, key, doc_id, "/similar") == _not_found_body(env, key, "khong-ton-tai", "/similar")


def test_every_request_kind_is_audited(env: Env) -> None:
    p, key = env.principals[-1]  # top clearance, both units
    doc_id = next(i for i, d in env.docs.items() if _sees(p, d))
    env.client.post("/api/v1/search", json={"query": "chuyển đổi số"}, headers=_auth(key))
    env.client.get(f"/api/v1/documents/{doc_id}", headers=_auth(key))
    env.client.get(f"/api/v1/documents/{doc_id}/similar", headers=_auth(key))
    env.client.get("/api/v1/facets", params={"q": "kinh tế"}, headers=_auth(key))
    facet_row, *rows = env.audit.query(principal=p.name, limit=4)
    assert facet_row["endpoint"] == "facets" and facet_row["query"] == "kinh tế"
    assert [r["endpoint"] for r in rows] == ["similar", "document", "search"]
    assert rows[2]["query"] == "chuyển đổi số" and rows[2]["chunk_ids"] and rows[2]["doc_ids"]
    assert rows[1]["doc_ids"] == [doc_id] and rows[1]["chunk_ids"]
    assert doc_id not in rows[0]["doc_ids"] and rows[0]["doc_ids"]
    for r in rows:
        assert all(_sees(p, env.docs[d]) for d in r["doc_ids"])
        assert key not in json.dumps(r, ensure_ascii=False)


def test_health_is_open_but_counts_only_what_the_caller_sees(env: Env) -> None:
    anonymous = env.client.get("/api/v1/health")
    assert anonymous.status_code == 200 and anonymous.json() == {"status": "ok"}  # nothing else, not even counts
    for p, key in env.principals:
        seen = env.client.get("/api/v1/health", headers=_auth(key)).json()["documents"]
        assert seen == sum(_sees(p, d) for d in env.docs.values())


def test_audit_endpoint_admin_only(env: Env) -> None:
    admin, admin_key = env.principals[0]  # p0 holds the admin role, cleared for unclassified only
    reader, reader_key = env.principals[1]  # unclassified too: the admin reads its rows in full
    secret_reader, secret_key = env.principals[-1]  # TUYỆT MẬT: the admin reads who and when, not what
    env.client.post("/api/v1/search", json={"query": "kế hoạch mật"}, headers=_auth(secret_key))
    r = env.client.get("/api/v1/audit", params={"principal": secret_reader.name}, headers=_auth(admin_key))
    hidden = next(row for row in r.json()["rows"] if row["endpoint"] == "search")
    assert hidden["query"] == "[above your clearance]" and hidden["doc_ids"] == [] and "kế hoạch" not in r.text
    env.client.post("/api/v1/search", json={"query": "kinh tế số"}, headers=_auth(reader_key))
    assert env.client.get("/api/v1/audit", headers=_auth(reader_key)).status_code == 403
    assert env.client.get("/api/v1/audit").status_code == 401
    r = env.client.get("/api/v1/audit", params={"principal": reader.name, "limit": 5}, headers=_auth(admin_key))
    assert r.status_code == 200
    rows = r.json()["rows"]
    assert rows and all(row["principal"] == reader.name for row in rows)
    refused, searched = rows[0], next(row for row in rows if row["endpoint"] == "search")
    assert (refused["endpoint"], refused["http_status"], refused["status"]) == ("GET /api/v1/audit", 403, "refused")
    assert "forbidden" in refused["detail"]
    assert searched["query"] == "kinh tế số"
    assert reader_key not in r.text and admin_key not in r.text
    bad = env.client.get("/api/v1/audit", params={"since": "not-a-date"}, headers=_auth(admin_key))
    assert bad.status_code == 422 and "error" in bad.json()


endpoint_st = st.sampled_from(["search", "facets", "document", "similar"])
query_st = st.one_of(
    st.sampled_from(UNIQUE).map(lambda w: ("word", w)),
    st.integers(1, len(UNIQUE)).map(lambda i: ("number", f"Nghị quyết số {i}-NQ/TU")),
    st.just(("common", "chuyển đổi số kinh tế")),
)


@settings(
    max_examples=API_EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    who=st.integers(0, 15),
    endpoint=endpoint_st,
    query=query_st,
    mode=st.sampled_from(["hybrid", "lexical", "dense"]),
    grouped=st.booleans(),
    target=st.integers(0, len(UNIQUE) - 1),
)
def test_api_never_leaks_and_never_hides(
    env: Env, who: int, endpoint: str, query: tuple[str, str], mode: str, grouped: bool, target: int
) -> None:
    p, key = env.principals[who]
    visible = {i for i, d in env.docs.items() if _sees(p, d)}
    before = env.audit.query(principal=p.name, limit=1)
    kind, text = query
    if endpoint == "search":
        body = {"query": text, "k": 50, "mode": mode, "group_by_document": grouped}
        r = env.client.post("/api/v1/search", json=body, headers=_auth(key))
        assert r.status_code == 200, r.text
        got = [h["doc_id"] for h in r.json()["hits"]]
        assert set(got) <= visible
        assert r.json()["total"] <= sum(1 for _ in visible) * 10
        wanted = {
            i for i, d in env.docs.items() if d.word == text or (kind == "number" and text.endswith(f" {d.number}"))
        }
        if kind in ("word", "number") and mode != "dense":
            assert wanted & visible <= set(got)  # what they may see is still found
        assert not any(Classification.parse(h["classification"]) > p.clearance for h in r.json()["hits"])
        logged = env.audit.query(principal=p.name, limit=1)[0]
        assert logged["endpoint"] == "search" and set(logged["doc_ids"]) <= visible
        assert set(logged["doc_ids"]) == set(got)
    elif endpoint == "facets":
        r = env.client.get("/api/v1/facets", headers=_auth(key))
        assert r.status_code == 200, r.text
        facets = r.json()
        assert facets["total"] == len(visible)
        assert sum(v["count"] for v in facets["language"]) <= len(visible)
        assert all(v["count"] <= len(visible) for name in ("doc_type", "issuer", "year") for v in facets[name])
    else:
        doc_id = sorted(env.docs)[target]
        suffix = "/similar" if endpoint == "similar" else ""
        r = env.client.get(f"/api/v1/documents/{doc_id}{suffix}", headers=_auth(key))
        if doc_id in visible:
            assert r.status_code == 200, r.text
            if endpoint == "similar":
                assert {s["doc_id"] for s in r.json()["similar"]} <= visible - {doc_id}
            else:
                assert r.json()["doc_id"] == doc_id
        else:
            assert r.status_code == 404
            assert r.text.replace(doc_id, "<id>") == _not_found_body(env, key, "khong-ton-tai", suffix)
            assert env.audit.query(principal=p.name, limit=1) == before or not _audit_leaks(env, p)
    assert not _audit_leaks(env, p)


def _audit_leaks(env: Env, p: Principal) -> bool:
    """True when the principal's latest audit row names a document they may not see."""
    rows = env.audit.query(principal=p.name, limit=1)
    return bool(rows) and rows[0]["status"] == "ok" and any(not _sees(p, env.docs[d]) for d in rows[0]["doc_ids"])
