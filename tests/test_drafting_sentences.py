"""Sentence splitting for the extractive drafter: verbatim offsets, headings and fragments dropped."""

from __future__ import annotations

from dataclasses import replace

from indexer.storage.records import ChunkRecord
from search_api.drafting.sentences import citation_for, short_section, split_sentences

TEXT = (
    "## I. TÌNH HÌNH VÀ NGUYÊN NHÂN\n"
    "(Văn bản mẫu do dự án biên soạn, nội dung giả định)\n"
    "1. Thời gian qua, hạ tầng số quốc gia được đầu tư mạnh; tỷ lệ dịch vụ công trực tuyến tăng nhanh. "
    "Tiềm lực khoa học và công nghệ được nâng lên rõ rệt trong nhiều lĩnh vực.\n"
    "đào tạo kỹ sư bán dẫn, trí tuệ nhân tạo và thu hút chuyên gia ở nước ngoài.\n"
    "Ban Chấp hành Trung ương Đảng kết luận như sau về các nhiệm vụ trọng tâm:\n"
    "- Đẩy mạnh chuyển đổi số trong hoạt động của các cơ quan trong hệ thống chính trị.\n"
)


def test_sentences_are_verbatim_and_clean() -> None:
    found = split_sentences(TEXT)
    assert [s for _, s in found] == [
        "Thời gian qua, hạ tầng số quốc gia được đầu tư mạnh; tỷ lệ dịch vụ công trực tuyến tăng nhanh.",
        "Tiềm lực khoa học và công nghệ được nâng lên rõ rệt trong nhiều lĩnh vực.",
        "Đẩy mạnh chuyển đổi số trong hoạt động của các cơ quan trong hệ thống chính trị.",
    ]
    for offset, sentence in found:
        assert TEXT[offset : offset + len(sentence)] == sentence


def test_citation_label_uses_number_and_last_section() -> None:
    row = ChunkRecord(3, "d1", 0, "", number="57-NQ/TW", section="II. › 3. Nhiệm vụ", title="x")
    c = citation_for(row)
    assert (c.label, c.section, c.doc_id, c.chunk_id) == ("[57-NQ/TW, 3. Nhiệm vụ]", "3. Nhiệm vụ", "d1", 3)
    assert citation_for(replace(row, number=None, section="")).label == "[x]"
    assert short_section("A › " + "x" * 100).endswith("…")
