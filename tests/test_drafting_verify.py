"""Citation parsing and verification of LLM paragraphs: wrong, missing and unsupported citations are flagged."""

from __future__ import annotations

from indexer.storage.records import ChunkRecord
from search_api.drafting.verify import overlap, parse_citations, split_paragraphs, verify_paragraph

PASSAGES: list[ChunkRecord] = [
    ChunkRecord(
        doc_id="nq57",
        chunk_id=11,
        ordinal=0,
        number="57-NQ/TW",
        section="II › 2. Mục tiêu",
        text="Đến năm 2030, tiềm lực, trình độ khoa học, công nghệ và đổi mới sáng tạo đạt mức tiên tiến "
        "trong nhiều lĩnh vực quan trọng, thuộc nhóm dẫn đầu các nước có thu nhập trung bình cao.",
    ),
    ChunkRecord(
        doc_id="nd249",
        chunk_id=42,
        ordinal=0,
        number="249/2025/NĐ-CP",
        section="Điều 3",
        text="Chuyên gia khoa học, công nghệ được hưởng chính sách hỗ trợ nhà ở và thu nhập theo quy định.",
    ),
]


def test_parse_citations_forms() -> None:
    text, numbers = parse_citations("Câu một [1]. Câu hai [2, 3][1] và [4-5].")
    assert numbers == [1, 2, 3, 4, 5]
    assert "[" not in text and text.startswith("Câu một.")


def test_supported_paragraph_keeps_resolved_citation() -> None:
    p = verify_paragraph(
        "Đến năm 2030, trình độ khoa học, công nghệ và đổi mới sáng tạo đạt mức tiên tiến [1].", PASSAGES
    )
    assert p.supported, p.note
    assert [(c.doc_id, c.chunk_id, c.number) for c in p.citations] == [("nq57", 11, "57-NQ/TW")]
    assert p.citations[0].label == "[57-NQ/TW, 2. Mục tiêu]"


def test_missing_citation_is_flagged() -> None:
    p = verify_paragraph("Đến năm 2030, khoa học công nghệ đạt mức tiên tiến.", PASSAGES)
    assert not p.supported and p.note == "no citation" and p.citations == []


def test_citation_outside_retrieved_passages_is_flagged() -> None:
    p = verify_paragraph("Khoa học, công nghệ đạt mức tiên tiến [1][7].", PASSAGES)
    assert not p.supported
    assert "[7]" in p.note
    assert [c.chunk_id for c in p.citations] == [11]


def test_wrong_passage_cited_is_flagged() -> None:
    # True of passage 2 (housing support for experts), but it cites passage 1.
    p = verify_paragraph("Chuyên gia được hưởng chính sách hỗ trợ nhà ở và thu nhập [1].", PASSAGES)
    assert not p.supported and "do not support" in p.note
    right = verify_paragraph("Chuyên gia được hưởng chính sách hỗ trợ nhà ở và thu nhập [2].", PASSAGES)
    assert right.supported


def test_invented_content_is_flagged_even_with_a_valid_number() -> None:
    p = verify_paragraph("Tỉnh đã xây dựng ba sân bay quốc tế và mười cảng biển nước sâu [2].", PASSAGES)
    assert not p.supported


def test_overlap_ignores_function_words_and_accents() -> None:
    assert overlap("và của các", ["và của các"]) == 0.0
    assert overlap("khoa hoc cong nghe", [PASSAGES[0].text]) == 1.0


def test_split_paragraphs_joins_bare_citation_lines() -> None:
    answer = "## Heading\nĐoạn một nói về A.\n[1]\n\n- Đoạn hai nói về B [2].\n"
    assert split_paragraphs(answer) == ["Đoạn một nói về A. [1]", "Đoạn hai nói về B [2]."]


def test_echoed_header_is_too_short_to_count() -> None:
    p = verify_paragraph("(57-NQ/TW, I.) [1]", PASSAGES)
    assert not p.supported and p.note == "too short to verify"
