"""Structure-aware chunking on real documents: exact section paths, offsets into the text, pages, long splits."""

from __future__ import annotations

import json

from conftest import need_data

from indexer.chunking import StructureChunker
from indexer.config import ChunkingSettings
from indexer.identity import identify
from indexer.models import Chunk, Document, PageSpan

PARTY_PATHS = [
    "", "I.", "I.", "II.", "II. › 1.", "II. › 1.", "II. › 2. › 2.1.", "II. › 2. › 2.2.",
    "III. › 1.", "III. › 2.", "III. › 3.", "III. › 4.", "III. › 5.", "III. › 6.", "III. › 7.",
]  # fmt: skip


def _chunks(text: str, pages: list[PageSpan] | None = None, size: int = 1500) -> list[Chunk]:
    doc = Document("d", "s", "h", text, identify(text, {}), pages or [])
    return StructureChunker(ChunkingSettings(chunk_size=size, chunk_overlap=150)).chunk(doc)


def test_party_resolution_golden_paths() -> None:
    text = need_data("party-doc", "16-NQ-TW_2026_Dong-Nai.md").read_text(encoding="utf-8")
    chunks = _chunks(text)
    assert [c.section for c in chunks] == PARTY_PATHS
    for c in chunks:
        assert text[c.char_start : c.char_end] == c.text
    assert chunks[6].text.startswith("### 2. Mục tiêu, chỉ tiêu")


def test_law_paths_chapter_article_clause_point() -> None:
    path = need_data("vbpl", "vbpl_vi_docs.jsonl")
    with path.open(encoding="utf-8") as fh:
        record = next(json.loads(line) for line in fh if json.loads(line)["id"] == "doc_000001")
    chunks = _chunks(record["text"])
    sections = [c.section for c in chunks]
    assert sections[:4] == ["", "Chương I", "Chương II", "Chương II › Mục 1"]
    assert "Chương II › Mục 1 › Điều 3 › Khoản 3 › Điểm đ" in sections
    assert "Chương II › Mục 2 › Điều 8 › Khoản 1" in sections
    assert all(record["text"][c.char_start : c.char_end] == c.text for c in chunks)
    assert max(len(c.text) for c in chunks) <= 1500


def test_roman_items_with_dash_numbered_and_lettered_items() -> None:
    text = "I- MỞ ĐẦU\nGiới thiệu.\nII. NHIỆM VỤ\n1. Nhiệm vụ một\na) điểm một\nb) điểm hai\n2. Nhiệm vụ hai\n"
    chunks = _chunks(text.replace("\n", "\n" + "x " * 60 + "\n"), size=200)
    sections = [c.section for c in chunks]
    assert sections[0] == "I."
    assert "II. › 1. › a)" in sections and "II. › 1. › b)" in sections and "II. › 2." in sections


def test_long_section_split_with_overlap_and_pages() -> None:
    body = " ".join(f"Câu số {i} nói về nội dung của điều khoản này." for i in range(120))
    text = "Điều 1. Phạm vi\n" + body
    half = len(text) // 2
    pages = [PageSpan(1, 0, half), PageSpan(2, half, len(text))]
    chunks = _chunks(text, pages, size=400)
    assert len(chunks) > 5
    assert all(c.section == "Điều 1" for c in chunks)
    assert all(len(c.text) <= 400 for c in chunks)
    assert any(a.char_end > b.char_start for a, b in zip(chunks, chunks[1:], strict=False))  # overlap
    assert chunks[0].pages == [1] and chunks[-1].pages == [2]
    assert any(c.pages == [1, 2] for c in chunks)
