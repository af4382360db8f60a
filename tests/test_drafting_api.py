"""Drafting over HTTP: role and clearance, audit, SSE stream, per-owner DOCX/Markdown downloads."""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from conftest import BASE_URL, CORPUS
from docx import Document
from fastapi.testclient import TestClient

from indexer.config import Settings
from search_api.security import AuditLog, PrincipalStore
from search_api.security.database import security_db_path

FILES = [
    "bc-15-du-2024-bao-ve-chinh-tri-noi-bo-mat.md",
    "nq-57-tw-2024-khoa-hoc-cong-nghe.md",
    "kl-21-tw-2023-xay-dung-dang.md",
]
TOPIC = "công tác bảo vệ chính trị nội bộ, thẩm định tiêu chuẩn chính trị đảng viên"


@dataclass
class Env:
    client: TestClient
    keys: dict[str, str]
    audit: AuditLog
    secret_doc: str


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory, settings: Settings, embedder) -> Iterator[Env]:  # type: ignore[no-untyped-def]
    from indexer.build.pipeline import IndexPipeline
    from indexer.storage.index import Index
    from search_api.app import create_app

    root = tmp_path_factory.mktemp("draftapi")
    (root / "docs").mkdir()
    for name in FILES:
        shutil.copy(CORPUS / name, root / "docs" / name)
    s = settings.model_copy(update={"index_dir": root / "index"})
    idx = Index.open_or_create(s, embedder.name, embedder.dimension)
    assert IndexPipeline(s, embedder, idx).run([root / "docs"]).added == len(FILES)
    secret = idx.store.conn.execute("SELECT doc_id FROM documents WHERE classification > 0").fetchall()
    idx.close()
    assert len(secret) == 1
    store = PrincipalStore(security_db_path(s))
    keys = {
        "cleared": store.add("cleared", ["drafter"], "mat")[1],
        "plain": store.add("plain", ["drafter"], 0)[1],
        "reader": store.add("reader", ["reader"], "tuyet mat")[1],
    }
    with TestClient(create_app(s, embedder=embedder), base_url=BASE_URL) as client:
        yield Env(client, keys, AuditLog(security_db_path(s)), secret[0]["doc_id"])


def _h(env: Env, who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {env.keys[who]}"}


def test_templates_need_the_drafter_role(env: Env) -> None:
    assert env.client.get("/api/v1/templates", headers=_h(env, "reader")).status_code == 403
    r = env.client.get("/api/v1/templates", headers=_h(env, "plain"))
    assert r.status_code == 200
    ids = {(t["id"], t["language"]) for t in r.json()}
    assert {("bao-cao-so-ket", "vi"), ("to-trinh", "vi"), ("bao-cao-so-ket", "bn")} <= ids


def test_draft_follows_clearance_and_is_audited(env: Env) -> None:
    body = {"template": "bao-cao-chuyen-de", "topic": TOPIC}
    assert env.client.post("/api/v1/drafts", json=body, headers=_h(env, "reader")).status_code == 403
    cleared = env.client.post("/api/v1/drafts", json=body, headers=_h(env, "cleared"))
    plain = env.client.post("/api/v1/drafts", json=body, headers=_h(env, "plain"))
    assert cleared.status_code == plain.status_code == 200, plain.text
    docs = lambda d: {c["doc_id"] for s in d["sections"] for p in s["paragraphs"] for c in p["citations"]}  # noqa: E731
    assert env.secret_doc in docs(cleared.json())
    assert docs(plain.json()) and env.secret_doc not in docs(plain.json())
    assert env.secret_doc not in {s["doc_id"] for s in plain.json()["sources"]}
    rows = [r for r in env.audit.query("plain") if r["endpoint"] == "drafts"]
    cited = {c["chunk_id"] for s in plain.json()["sections"] for p in s["paragraphs"] for c in p["citations"]}
    assert rows and set(rows[0]["chunk_ids"]) == cited


def test_downloads_belong_to_the_owner(env: Env) -> None:
    body = {"template": "to-trinh", "topic": "đột phá phát triển khoa học, công nghệ và chuyển đổi số"}
    draft = env.client.post("/api/v1/drafts", json=body, headers=_h(env, "plain")).json()
    docx = env.client.get(f"/api/v1/drafts/{draft['id']}.docx", headers=_h(env, "plain"))
    assert docx.status_code == 200 and docx.headers["content-type"].startswith("application/vnd.openxml")
    text = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    assert draft["sections"][0]["heading"] in text
    md = env.client.get(f"/api/v1/drafts/{draft['id']}.md", headers=_h(env, "plain"))
    assert md.status_code == 200 and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in md.text
    assert env.client.get(f"/api/v1/drafts/{draft['id']}.md", headers=_h(env, "cleared")).status_code == 404
    assert env.client.get("/api/v1/drafts/nope.docx", headers=_h(env, "plain")).status_code == 404


def test_stream_sends_one_event_per_section_then_the_draft(env: Env) -> None:
    body = {"template": "bao-cao-so-ket", "topic": "khoa học, công nghệ", "language": "en"}
    with env.client.stream("POST", "/api/v1/drafts/stream", json=body, headers=_h(env, "plain")) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        raw = "".join(r.iter_text())
    events = []
    for block in raw.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((lines["event"], json.loads(lines["data"])))
    assert [n for n, _ in events] == ["start"] + ["section"] * 5 + ["done"]
    assert events[-1][1]["id"] == events[0][1]["id"] and events[1][1]["heading"] == "I. Situation"
    assert all("text" in d and "citations" in d for n, d in events if n == "section")


def test_bad_requests(env: Env) -> None:
    r = env.client.post("/api/v1/drafts", json={"template": "nope", "topic": "x y"}, headers=_h(env, "plain"))
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    llm = {"template": "to-trinh", "topic": "chuyển đổi số", "mode": "llm"}
    r = env.client.post("/api/v1/drafts", json=llm, headers=_h(env, "plain"))
    assert r.status_code == 503 and "THAMMUU_LLM__BASE_URL" in r.json()["error"]["message"]
    bad = {"template": "to-trinh", "topic": "chuyển đổi số", "mode": "poem"}
    assert env.client.post("/api/v1/drafts", json=bad, headers=_h(env, "plain")).status_code == 422
