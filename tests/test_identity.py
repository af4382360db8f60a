"""Identity extraction and number canonicalisation on real headers and every variant form of a number."""

from __future__ import annotations

import sys

import pytest
from conftest import ROOT, need_data

from indexer.identity import canonical_number, find_numbers, identify, number_variants
from indexer.models import Classification

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
    assert ident.issuer == "BAN CHẤP HÀNH TRUNG ƯƠNG"
    assert ident.issued_date == "2024-12-22"
    assert ident.term == "XIII"
    assert ident.classification == Classification.TOI_MAT


def test_metadata_overrides_text() -> None:
    ident = identify(STATE_HEADER, {"so_hieu": "250/2025/ND-CP", "co_quan_ban_hanh": "Bộ Nội vụ", "do_mat": "MẬT"})
    assert ident.number == "250/2025/NĐ-CP"
    assert ident.issuer == "Bộ Nội vụ"
    assert ident.classification == Classification.MAT
    assert ident.doc_type == "Nghị định"  # not overridden, still from the text


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
