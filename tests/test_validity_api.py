"""Relations and validity end to end: a resolution, a later one that replaces it, a classified plan implementing the
later one — indexed from their own text, read back through the API by a cleared and an unclassified reader.

Runs on the deterministic fake embedder: the relation graph, validity and access are under test, not the model.
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
from search_api.security import PrincipalStore
from search_api.security.database import security_db_path

OLD = """TỈNH ỦY HÒA AN
ĐẢNG CỘNG SẢN VIỆT NAM

Số 01-NQ/TU

Hòa An, ngày 05 tháng 02 năm 2020

NGHỊ QUYẾT
về phát triển hạ tầng số của tỉnh

1. Đầu tư hạ tầng số đồng bộ ở tất cả các xã, phường trong tỉnh.

2. Nghị quyết này có hiệu lực kể từ ngày ký.
"""
NEW = """TỈNH ỦY HÒA AN
ĐẢNG CỘNG SẢN VIỆT NAM

Số 05-NQ/TU

Hòa An, ngày 10 tháng 03 năm 2023

NGHỊ QUYẾT
về chuyển đổi số và hạ tầng số của tỉnh

1. Phát triển hạ tầng số, dữ liệu số và nền tảng số dùng chung của tỉnh.

2. Nghị quyết này thay thế Nghị quyết số 01-NQ/TU ngày 05 tháng 02 năm 2020 của Ban Thường vụ Tỉnh ủy.

3. Nghị quyết này có hiệu lực kể từ ngày ký.
"""
PLAN = """TỈNH ỦY HÒA AN
ĐẢNG CỘNG SẢN VIỆT NAM

Số 10-KH/TU

Hòa An, ngày 20 tháng 04 năm 2023

KẾ HOẠCH
thực hiện Nghị quyết số 05-NQ/TU ngày 10/3/2023 của Tỉnh ủy về chuyển đổi số

1. Các sở, ngành xây dựng chương trình hạ tầng số mật mã chuyên dùng.
"""


@dataclass
class Env:
    client: TestClient
    ids: dict[str, str]  # stem → doc_id
    cleared: str  # key of a MẬT reader
    public: str  # key of an unclassified reader


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory, settings: Settings, fake_embedder) -> Iterator[Env]:  # type: ignore[no-untyped-def]
    from indexer.build.pipeline import IndexPipeline
    from indexer.storage.index import Index
    from search_api.app import create_app

    root = tmp_path_factory.mktemp("validity")
    docs = root / "docs"
    docs.mkdir()
    for stem, text in (("nq-01", OLD), ("nq-05", NEW), ("kh-10", PLAN)):
        (docs / f"{stem}.md").write_text(text, encoding="utf-8")
    (docs / "kh-10.meta.json").write_text(json.dumps({"classification": "MẬT"}), encoding="utf-8")
    s = settings.model_copy(update={"index_dir": root / "index"})
    idx = Index.open_or_create(s, fake_embedder.name, fake_embedder.dimension)
    report = IndexPipeline(s, fake_embedder, idx).run([docs])
    assert report.added == 3, report.failed
    ids = {Path(r.source).stem: r.doc_id for r in (idx.store.document(d, _all()) for d in _doc_ids(idx)) if r}
    idx.close()
    store = PrincipalStore(security_db_path(s))
    _, cleared = store.add("cleared", ["reader"], 1, None)
    _, public = store.add("public", ["reader"], 0, None)
    with TestClient(create_app(s, embedder=fake_embedder), base_url=BASE_URL) as client:
        yield Env(client, ids, cleared, public)


def _all():  # type: ignore[no-untyped-def]
    from indexer.storage.filters import SearchFilter

    return SearchFilter()


def _doc_ids(idx) -> list[str]:  # type: ignore[no-untyped-def]
    return idx.store.doc_ids_matching(_all())


def _get(env: Env, key: str, path: str) -> dict:  # type: ignore[type-arg]
    resp = env.client.get(path, headers={"Authorization": f"Bearer {key}"})
    assert resp.status_code == 200, resp.text
    return resp.json()  # type: ignore[no-any-return]


def test_replaced_resolution_says_so_with_its_reason(env: Env) -> None:
    out = _get(env, env.public, f"/api/v1/documents/{env.ids['nq-01']}")
    assert out["effective_date"] == "2020-02-05"
    assert out["validity"]["status"] == "replaced"
    assert out["validity"]["by_doc_id"] == env.ids["nq-05"] and out["validity"]["by_number"] == "05-NQ/TU"
    assert "thay thế Nghị quyết số 01-NQ/TU" in out["validity"]["sentence"]
    assert [(r["kind"], r["direction"], r["doc_id"]) for r in out["relations"]] == [
        ("replaced_by", "in", env.ids["nq-05"])
    ]
    # As of a day before the replacement took effect, it was in force.
    resp = env.client.post(
        "/api/v1/search",
        json={"query": "hạ tầng số", "filters": {"in_force": True, "as_of": "2021-06-01"}, "k": 10},
        headers={"Authorization": f"Bearer {env.public}"},
    )
    assert env.ids["nq-01"] in {h["doc_id"] for h in resp.json()["hits"]}


def test_relations_both_ways_and_the_classified_plan_only_for_the_cleared(env: Env) -> None:
    cleared = _get(env, env.cleared, f"/api/v1/documents/{env.ids['nq-05']}")
    kinds = {(r["kind"], r["direction"], r["doc_id"], r["number"]) for r in cleared["relations"]}
    assert ("replaces", "out", env.ids["nq-01"], "01-NQ/TU") in kinds
    assert ("implemented_by", "in", env.ids["kh-10"], "10-KH/TU") in kinds
    assert cleared["validity"]["status"] == "in_force"
    public = _get(env, env.public, f"/api/v1/documents/{env.ids['nq-05']}")
    assert [r["kind"] for r in public["relations"]] == ["replaces"]
    assert "10-KH/TU" not in json.dumps(public, ensure_ascii=False)
    plan = _get(env, env.cleared, f"/api/v1/documents/{env.ids['kh-10']}")
    assert [(r["kind"], r["doc_id"]) for r in plan["relations"]] == [("implements", env.ids["nq-05"])]


def test_in_force_search_excludes_the_replaced_one_and_hits_carry_validity(env: Env) -> None:
    body = {"query": "hạ tầng số", "k": 10}
    headers = {"Authorization": f"Bearer {env.public}"}
    every = env.client.post("/api/v1/search", json=body, headers=headers).json()["hits"]
    by_doc = {h["doc_id"]: h["validity"] for h in every}
    assert by_doc[env.ids["nq-01"]] == "replaced" and by_doc[env.ids["nq-05"]] == "in_force"
    current = env.client.post("/api/v1/search", json={**body, "filters": {"in_force": True}}, headers=headers)
    assert current.status_code == 200
    docs = {h["doc_id"] for h in current.json()["hits"]}
    assert env.ids["nq-05"] in docs and env.ids["nq-01"] not in docs
    facets = _get(env, env.public, "/api/v1/facets")
    assert {v["value"]: v["count"] for v in facets["validity"]} == {"replaced": 1, "in_force": 1}
    assert _get(env, env.public, "/api/v1/facets?in_force=true")["total"] == 1
