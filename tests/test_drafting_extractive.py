"""Extractive drafts on the real sample corpus with the real model: every sentence is quoted from a cited chunk
of a role its section accepts; a section no source supports is a gap (the template's placeholder, no quote)."""

from __future__ import annotations

import io
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from docx import Document

from indexer.config import Settings
from indexer.models import Classification
from indexer.retrieval.hybrid import HybridRetriever
from indexer.storage.filters import SearchFilter
from indexer.storage.index import Index
from search_api.drafting.docx_export import to_docx
from search_api.drafting.markdown_export import to_markdown
from search_api.drafting.models import Draft, Paragraph
from search_api.drafting.service import DraftRequest, DraftService
from search_api.drafting.templates import TemplateRegistry
from search_api.security import DEV_PRINCIPAL, guard_chunks
from search_api.security.principals import Principal


@pytest.fixture(scope="module")
def service(corpus_index: Settings, embedder) -> Iterator[DraftService]:  # type: ignore[no-untyped-def]
    idx = Index.open(corpus_index)
    yield DraftService(HybridRetriever(idx, embedder, corpus_index), TemplateRegistry.load(corpus_index.prompts_dir))
    idx.close()


def _draft(service: DraftService, principal: Principal, template: str, topic: str, language: str = "vi") -> Draft:
    flt = SearchFilter().with_access(principal.clearance, principal.units)
    return service.draft(
        DraftRequest(template=template, topic=topic, language=language),
        flt,
        lambda rows: guard_chunks(principal, rows, None, "test"),
        principal.id,
    )


@pytest.fixture(scope="module")
def so_ket(service: DraftService) -> Draft:
    return _draft(service, DEV_PRINCIPAL, "bao-cao-so-ket", "khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số")


def quoted(draft: Draft) -> list[Paragraph]:
    """The paragraphs that quote a source (every one but the gap placeholders)."""
    return [p for s in draft.sections for p in s.paragraphs if not p.gap]


def assert_gaps(service: DraftService, draft: Draft) -> None:
    """Gaps are exactly the sections holding the one placeholder paragraph (the template's gap text, no citation),
    and none of the documents drawn on has a passage of a role such a section accepts."""
    template = service.templates.get(draft.template, draft.language)
    specs = {spec.heading: spec for spec in template.sections}
    store = service.retriever.index.store
    scope = draft.subject.about if draft.subject else [src.doc_id for src in draft.sources]
    drawn_on = [r for doc_id in scope for r in store.document_chunks(doc_id)]
    gaps = []
    for section in draft.sections:
        if any(p.gap for p in section.paragraphs):
            gaps.append(section.heading)
            [p] = section.paragraphs
            assert (p.text, p.citations, p.sentences) == (template.gap_text, [], [])
            assert not section.targets and not section.citations
            accepted = set(specs[section.heading].roles)
            assert not [r.chunk_id for r in drawn_on if r.role in accepted], section.heading
        else:
            assert section.paragraphs or section.targets, section.heading
    assert draft.gaps == gaps


def test_every_paragraph_is_quoted_from_a_cited_chunk(service: DraftService, so_ket: Draft) -> None:
    assert [s.heading for s in so_ket.sections][0] == "I. Đặc điểm tình hình"
    # Only 57-NQ/TW is relevant enough to the topic, and it has results and limitations, but no context,
    # leadership, lessons, directions or recommendations section: those five are gaps, not borrowed text.
    assert so_ket.gaps == [
        "I. Đặc điểm tình hình",
        "II. Công tác lãnh đạo, chỉ đạo, quán triệt, triển khai",
        "V. Bài học kinh nghiệm",
        "VI. Phương hướng, nhiệm vụ thời gian tới",
        "VII. Kiến nghị, đề xuất",
    ]
    assert_gaps(service, so_ket)
    paragraphs = quoted(so_ket)
    assert len(paragraphs) >= 2 and sum(len(p.sentences) for p in paragraphs) >= 4
    chunks = service.retriever.index.store.chunks(so_ket.cited_chunk_ids())
    roles = {spec.heading: set(spec.roles) for spec in service.templates.get("bao-cao-so-ket").sections}
    for section in so_ket.sections:  # a sentence only goes where its source section's role is accepted
        for c in section.citations:
            assert chunks[c.chunk_id].role in roles[section.heading], (section.heading, c.label)
    sentences_seen: list[str] = []
    for p in paragraphs:
        assert p.citations and p.supported
        assert p.sentences and " ".join(p.sentences) == p.text
        cited_text = " ".join(chunks[c.chunk_id].text for c in p.citations)
        for sentence in p.sentences:
            assert sentence in cited_text, (sentence, p.citations)
        assert all(chunks[c.chunk_id].doc_id == c.doc_id for c in p.citations)
        sentences_seen += p.sentences
    assert len(sentences_seen) == len(set(sentences_seen)), "a sentence was used twice"
    # The topic's own resolution is quoted, and its citation carries the number.
    assert any(c.number == "57-NQ/TW" and c.label.startswith("[57-NQ/TW") for p in paragraphs for c in p.citations)
    cited_docs = {c.doc_id for p in paragraphs for c in p.citations}
    assert cited_docs == {s.doc_id for s in so_ket.sources}
    # A Vietnamese report quotes Vietnamese documents only (the corpus holds a Bengali translation of 57-NQ/TW).
    languages = {chunks[c.chunk_id].language for p in paragraphs for c in p.citations}
    assert languages == {"vi"}, languages


def test_draft_respects_clearance(service: DraftService) -> None:
    topic = "công tác bảo vệ chính trị nội bộ, thẩm định tiêu chuẩn chính trị"
    cleared = Principal("cleared", frozenset({"drafter"}), Classification.TUYET_MAT, None, id="cleared-1")
    secret = _draft(service, cleared, "bao-cao-chuyen-de", topic)
    rows = service.retriever.index.store.chunks(secret.cited_chunk_ids())
    assert any(r.classification > 0 for r in rows.values()), "the MẬT report should be quotable when cleared"
    assert secret.classification is Classification.MAT  # the draft carries the level of what it quotes
    public = _draft(service, DEV_PRINCIPAL, "bao-cao-chuyen-de", topic)
    rows = service.retriever.index.store.chunks(public.cited_chunk_ids())
    assert rows and all(r.classification == 0 for r in rows.values())
    assert public.classification is Classification.UNCLASSIFIED and public.marking is None


def test_drafts_are_kept_per_owner(service: DraftService, so_ket: Draft) -> None:
    # Owned by the principal's immutable id: another id (a name revoked and added again gets one) sees nothing.
    assert so_ket.owner == DEV_PRINCIPAL.id == "dev"
    assert service.store.get(so_ket.id, DEV_PRINCIPAL.id) is so_ket
    assert service.store.get(so_ket.id, "someone-else") is None
    assert service.store.get(so_ket.id, "") is None


def test_docx_round_trip_official_layout(so_ket: Draft, tmp_path: Path) -> None:
    data = to_docx(so_ket)
    doc = Document(io.BytesIO(data))
    body = "\n".join(p.text for p in doc.paragraphs)
    header = "\n".join(c.text for c in doc.tables[0].rows[0].cells)
    footer = "\n".join(c.text for c in doc.tables[-1].rows[0].cells)
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in header and "Số: ......-BC/TU" in header and "ngày" in header
    assert "Nơi nhận:" in footer and "BÍ THƯ" in footer
    for section in so_ket.sections:
        assert section.heading in body
    first = quoted(so_ket)[0]
    assert first.text in body and first.citations[0].label in body
    gap_text = so_ket.sections[0].paragraphs[0].text  # section I is a gap: its placeholder, in italics
    gaps = [p for p in doc.paragraphs if p.text == gap_text]
    assert len(gaps) == len(so_ket.gaps) and all(r.italic for p in gaps for r in p.runs)
    assert "Tài liệu trích dẫn" in body and (so_ket.sources[0].number or "") in body
    assert doc.styles["Normal"].font.name == "Times New Roman"
    sizes = {r.font.size.pt for p in doc.paragraphs for r in p.runs if r.font.size is not None}
    assert sizes <= {11.0, 12.0, 13.0, 14.0} and 14.0 in sizes
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office:  # where LibreOffice is installed it must open and convert the file
        path = tmp_path / "draft.docx"
        path.write_bytes(data)
        subprocess.run([office, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)], check=True)
        assert (tmp_path / "draft.pdf").stat().st_size > 1000


def test_markdown_export(so_ket: Draft) -> None:
    md = to_markdown(so_ket)
    assert md.count("### ") == len(so_ket.sections) + 1  # sections + sources
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in md and "Nơi nhận:" in md
    assert quoted(so_ket)[0].citations[0].label in md
    assert md.count(f"*{so_ket.sections[0].paragraphs[0].text}*") == len(so_ket.gaps)  # the placeholders, italic


def test_english_template_on_english_document(service: DraftService) -> None:
    draft = _draft(service, DEV_PRINCIPAL, "bao-cao-so-ket", "energy transition and renewable power", "en")
    assert draft.language == "en" and draft.sections[0].heading == "I. Situation"
    paragraphs = quoted(draft)
    assert len(paragraphs) >= 4 and all(p.citations and p.sentences for p in paragraphs)
    # 112-BC/TU has results, shortcomings, directions and recommendations but no situation section.
    assert draft.gaps == ["I. Situation"]
    assert_gaps(service, draft)
    assert draft.sections[0].paragraphs[0].text == "No source document for this section yet — please add one."
    assert "COMMUNIST PARTY OF VIETNAM" in to_markdown(draft)
