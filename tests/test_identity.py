"""Identity extraction and number canonicalisation on real headers and every variant form of a number."""

from __future__ import annotations

import sys

import pytest
from conftest import ROOT, need_data

from indexer.models import Classification
from indexer.understanding.identity import canonical_number, detect_language, find_numbers, identify, number_variants

PARTY_HEADER = """BAN CHẤP HÀNH TRUNG ƯƠNG
*
Số 57-NQ/TW
ĐẢNG CỘNG SẢN VIỆT NAM
Hà Nội, ngày 22 tháng 12 năm 2024

TỐI MẬT

NGHỊ QUYẾT
CỦA BỘ CHÍNH TRỊ
về đột phá phát triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số quốc gia
-----
I- TÌNH HÌNH
Ban Chấp hành Trung ương Đảng khóa XIII đã ban hành nhiều chủ trương.
"""

STATE_HEADER = """CHÍNH PHỦ
-------
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
---------------
Số: 249/2025/NĐ-CP
Hà Nội, ngày 19 tháng 09 năm 2025

NGHỊ ĐỊNH
Quy định cơ chế, chính sách thu hút chuyên gia khoa học, công nghệ

Căn cứ Luật Tổ chức Chính phủ số 63/2025/QH15;
"""


def test_state_header_fields() -> None:
    ident = identify(STATE_HEADER, {})
    assert ident.number == "249/2025/NĐ-CP"
    assert ident.doc_type == "Nghị định"
    assert ident.issuer == "CHÍNH PHỦ"
    assert (ident.place, ident.issued_date) == ("Hà Nội", "2025-09-19")
    assert ident.title == "Quy định cơ chế, chính sách thu hút chuyên gia khoa học, công nghệ"
    assert ident.classification == Classification.UNCLASSIFIED


def test_party_header_fields_term_and_marking() -> None:
    ident = identify(PARTY_HEADER, {})
    assert ident.number == "57-NQ/TW"
    assert ident.doc_type == "Nghị quyết"
    assert ident.issuer == "BỘ CHÍNH TRỊ"  # "NGHỊ QUYẾT / CỦA BỘ CHÍNH TRỊ": the body that issued it
    assert ident.issuer_raw == "BAN CHẤP HÀNH TRUNG ƯƠNG"  # the header as printed
    assert ident.issued_date == "2024-12-22"
    assert ident.term == "XIII"
    assert ident.classification == Classification.TOI_MAT


def test_metadata_overrides_text() -> None:
    ident = identify(STATE_HEADER, {"so_hieu": "250/2025/ND-CP", "co_quan_ban_hanh": "Bộ Nội vụ", "do_mat": "MẬT"})
    assert ident.number == "250/2025/NĐ-CP"
    assert (ident.issuer, ident.issuer_raw) == ("BỘ NỘI VỤ", "Bộ Nội vụ")  # one name per body, as given kept
    assert ident.classification == Classification.MAT
    assert ident.doc_type == "Nghị định"  # not overridden, still from the text


PROVINCE_HEADER = """MẬT

ĐẢNG BỘ TỈNH THANH HÓA
TỈNH ỦY
*
Số 88-BC/TU

Thanh Hóa, ngày 20 tháng 11 năm 2024

# BÁO CÁO
## sơ kết 5 năm thực hiện Nghị quyết

(Văn bản mẫu)

## I. CÔNG TÁC LÃNH ĐẠO
1. Ban Thường vụ Tỉnh ủy đã ban hành chương trình hành động.
"""

# Text taken from web pages puts a blank line between every line, inside the title too.
HTML_HEADER = """BỘ CÔNG THƯƠNG

Số: 11/2026/TT-BCT

Hà Nội, ngày 27 tháng 02 năm 2026

THÔNG TƯ

Quy định về truy xuất nguồn gốc thực phẩm thuộc

phạm vi quản lý của Bộ Công Thương

Căn cứ Luật An toàn thực phẩm số 55/2010/QH12;
"""


def test_marking_line_is_not_the_issuer_and_two_line_party_header() -> None:
    ident = identify(PROVINCE_HEADER, {})
    assert ident.issuer == "TỈNH ỦY THANH HÓA"
    assert ident.classification == Classification.MAT
    assert ident.title == "sơ kết 5 năm thực hiện Nghị quyết"


@pytest.mark.parametrize(
    ("parent", "body", "issuer"),
    [
        ("ĐẢNG BỘ TỈNH NGHỆ AN", "BAN TUYÊN GIÁO", "BAN TUYÊN GIÁO TỈNH ỦY NGHỆ AN"),
        ("ĐẢNG BỘ KHỐI CÁC CƠ QUAN TỈNH", "ĐẢNG ỦY", "ĐẢNG ỦY KHỐI CÁC CƠ QUAN TỈNH"),
        ("ĐẢNG BỘ THÀNH PHỐ HÀ NỘI", "THÀNH ỦY", "THÀNH ỦY HÀ NỘI"),
        ("PARTY ORGANISATION OF BINH THUAN PROVINCE", "PROVINCIAL PARTY COMMITTEE", "TỈNH ỦY BÌNH THUẬN"),
        ("ỦY BAN NHÂN DÂN", "TỈNH QUẢNG NINH", "ỦY BAN NHÂN DÂN TỈNH QUẢNG NINH"),
    ],
)
def test_two_line_issuers(parent: str, body: str, issuer: str) -> None:
    header = f"{parent}\n{body}\n*\nSố 1-BC/TU\n\nHà Nội, ngày 1 tháng 2 năm 2024\n\nBÁO CÁO\nvề việc thử\n"
    assert identify(header, {}).issuer == issuer


def test_title_continues_across_blank_lines_but_stops_at_the_preamble() -> None:
    ident = identify(HTML_HEADER, {})
    assert ident.title == "Quy định về truy xuất nguồn gốc thực phẩm thuộc phạm vi quản lý của Bộ Công Thương"
    assert identify(STATE_HEADER.replace("Quy định cơ chế", "Điều chỉnh cơ chế"), {}).title.startswith("Điều chỉnh")


@pytest.mark.parametrize(
    ("line", "place", "date"),
    [
        ("Hanoi, 24 January 2025", "Hanoi", "2025-01-24"),
        ("Hanoi, January 24, 2025", "Hanoi", "2025-01-24"),
        ("হ্যানয়, ২২ ডিসেম্বর ২০২৪", "হ্যানয়", "2024-12-22"),
        ("হ্যানয়, ১৪ জুন ২০২৪", "হ্যানয়", "2024-06-14"),
        ("Hà Nội, ngày 22 tháng 12 năm 2024", "Hà Nội", "2024-12-22"),
    ],
)
def test_place_and_date_in_every_language(line: str, place: str, date: str) -> None:
    ident = identify(f"CENTRAL COMMITTEE\n*\nNo. 59-NQ/TW\n\n{line}\n\nRESOLUTION\n", {})
    assert (ident.place, ident.issued_date) == (place, date)


def test_language_ignores_capitals() -> None:
    assert detect_language("CENTRAL COMMITTEE\nRESOLUTION OF THE POLITBURO\non international integration") == "en"
    assert detect_language("Nghị quyết về phát triển kinh tế tư nhân") == "vi"
    assert detect_language("NGHỊ QUYẾT CỦA BỘ CHÍNH TRỊ") == "vi"


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("57-NQ/TW", "57-NQ/TW"),
        ("57/NQ-TW", "57-NQ/TW"),
        ("৫৭-এনকিউ/টিডব্লিউ", "57-NQ/TW"),
        ("249/2025/ND-CP", "249/2025/NĐ-CP"),
        ("1205/qđ-bkhđt", "1205/QĐ-BKHĐT"),
        ("44 /2025/QĐ-TTG", "44/2025/QĐ-TTg"),
        ("06/2026/TT-BTС", "06/2026/TT-BTC"),  # Cyrillic С in the source text
        ("17/2022/UBTVQH15", "17/2022/UBTVQH15"),
    ],
)
def test_canonical_number(raw: str, canonical: str) -> None:
    assert canonical_number(raw) == canonical


@pytest.mark.parametrize(
    ("number", "query"),
    [
        ("57-NQ/TW", "Nghị quyết 57-NQ/TW về khoa học"),
        ("57-NQ/TW", "nghị quyết 57/NQ-TW"),
        ("57-NQ/TW", "NQ 57"),
        ("57-NQ/TW", "Nghị quyết số 57 của Bộ Chính trị"),
        ("57-NQ/TW", "৫৭-এনকিউ/টিডব্লিউ প্রস্তাব"),
        ("249/2025/NĐ-CP", "nghị định 249/2025/ND-CP"),
        ("249/2025/NĐ-CP", "249/2025/nđ-cp"),
        ("05-CT/TW", "chỉ thị 05-ct/tw"),
        ("123-KL/TW", "Kết luận 123-KL/TW"),
    ],
)
def test_query_numbers_meet_stored_variants(number: str, query: str) -> None:
    assert set(find_numbers(query)) & set(number_variants(number))


@pytest.mark.parametrize("query", ["tăng trưởng 10%/năm", "Nghị quyết 2025 về kinh tế", "kế hoạch năm 2026"])
def test_no_numbers_in_plain_queries(query: str) -> None:
    assert find_numbers(query) == []


@pytest.mark.slow
def test_vbpl_identity_accuracy_at_least_98_percent() -> None:
    path = need_data("vbpl", "vbpl_vi_docs.jsonl")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))  # the benchmark module lives beside the packages, not inside them
    from benchmarks.identity_accuracy import evaluate

    scores = evaluate(path)
    for field, score in scores.items():
        assert score.total > 500, field
        assert score.accuracy >= 0.98, (field, score.accuracy, score.misses[:10])
