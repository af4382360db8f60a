"""Drafts keep their classification: the level of what they quote, marked in JSON, DOCX and Markdown, and kept
when the exported file is indexed again; drafts belong to a principal's immutable id, not to its name."""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import BASE_URL, CORPUS
from docx import Document
from fastapi.testclient import TestClient

from indexer.config import Settings
from indexer.models import Classification
from indexer.parsing import build_registry, parse_file
from indexer.storage.records import ChunkRecord
from indexer.understanding.identity import identify
from search_api.drafting.docx_export import to_docx
from search_api.drafting.markdown_export import to_markdown
from search_api.drafting.models import Citation, Draft, DraftSection, Paragraph
from search_api.drafting.service import highest_level, row_level, sources_of
from search_api.security import PrincipalStore
from search_api.security.database import security_db_path

SECRET_FILE = "bc-15-du-2024-bao-ve-chinh-tri-noi-bo-mat.md"  # marked MẬT in the corpus; TỐI MẬT here
PUBLIC_FILES = ["nq-57-tw-2024-khoa-hoc-cong-nghe.md", "kl-21-tw-2023-xay-dung-dang.md"]
TOPIC = "công tác bảo vệ chính trị nội bộ, thẩm định tiêu chuẩn chính trị đảng viên"
BODY = {"template": "bao-cao-chuyen-de", "topic": TOPIC}
LABEL = "TỐI MẬT"
BLOCKS: dict[str, Any] = {
    "issuing_body": ["ĐẢNG BỘ TỈNH HẢI DƯƠNG", "TỈNH ỦY"],
    "motto": ["ĐẢNG CỘNG SẢN VIỆT NAM"],
    "number": "Số: ......-BC/TU",
    "place_date": "Hải Dương, ngày 01 tháng 12 năm 2026",
    "doc_title": "BÁO CÁO",
    "recipients": ["- Như trên,", "- Lưu VPTU."],
    "signature": ["T/M TỈNH ỦY", "BÍ THƯ"],
}


# ---- the level, from rows alone (no model) ------------------------------------------------------------------


def _row(chunk_id: int, doc_id: str, level: object) -> ChunkRecord:
    # ``level`` is any object: a backend bug may hand over an unreadable one, which must fail closed.
    return ChunkRecord(chunk_id, doc_id, 0, "", number=f"{chunk_id}-BC/TU", classification=level)  # type: ignore[arg-type]


def _draft(*cited: ChunkRecord, classification: Classification = Classification.UNCLASSIFIED) -> Draft:
    paragraphs = [
        Paragraph(text=f"Câu trích {r.chunk_id}.", citations=[Citation(doc_id=r.doc_id, chunk_id=r.chunk_id)])
        for r in cited
    ]
    draft = Draft(
        id="d1",
        template="bao-cao-chuyen-de",
        language="vi",
        topic="bảo vệ chính trị nội bộ",
        title="Báo cáo chuyên đề về bảo vệ chính trị nội bộ",
        owner="p-1",
        blocks=BLOCKS,
        sections=[DraftSection(heading="I. Tình hình", paragraphs=paragraphs)],
        classification=classification,
    )
    draft.sources = sources_of(draft, {r.chunk_id: r for r in cited})
    return draft


def test_level_is_the_highest_among_the_cited_chunks() -> None:
    public, secret, same_doc = _row(1, "a", 0), _row(2, "b", 2), _row(3, "b", 1)
    draft = _draft(public, secret, same_doc)
    assert highest_level([public, secret, same_doc]) is Classification.TOI_MAT
    assert highest_level([]) is Classification.UNCLASSIFIED
    assert [(s.doc_id, s.classification) for s in draft.sources] == [
        ("a", Classification.UNCLASSIFIED),
        ("b", Classification.TOI_MAT),  # the highest of its cited chunks
    ]


def test_an_unreadable_level_fails_closed() -> None:
    assert row_level(_row(1, "a", 2)) is Classification.TOI_MAT
    assert row_level(_row(1, "a", "MẬT")) is Classification.MAT
    for bad in (None, "Chính sách", 9, True):
        assert row_level(_row(1, "a", bad)) is Classification.TUYET_MAT


def test_json_shape() -> None:
    draft = _draft(_row(1, "a", 0), _row(2, "b", 2), classification=Classification.TOI_MAT)
    data = draft.model_dump(mode="json", exclude={"owner"})
    assert data["classification"] == LABEL and data["classification_level"] == 2
    assert [(s["classification"], s["classification_level"]) for s in data["sources"]] == [
        ("unclassified", 0),
        (LABEL, 2),
    ]
    assert "owner" not in data and draft.marking == LABEL
    plain = _draft(_row(1, "a", 0)).model_dump(mode="json")
    assert plain["classification"] == "unclassified" and plain["classification_level"] == 0
    assert Draft.model_validate(data).classification is Classification.TOI_MAT  # the label reads back
    with pytest.raises(ValueError):
        Draft(id="x", template="t", language="vi", topic="t", title="t", classification=None)  # type: ignore[arg-type]


# ---- exports ---------------------------------------------------------------------------------------------------


def assert_docx_marked(data: bytes, label: str) -> None:
    """The DOCX marking: first body paragraph (bold), every page header, core properties."""
    doc = Document(io.BytesIO(data))
    first = doc.paragraphs[0]
    assert first.text == label and all(r.bold for r in first.runs)
    body = doc.element.body
    assert body.index(first._p) < body.index(doc.tables[0]._tbl), "the marking comes before the header table"
    for section in doc.sections:
        assert not section.different_first_page_header_footer  # page 1 shows the default header
        for header in (section.header, section.first_page_header):
            assert not header.is_linked_to_previous
            assert label in [p.text for p in header.paragraphs]
    props = doc.core_properties
    assert props.category == label and props.content_status == label and label in props.keywords


def assert_docx_unmarked(data: bytes) -> None:
    doc = Document(io.BytesIO(data))
    assert doc.paragraphs[0].text not in {c.label for c in Classification}
    for section in doc.sections:
        assert all(not p.text.strip() for p in section.header.paragraphs)
        assert all(not p.text.strip() for p in section.first_page_header.paragraphs)
    props = doc.core_properties
    assert not props.category and not props.content_status
    assert not any(c.label in (props.keywords or "") for c in Classification if c)


def test_exports_of_a_classified_draft_carry_the_marking() -> None:
    draft = _draft(_row(1, "a", 0), _row(2, "b", 2), classification=Classification.TOI_MAT)
    assert_docx_marked(to_docx(draft), LABEL)
    lines = to_markdown(draft).splitlines()
    assert lines[:2] == [f"**{LABEL}**", ""]


def test_exports_of_an_unclassified_draft_carry_no_marking() -> None:
    draft = _draft(_row(1, "a", 0))
    assert draft.marking is None
    assert_docx_unmarked(to_docx(draft))
    md = to_markdown(draft)
    assert md.splitlines()[0] == "**ĐẢNG BỘ TỈNH HẢI DƯƠNG**  "
    assert identify(md, {}).classification is Classification.UNCLASSIFIED


# ---- through the API, on a tiny index holding a TỐI MẬT report ----------------------------------------------


@dataclass
class Env:
    client: TestClient
    store: PrincipalStore
    keys: dict[str, str]
    settings: Settings
    secret_doc: str


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory, settings: Settings, embedder) -> Iterator[Env]:  # type: ignore[no-untyped-def]
    from indexer.build.pipeline import IndexPipeline
    from indexer.storage.index import Index
    from search_api.app import create_app

    root = tmp_path_factory.mktemp("marking")
    (root / "docs").mkdir()
    text = (CORPUS / SECRET_FILE).read_text(encoding="utf-8")
    assert text.startswith("MẬT\n")
    (root / "docs" / SECRET_FILE).write_text(f"{LABEL}\n" + text.split("\n", 1)[1], encoding="utf-8")
    for name in PUBLIC_FILES:
        shutil.copy(CORPUS / name, root / "docs" / name)
    s = settings.model_copy(update={"index_dir": root / "index"})
    idx = Index.open_or_create(s, embedder.name, embedder.dimension)
    assert IndexPipeline(s, embedder, idx).run([root / "docs"]).added == 1 + len(PUBLIC_FILES)
    secret = idx.store.conn.execute("SELECT doc_id, classification FROM documents WHERE classification > 0").fetchall()
    idx.close()
    assert [int(r["classification"]) for r in secret] == [int(Classification.TOI_MAT)]
    store = PrincipalStore(security_db_path(s))
    keys = {
        "secret": store.add("secret", ["drafter"], "toi mat")[1],
        "plain": store.add("plain", ["drafter"], 0)[1],
        "moved": store.add("moved", ["drafter"], "toi mat")[1],
    }
    with TestClient(create_app(s, embedder=embedder), base_url=BASE_URL) as client:
        yield Env(client, store, keys, s, secret[0]["doc_id"])


def _h(env: Env, who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {env.keys[who]}"}


@pytest.fixture(scope="module")
def secret_draft(env: Env) -> dict[str, Any]:
    r = env.client.post("/api/v1/drafts", json=BODY, headers=_h(env, "secret"))
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_a_draft_quoting_a_toi_mat_report_is_toi_mat(env: Env, secret_draft: dict[str, Any]) -> None:
    assert secret_draft["classification"] == LABEL and secret_draft["classification_level"] == 2
    by_doc = {s["doc_id"]: s for s in secret_draft["sources"]}
    assert by_doc[env.secret_doc]["classification"] == LABEL
    assert all(s["classification_level"] == 0 for d, s in by_doc.items() if d != env.secret_doc)
    assert "owner" not in secret_draft
    levels = [s["classification_level"] for s in secret_draft["sections"]]
    assert max(levels) == 2 and all(
        s["classification"] == Classification(s["classification_level"]).label for s in secret_draft["sections"]
    )
    again = env.client.get(f"/api/v1/drafts/{secret_draft['id']}", headers=_h(env, "secret")).json()
    assert again["classification"] == LABEL and "owner" not in again


def test_streamed_sections_carry_their_level(env: Env) -> None:
    with env.client.stream("POST", "/api/v1/drafts/stream", json=BODY, headers=_h(env, "secret")) as r:
        assert r.status_code == 200
        raw = "".join(r.iter_text())
    events = []
    for block in raw.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((lines["event"], json.loads(lines["data"])))
    sections = [d for n, d in events if n == "section"]
    done = events[-1][1]
    assert events[-1][0] == "done" and done["classification"] == LABEL and "owner" not in done
    assert max(s["classification_level"] for s in sections) == done["classification_level"] == 2


def test_an_unclassified_draft_has_no_marking_anywhere(env: Env) -> None:
    r = env.client.post("/api/v1/drafts", json=BODY, headers=_h(env, "plain"))
    assert r.status_code == 200, r.text
    draft = r.json()
    assert draft["classification"] == "unclassified" and draft["classification_level"] == 0
    assert draft["sources"] and all(s["classification_level"] == 0 for s in draft["sources"])
    docx = env.client.get(f"/api/v1/drafts/{draft['id']}.docx", headers=_h(env, "plain"))
    assert docx.status_code == 200
    assert_docx_unmarked(docx.content)
    md = env.client.get(f"/api/v1/drafts/{draft['id']}.md", headers=_h(env, "plain")).text
    assert md.startswith("**ĐẢNG") and identify(md, {}).classification is Classification.UNCLASSIFIED


def test_downloads_carry_the_marking(env: Env, secret_draft: dict[str, Any]) -> None:
    docx = env.client.get(f"/api/v1/drafts/{secret_draft['id']}.docx", headers=_h(env, "secret"))
    assert docx.status_code == 200
    assert_docx_marked(docx.content, LABEL)
    md = env.client.get(f"/api/v1/drafts/{secret_draft['id']}.md", headers=_h(env, "secret"))
    assert md.status_code == 200 and md.text.splitlines()[:2] == [f"**{LABEL}**", ""]


def _exports(env: Env, draft: dict[str, Any], folder: Path) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    docx, md = folder / "du-thao.docx", folder / "du-thao.md"
    docx.write_bytes(env.client.get(f"/api/v1/drafts/{draft['id']}.docx", headers=_h(env, "secret")).content)
    md.write_text(env.client.get(f"/api/v1/drafts/{draft['id']}.md", headers=_h(env, "secret")).text, "utf-8")
    return docx, md


def _level_when_indexed(path: Path) -> Classification:
    parsed = parse_file(path, build_registry())[0]
    return identify(parsed.text, parsed.metadata).classification


def test_exports_indexed_again_stay_classified(
    env: Env,
    secret_draft: dict[str, Any],
    tmp_path: Path,
    embedder,  # type: ignore[no-untyped-def]
) -> None:
    from indexer.build.pipeline import IndexPipeline
    from indexer.storage.index import Index

    docx, md = _exports(env, secret_draft, tmp_path / "upload")
    assert _level_when_indexed(docx) is Classification.TOI_MAT
    assert _level_when_indexed(md) is Classification.TOI_MAT
    # The attacker's path: the downloaded files uploaded into an index; neither is visible below TỐI MẬT.
    s = env.settings.model_copy(update={"index_dir": tmp_path / "index"})
    idx = Index.open_or_create(s, embedder.name, embedder.dimension)
    try:
        assert IndexPipeline(s, embedder, idx).run([tmp_path / "upload"]).added == 2
        levels = [int(r[0]) for r in idx.store.conn.execute("SELECT classification FROM documents").fetchall()]
    finally:
        idx.close()
    assert levels == [int(Classification.TOI_MAT)] * 2


def test_docx_without_its_first_line_is_still_classified(
    env: Env, secret_draft: dict[str, Any], tmp_path: Path
) -> None:
    """Someone deletes the stamp line: the page headers and the document properties still mark the file.

    Needs the DOCX parser to read section headers and core properties (indexer/parsing/docx_parser.py) and the
    identity extractor to use them.
    """
    docx, _ = _exports(env, secret_draft, tmp_path)
    doc = Document(str(docx))
    first = doc.paragraphs[0]
    assert first.text == LABEL
    first._p.getparent().remove(first._p)
    doc.save(str(docx))
    assert _level_when_indexed(docx) is Classification.TOI_MAT


def test_a_revoked_then_re_added_name_gets_none_of_the_old_drafts(env: Env) -> None:
    r = env.client.post("/api/v1/drafts", json=BODY, headers=_h(env, "moved"))
    assert r.status_code == 200 and r.json()["classification"] == LABEL
    draft_id = r.json()["id"]
    paths = [f"/api/v1/drafts/{draft_id}", f"/api/v1/drafts/{draft_id}.docx", f"/api/v1/drafts/{draft_id}.md"]
    assert all(env.client.get(p, headers=_h(env, "moved")).status_code == 200 for p in paths)
    old_id = next(p["id"] for p in env.store.list() if p["name"] == "moved")
    env.store.revoke("moved")
    principal, key = env.store.add("moved", ["drafter"], 0)  # same name, lower clearance
    assert principal.id != old_id
    for path in paths:
        assert env.client.get(path, headers=_h(env, "moved")).status_code == 401  # the old key is revoked
        r = env.client.get(path, headers={"Authorization": f"Bearer {key}"})
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found", path
