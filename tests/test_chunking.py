"""Structure-aware chunking on real documents: exact section paths, offsets into the text, pages, long splits."""

from __future__ import annotations

import json

from conftest import need_data

from indexer.chunking.structure import StructureChunker
from indexer.config import ChunkingSettings
from indexer.models import Chunk, Document, PageSpan
from indexer.understanding.identity import identify

# "## II- QUAN ĐIỂM, MỤC TIÊU" travels with "### 1. Quan điểm" (no heading-only chunk); "### 5." and "### 6." fit
# together in one chunk.
PARTY_PATHS = [
    "", "I.", "I.", "II. › 1.", "II. › 1.", "II. › 2. › 2.1.", "II. › 2. › 2.2.",
    "III. › 1.", "III. › 2.", "III. › 3.", "III. › 4.", "III. › 5.–6.", "III. › 7.",
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
    assert chunks[3].text.startswith("## II- QUAN ĐIỂM, MỤC TIÊU\n\n### 1. Quan điểm")
    assert chunks[5].text.startswith("### 2. Mục tiêu, chỉ tiêu")
    packed = chunks[11].text
    assert packed.startswith("### 5. Phát triển kết cấu hạ tầng") and "\n### 6. " in packed and "### 7." not in packed


def test_law_paths_chapter_article_clause_point() -> None:
    path = need_data("vbpl", "vbpl_vi_docs.jsonl")
    with path.open(encoding="utf-8") as fh:
        record = next(json.loads(line) for line in fh if json.loads(line)["id"] == "doc_000001")
    chunks = _chunks(record["text"])
    sections = [c.section for c in chunks]
    assert sections[:5] == [
        "", "Chương I", "Chương II › Mục 1 › Điều 3 › Khoản 1–2",
        "Chương II › Mục 1 › Điều 3 › Khoản 3 › Điểm a–d", "Chương II › Mục 1 › Điều 3 › Khoản 3 › Điểm đ–e",
    ]  # fmt: skip
    assert sections[10:12] == ["Chương II › Mục 2 › Điều 8 › Khoản 1–5", "Chương II › Mục 2 › Điều 8 › Khoản 6–8"]
    # The headings of Chương II, Mục 1 and Điều 3 travel with Khoản 1–2 rather than standing alone.
    assert chunks[2].text.startswith("Chương II\n\nNHỮNG QUY ĐỊNH CỤ THỂ\n\nMục 1\n")
    assert "\nĐiều 3. " in chunks[2].text and "\n2. " in chunks[2].text and "\n3. " not in chunks[2].text
    assert chunks[4].text.startswith("đ) ") and "\ne) " in chunks[4].text
    assert chunks[11].text.startswith("6. ") and "\n8. " in chunks[11].text
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


def test_small_siblings_packed_with_range_labels() -> None:
    path = need_data("alqac-2023", "corpus.jsonl")
    with path.open(encoding="utf-8") as fh:
        record = next(json.loads(line) for line in fh if json.loads(line)["_id"] == "Luật Phòng, chống ma túy@35")
    text = record["text"]
    chunks = _chunks(text)
    # Seven clauses of 128–1163 characters: three chunks instead of seven, the title with the first.
    assert [c.section for c in chunks] == ["1.–3.", "4.–5.", "6.–7."]
    assert chunks[0].text.startswith("Cơ sở cai nghiện ma túy công lập\n\n1. Cơ sở cai nghiện")
    assert chunks[1].text.startswith("4. ") and chunks[2].text.startswith("6. ")
    assert all(text[c.char_start : c.char_end] == c.text for c in chunks)


def test_article_clauses_packed_and_oversized_clause_split() -> None:
    clause = "Nội dung của khoản này được quy định rõ ràng. "
    text = (
        "Chương I\nQUY ĐỊNH CHUNG\n"
        + "".join(f"Điều {n}. Tên điều {n}\n1. {clause * 2}\n2. {clause * 2}\n" for n in (1, 2))
        + "Điều 3. Điều dài\n"
        + "".join(f"{k}. {clause * 8}\n" for k in (1, 2, 3))
        + "4. "
        + clause * 40
        + "\n5. "
        + clause
        + "\n"
    )
    chunks = _chunks(text, size=1000)
    assert [c.section for c in chunks] == [
        "Chương I › Điều 1–2", "Chương I › Điều 3 › Khoản 1–2", "Chương I › Điều 3 › Khoản 3",
        *["Chương I › Điều 3 › Khoản 4"] * 3, "Chương I › Điều 3 › Khoản 5",
    ]  # fmt: skip
    assert chunks[0].text.startswith("Chương I\nQUY ĐỊNH CHUNG\nĐiều 1.") and "\nĐiều 2. " in chunks[0].text
    assert chunks[1].text.startswith("Điều 3. Điều dài\n1. ") and "\n2. " in chunks[1].text
    assert all(text[c.char_start : c.char_end] == c.text and len(c.text) <= 1000 for c in chunks)
    covered = {i for c in chunks for i in range(c.char_start, c.char_end)}
    assert all(ch.isspace() for i, ch in enumerate(text) if i not in covered)  # repetitive text: nothing lost


def test_heading_never_stands_alone() -> None:
    body = "Nội dung dài của mục này, viết thành nhiều câu để vượt quá kích thước một đoạn. " * 30
    text = "## II- QUAN ĐIỂM\n\n### 1. Quan điểm\n\n" + body + "\n\n### 2. Mục tiêu\n\nNgắn.\n"
    chunks = _chunks(text)
    assert chunks[0].section == "II. › 1." and chunks[0].text.startswith("## II- QUAN ĐIỂM\n\n### 1. Quan điểm\n\nNội")
    assert all("\n" in c.text or not c.text.startswith("#") for c in chunks)
    assert chunks[-1].section == "II. › 2." and chunks[-1].text.startswith("### 2. Mục tiêu")
    assert all(text[c.char_start : c.char_end] == c.text for c in chunks)
