"""Security markings fail closed: every way a marking is written is read, prose never is, metadata never lowers."""

from __future__ import annotations

import json
import logging
import unicodedata
from pathlib import Path

import docx
import pytest
from typer.testing import CliRunner

from indexer.build.inspection import inspect_paths
from indexer.config import Settings
from indexer.errors import InvalidClassification
from indexer.models import Classification, PageSpan
from indexer.parsing.docx_parser import DocxParser
from indexer.understanding.identity import identify
from indexer.understanding.markings import find_marking, marking_level, parse_classification_value, scan_lines
from search_api.cli import app

U, MAT, TOI, TUYET = (
    Classification.UNCLASSIFIED,
    Classification.MAT,
    Classification.TOI_MAT,
    Classification.TUYET_MAT,
)
BODY = """ĐẢNG BỘ TỈNH THANH HÓA
TỈNH ỦY
*
Số 88-BC/TU

Thanh Hóa, ngày 20 tháng 11 năm 2024

BÁO CÁO
sơ kết công tác bảo vệ bí mật nhà nước

I. TÌNH HÌNH
Điều 5. Tài liệu mật được quản lý theo quy định về bảo vệ bí mật nhà nước.
Mật độ dân số tăng; the secret ballot was held.
"""
# Precomposed য় (U+09DF) decomposes under NFC: a marking typed either way must be read.
BN_PRECOMPOSED = "গোপনী\u09df"

MARKED_LINES = [
    ("MẬT", MAT),
    ("MẬT.", MAT),
    ("mật", MAT),
    ("Mat", MAT),
    ("**MẬT**", MAT),
    ("- MẬT -", MAT),
    ("[MẬT]", MAT),
    ("# MẬT", MAT),
    ("TÀI LIỆU MẬT", MAT),
    ("Tài liệu mật", MAT),
    ("VĂN BẢN MẬT", MAT),
    ("MẬT (C)", MAT),
    ("MẬT - KHẨN", MAT),
    ("KHẨN, MẬT", MAT),
    ("THƯỢNG KHẨN / MẬT", MAT),
    ("TỐI MẬT", TOI),
    ("**TỐI MẬT**", TOI),
    ("toi mat", TOI),
    ("TOI MAT", TOI),
    ("Tối Mật", TOI),
    ("ĐỘ MẬT: TỐI MẬT", TOI),
    ("Độ mật: Tối mật", TOI),
    ("Độ mật: B", TOI),
    ("TỐI MẬT (B)", TOI),
    ("TỐI MẬT – HỎA TỐC", TOI),
    ("HOẢ TỐC - TỐI MẬT", TOI),
    ("Tối mật - Khẩn", TOI),
    ("TUYỆT MẬT", TUYET),
    ("TUYỆT MẬT - HỎA TỐC", TUYET),
    ("TUYET MAT - HOA TOC", TUYET),
    ("tuyệt mật, hỏa tốc hẹn giờ", TUYET),
    ("Tuyệt mật (A)", TUYET),
    ("TUYỆT MẬT / THƯỢNG KHẨN", TUYET),
    ("ĐỘ KHẨN: HỎA TỐC - ĐỘ MẬT: TUYỆT MẬT", TUYET),
    ("MẬT (A)", TUYET),  # the letter disagrees with the words: the higher level
    ("TỐI MẬT (A)", TUYET),
    ("TUYỆT MẬT (C)", TUYET),
    ("CONFIDENTIAL", MAT),
    ("Restricted", MAT),
    ("CONFIDENTIAL - URGENT", MAT),
    ("SECRET", TOI),
    ("Secret // Immediate", TOI),
    ("TOP SECRET", TUYET),
    ("Classification: TOP SECRET", TUYET),
    ("CLASSIFICATION: SECRET - URGENT", TOI),
    ("গোপনীয়", MAT),
    (BN_PRECOMPOSED, MAT),
    ("অতি গোপনীয়", TOI),
    ("জরুরি - অতি গোপনীয়", TOI),
    ("সর্বোচ্চ গোপনীয়", TUYET),
    ("পরম গোপনীয়, জরুরি", TUYET),
    ("| TỐI MẬT |", TOI),
    ("TỐI\u00a0MẬT", TOI),  # no-break space
    ("\ufeffMẬT\u200b", MAT),  # a BOM and a zero-width space left by an editor
    ("«TUYỆT MẬT»", TUYET),
]
PROSE = [
    "bảo vệ bí mật nhà nước",
    "Điều 5. Tài liệu mật được quản lý theo quy định",
    "the secret ballot",
    "Mật độ dân số",
    "MẬT ĐỘ",
    "KHÔNG MẬT",
    "Độ mật",
    "HỎA TỐC",
    "TÀI LIỆU",
    "A SECRET",
    "(A)",
    "1. MẬT",
    "Top secret documents are kept in the safe.",
    "",
]


@pytest.mark.parametrize(("line", "level"), MARKED_LINES)
def test_marking_lines(line: str, level: Classification) -> None:
    assert marking_level(line) == level
    assert marking_level(unicodedata.normalize("NFD", line)) == level  # decomposed input reads the same


@pytest.mark.parametrize(("line", "level"), MARKED_LINES)
def test_marking_line_above_a_header_classifies_the_document(line: str, level: Classification) -> None:
    ident = identify(f"{line}\n\n{BODY}", {})
    assert ident.classification == level
    assert ident.classification_source == f"text line 1: {unicodedata.normalize('NFC', line)!r}"
    assert ident.issuer == "TỈNH ỦY THANH HÓA"  # the marking line is never taken for the issuer


@pytest.mark.parametrize("line", PROSE)
def test_prose_is_not_a_marking(line: str) -> None:
    assert marking_level(line) is None
    ident = identify(f"{line}\n\n{BODY}", {})
    assert (ident.classification, ident.classification_source) == (U, "default")


def test_body_prose_document_stays_unclassified() -> None:
    assert find_marking(BODY) is None


def test_highest_marking_wins_with_its_line_number() -> None:
    text = f"MẬT\n{BODY}\nTUYỆT MẬT - HỎA TỐC\n"
    marking = find_marking(text)
    assert marking is not None and marking.level == TUYET
    assert marking.line_number == text.splitlines().index("TUYỆT MẬT - HỎA TỐC") + 1


def test_marking_in_a_header_table_cell() -> None:
    assert identify("ĐẢNG BỘ TỈNH X\t\tTỐI MẬT\nTỈNH ỦY\n" + BODY, {}).classification == TOI


def test_marking_beyond_the_header_region_only_counts_at_the_top_or_foot_of_a_page() -> None:
    filler = "Nội dung báo cáo tiếp tục được trình bày chi tiết ở phần này.\n" * 60
    middle = f"{BODY}{filler}TỐI MẬT\n{filler}"
    assert identify(middle, {}).classification == U  # a marking line deep inside a page is not a page marking
    paged = f"{BODY}{filler}\f\nTỐI MẬT\nPHỤ LỤC\n{filler}"
    ident = identify(paged, {})
    assert ident.classification == TOI
    assert ident.classification_source.startswith("text page 2 line ")
    foot = f"{BODY}{filler}- MẬT -\n\f{filler}"
    assert identify(foot, {}).classification == MAT


def test_page_spans_from_the_parser_mark_pages() -> None:
    filler = "Nội dung của trang được trình bày ở đây, không có dấu mật nào cả.\n" * 40
    page1, page2 = BODY + filler, "TUYỆT MẬT\nPHỤ LỤC KÈM THEO\n" + filler
    text = page1 + "\n\n" + page2
    spans = [PageSpan(1, 0, len(page1)), PageSpan(2, len(page1) + 2, len(text))]
    assert identify(text, {}).classification == U  # without the spans the page start is not known
    ident = identify(text, {}, spans)
    assert ident.classification == TUYET
    assert ident.classification_source == f"text page 2 line {page1.count(chr(10)) + 3}: 'TUYỆT MẬT'"


def test_markdown_front_matter_does_not_use_up_the_header_region() -> None:
    front = "---\n" + "".join(f"note{i}: {'x' * 60}\n" for i in range(30)) + "---\n"
    assert identify(front + "**TỐI MẬT**\n\n" + BODY, {}).classification == TOI


@pytest.mark.parametrize(
    ("value", "level"),
    [
        (0, U),
        (1, MAT),
        (2, TOI),
        (3, TUYET),
        ("3", TUYET),
        (Classification.TOI_MAT, TOI),
        ("TOI_MAT", TOI),
        ("TUYET_MAT", TUYET),
        ("UNCLASSIFIED", U),
        ("Tuyệt mật (A)", TUYET),
        ("Tối mật - Khẩn", TOI),
        ("mật", MAT),
        ("MẬT", MAT),
        ("B", TOI),
        ("unclassified", U),
        ("public", U),
        ("none", U),
        ("thường", U),
        ("Thuong", U),
        ("không mật", U),
        ("Khong mat", U),
        ("công khai", U),
        ("SECRET", TOI),
        ("top secret", TUYET),
        ("অতি গোপনীয়", TOI),
        ("সর্বোচ্চ গোপনীয়", TUYET),
    ],
)
def test_parse_classification_value(value: object, level: Classification) -> None:
    assert parse_classification_value(value) == level


@pytest.mark.parametrize("value", [None, "", "   "])
def test_empty_value_is_not_given(value: object) -> None:
    assert parse_classification_value(value) is None


@pytest.mark.parametrize(
    "value", ["Chính sách / Quy hoạch", "??", "Khẩn", "Độ mật", "secretary", 4, -1, 1.0, True, False, [], ["MẬT"], {}]
)
def test_unreadable_value_raises(value: object) -> None:
    with pytest.raises(InvalidClassification):
        parse_classification_value(value)


def test_classification_parse_keeps_working_for_existing_callers() -> None:
    assert Classification.parse("MẬT") == MAT
    assert Classification.parse("toi mat") == TOI
    assert Classification.parse("secret") == TOI
    assert Classification.parse(3) == TUYET
    assert Classification.parse("") == U
    assert Classification.parse(Classification.MAT.label) == MAT
    assert Classification.parse(Classification.UNCLASSIFIED.label) == U
    with pytest.raises(ValueError):
        Classification.parse("Chính sách / Quy hoạch")


@pytest.mark.parametrize(
    ("metadata", "level", "source"),
    [
        ({"classification": "Tuyệt mật (A)"}, TUYET, "metadata field classification: 'Tuyệt mật (A)'"),
        ({"do_mat": "Tối mật - Khẩn"}, TOI, "metadata field do_mat: 'Tối mật - Khẩn'"),
        ({"mat": 1}, MAT, "metadata field mat: 1"),
        ({"classification": "unclassified"}, U, "metadata field classification: 'unclassified'"),
        ({"classification": "", "do_mat": None}, U, "default"),
        ({}, U, "default"),
    ],
)
def test_metadata_classifies(metadata: dict[str, object], level: Classification, source: str) -> None:
    ident = identify(BODY, metadata)
    assert (ident.classification, ident.classification_source) == (level, source)


def test_metadata_raises_but_never_lowers(caplog: pytest.LogCaptureFixture) -> None:
    text = "TUYỆT MẬT\n\n" + BODY
    with caplog.at_level(logging.WARNING, logger="indexer.understanding.identity"):
        ident = identify(text, {"classification": "unclassified"})
    assert ident.classification == TUYET
    assert ident.classification_source.startswith("text line 1: 'TUYỆT MẬT'")
    assert "metadata field classification: 'unclassified'" in ident.classification_source
    assert "may not lower" in ident.classification_source
    assert any("may not lower" in r.getMessage() for r in caplog.records)
    raised = identify("MẬT\n\n" + BODY, {"do_mat": "TỐI MẬT"})
    assert (raised.classification, raised.classification_source) == (TOI, "metadata field do_mat: 'TỐI MẬT'")
    same = identify("MẬT\n\n" + BODY, {"classification": "mật"})
    assert (same.classification, same.classification_source) == (MAT, "text line 1: 'MẬT'")


def test_every_classification_field_counts() -> None:
    ident = identify(BODY, {"classification": "unclassified", "do_mat": "MẬT"})
    assert ident.classification == MAT
    assert ident.classification_source.startswith("metadata field do_mat: 'MẬT'")


@pytest.mark.parametrize(
    ("field", "value"),
    [("classification", "Chính sách / Quy hoạch"), ("do_mat", "??"), ("mat", ["MẬT"]), ("mat", True), ("mat", {})],
)
def test_unreadable_metadata_refuses_the_document(field: str, value: object) -> None:
    with pytest.raises(InvalidClassification) as err:
        identify("TUYỆT MẬT\n" + BODY, {field: value})
    assert f"metadata field {field}" in str(err.value)
    assert repr(value) in str(err.value)


def _docx(path: Path, header: str | None = None, body: str = BODY, **props: str) -> Path:
    document = docx.Document()
    if header:
        document.sections[0].header.paragraphs[0].text = header
    for line in body.splitlines():
        document.add_paragraph(line)
    for name, value in props.items():
        setattr(document.core_properties, name, value)
    document.save(str(path))
    return path


def _parse_and_identify(path: Path) -> tuple[str, Classification, str]:
    parsed = DocxParser().parse(path)[0]
    ident = identify(parsed.text, parsed.metadata, parsed.pages)
    return parsed.text, ident.classification, ident.classification_source


def test_docx_marking_only_in_the_page_header(tmp_path: Path) -> None:
    text, level, source = _parse_and_identify(_docx(tmp_path / "h.docx", header="TỐI MẬT - HỎA TỐC"))
    assert (level, source) == (TOI, "docx header: 'TỐI MẬT - HỎA TỐC'")
    assert "TỐI MẬT" not in text  # the header is read into metadata, never into the body text


def test_docx_header_of_a_later_section_counts(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("BÁO CÁO")
    section = document.add_section()
    section.header.is_linked_to_previous = False
    section.header.paragraphs[0].text = "TUYỆT MẬT"
    document.save(str(tmp_path / "s.docx"))
    assert _parse_and_identify(tmp_path / "s.docx")[1] == TUYET


@pytest.mark.parametrize(
    ("props", "level", "source"),
    [
        ({"category": "TỐI MẬT"}, TOI, "docx category: 'TỐI MẬT'"),
        ({"content_status": "Tuyệt mật"}, TUYET, "docx content status: 'Tuyệt mật'"),
        ({"keywords": "báo cáo; TỐI MẬT, y tế"}, TOI, "docx keywords: 'TỐI MẬT'"),
        ({"category": "Báo cáo", "content_status": "Final", "keywords": "y tế"}, U, "default"),
    ],
)
def test_docx_marking_in_core_properties(
    tmp_path: Path, props: dict[str, str], level: Classification, source: str
) -> None:
    assert _parse_and_identify(_docx(tmp_path / "p.docx", **props))[1:] == (level, source)


def test_docx_property_never_lowers_and_sidecar_field_stays_strict(tmp_path: Path) -> None:
    parsed = DocxParser().parse(_docx(tmp_path / "x.docx", header="TUYỆT MẬT", category="MẬT"))[0]
    assert identify(parsed.text, {**parsed.metadata, "classification": "MẬT"}).classification == TUYET
    with pytest.raises(InvalidClassification):
        identify(parsed.text, {**parsed.metadata, "classification": "Báo cáo"})


def test_scan_lines_reads_any_line() -> None:
    found = scan_lines("Trang 1\nCÔNG TY X\n**TUYỆT MẬT**")
    assert found is not None and (found.level, found.line, found.line_number) == (TUYET, "**TUYỆT MẬT**", 3)
    assert scan_lines("Báo cáo\nTrang 2") is None


def test_inspect_shows_level_and_source_and_refuses_unreadable(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("TUYỆT MẬT\n\n" + BODY, encoding="utf-8")
    (tmp_path / "a.meta.json").write_text(json.dumps({"classification": "unclassified"}), encoding="utf-8")
    (tmp_path / "b.md").write_text(BODY, encoding="utf-8")
    (tmp_path / "b.meta.json").write_text(json.dumps({"classification": "Tuyệt mật (A)"}), encoding="utf-8")
    (tmp_path / "c.md").write_text(BODY, encoding="utf-8")
    (tmp_path / "c.meta.json").write_text(json.dumps({"do_mat": "Chính sách / Quy hoạch"}), encoding="utf-8")
    items = {Path(d["source"]).name: d for d in inspect_paths([tmp_path], Settings())}
    assert items["a.md"]["classification"] == "TUYỆT MẬT"
    assert items["a.md"]["classification_source"].startswith("text line 1: 'TUYỆT MẬT'")
    assert (items["b.md"]["classification"], items["b.md"]["classification_source"]) == (
        "TUYỆT MẬT",
        "metadata field classification: 'Tuyệt mật (A)'",
    )
    assert "do_mat" in items["c.md"]["error"] and "Chính sách / Quy hoạch" in items["c.md"]["error"]
    result = CliRunner().invoke(app, ["inspect", str(tmp_path / "a.md")])  # the non-JSON (indented) output
    assert result.exit_code == 0, result.output
    assert '"classification_source": "text line 1:' in result.stdout


def test_inspect_jsonl_record_do_mat(tmp_path: Path) -> None:
    record = {"id": "r1", "text": BODY, "do_mat": "Tối mật - Khẩn"}
    (tmp_path / "records.jsonl").write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    [item] = list(inspect_paths([tmp_path], Settings()))
    assert (item["classification"], item["classification_source"]) == (
        "TỐI MẬT",
        "metadata field do_mat: 'Tối mật - Khẩn'",
    )


def test_a_sidecar_cannot_blank_what_the_file_says_about_itself() -> None:
    from indexer.understanding.classification import merge_metadata

    parsed = {"docx_header_text": "TỐI MẬT", "docx_title": "Báo cáo"}
    merged = merge_metadata(parsed, {"docx_header_text": "", "title": "Tên khác", "unit": "Ban A"})
    assert merged["docx_header_text"] == "TỐI MẬT" and merged["title"] == "Tên khác"
    assert identify("Báo cáo tình hình", merged).classification == Classification.TOI_MAT
