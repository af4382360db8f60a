"""Review of identity fields: validity, OCR page and line confidence, repairs, and the needs_review flag."""

from __future__ import annotations

from datetime import date

import pytest

from indexer.models import DocumentIdentity, PageSpan
from indexer.parsing.ocr_repair import OcrNote, repair_ocr_text
from indexer.understanding.identity import identify
from indexer.understanding.review import FIELDS, THRESHOLDS, FieldReview, issuer_shape, review_identity

TODAY = date(2026, 6, 1)
HEADER = (
    "CHÍNH PHỦ\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n\n"
    "Số: 28/2021/NĐ-CP\nHà Nội, ngày 26 tháng 3 năm 2021\n\nNGHỊ ĐỊNH\nQuy định cơ chế quản lý tài chính\n\n"
    "Căn cứ Luật Tổ chức Chính phủ ngày 19 tháng 6 năm 2015;\n"
)


def _ident(**fields: str | None) -> DocumentIdentity:
    base: dict[str, str | None] = {
        "number": "28/2021/NĐ-CP",
        "doc_type": "Nghị định",
        "issuer": "CHÍNH PHỦ",
        "issued_date": "2021-03-26",
    }
    base.update(fields)
    return DocumentIdentity(**base)  # type: ignore[arg-type]


def _pages(text: str, ocr_confidence: float | None = None) -> list[PageSpan]:
    return [PageSpan(1, 0, len(text), ocr=ocr_confidence is not None, ocr_confidence=ocr_confidence)]


def _review(ident: DocumentIdentity, conf: float | None = None, notes: list[OcrNote] | None = None):  # type: ignore[no-untyped-def]
    return review_identity(ident, _pages(HEADER, conf), HEADER, notes or [], today=TODAY)


def test_right_fields_from_a_text_layer_are_sure() -> None:
    review = review_identity(identify(HEADER, {}), _pages(HEADER), HEADER, today=TODAY)
    assert set(review) == set(FIELDS)
    for field in FIELDS:
        assert isinstance(review[field], FieldReview)
        assert review[field].confidence == 1.0 and not review[field].needs_review, review[field]


def test_right_fields_of_a_well_read_scan_pass_and_a_badly_read_scan_needs_review() -> None:
    good = _review(_ident(), conf=92.0)
    assert not any(r.needs_review for r in good.values())
    assert all(0.8 < r.confidence < 1.0 for r in good.values())
    assert all("OCR page 1" in " ".join(r.reasons) for r in good.values())
    bad = _review(_ident(), conf=50.0)
    assert all(r.needs_review for r in bad.values())


@pytest.mark.parametrize(
    ("fields", "flagged"),
    [
        ({"number": "28/2020/NĐ-CP"}, {"number", "issued_date"}),  # a decree numbered in 2020 is not dated 2021
        ({"number": "28/2015/NĐ-CP"}, {"number", "issued_date"}),
        ({"issued_date": "2099-03-26", "number": "28/2099/NĐ-CP"}, {"issued_date"}),  # in the future
        ({"issued_date": "2021-02-30"}, {"issued_date"}),  # no such day
        ({"issued_date": None}, {"issued_date"}),
        ({"number": None}, {"number"}),
        ({"number": "36:495"}, {"number"}),
        ({"doc_type": "Thông tư"}, {"doc_type", "number"}),  # NĐ is a decree's code: one of the two is misread
        ({"doc_type": None}, {"doc_type"}),
        ({"issuer": "BỘ TÀI CHÍNH"}, {"issuer"}),  # …/NĐ-CP is issued by the Government
        ({"issuer": "HÍỈNH PHỦ"}, {"issuer"}),
        ({"issuer": "CỘNG THỐNG T\\N ĐIỆN TỦ"}, {"issuer"}),
        ({"issuer": None}, {"issuer"}),
    ],
)
def test_invalid_values_need_review(fields: dict[str, str | None], flagged: set[str]) -> None:
    review = _review(_ident(**fields))
    assert {f for f, r in review.items() if r.needs_review} == flagged, review
    for f in flagged:
        assert review[f].reasons


@pytest.mark.parametrize(
    ("number", "doc_type", "issuer", "issued"),
    [
        ("57-NQ/TW", "Nghị quyết", "BAN CHẤP HÀNH TRUNG ƯƠNG", "2024-12-22"),
        ("115/NQ-CP", "Nghị quyết", "CHÍNH PHỦ", "2026-04-29"),
        ("1373/QĐ-BKHĐT", "Quyết định", "BỘ KẾ HOẠCH VÀ ĐẦU TƯ", "2023-06-05"),
        ("51/2024/QH15", "Luật", "QUỐC HỘI", "2024-11-29"),
        ("45/2019/QH14", "Bộ luật", "QUỐC HỘI", "2019-11-20"),  # QH names the body, not the type
        ("24/2022/UBTVQH15", "Nghị quyết", "ỦY BAN THƯỜNG VỤ QUỐC HỘI", "2022-10-24"),
        ("05-NQ/TU", "Nghị quyết", "TỈNH ỦY THANH HÓA", "2024-03-01"),
        ("14/2024/TT-BLĐTBXH", "Thông tư", "BỘ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI", "2024-11-06"),
    ],
)
def test_real_shapes_of_numbers_and_bodies_pass(number: str, doc_type: str, issuer: str, issued: str) -> None:
    ident = _ident(number=number, doc_type=doc_type, issuer=issuer, issued_date=issued)
    review = review_identity(ident, [], "", today=TODAY)
    assert not any(r.needs_review for r in review.values()), review


def test_issuer_shapes() -> None:
    assert issuer_shape("CHÍNH PHỦ")[0] == 1.0
    assert issuer_shape("ỦY BAN NHÂN DÂN TỈNH QUẢNG NINH")[0] == 1.0
    assert issuer_shape("BINH THUAN PROVINCIAL PARTY COMMITTEE")[0] == 1.0
    assert issuer_shape("ভিয়েতনামের কমিউনিস্ট পার্টি")[0] >= THRESHOLDS["issuer"]
    assert issuer_shape("HÍỈNH PHỦ")[0] < THRESHOLDS["issuer"]  # two tone marks in one syllable
    assert issuer_shape("Căn cứ Luật Tổ chức")[0] < 1.0


def test_ocr_notes_lower_the_field_they_concern() -> None:
    repaired, notes = repair_ocr_text("Hà Nội, ngay 81 thang 3 nãm 2021", page=1)
    assert "ngày 31 tháng 3" in repaired
    review = _review(_ident(issued_date="2021-03-31"), conf=92.0, notes=notes)
    clean = _review(_ident(issued_date="2021-03-31"), conf=92.0)
    assert review["issued_date"].confidence < clean["issued_date"].confidence
    assert any("repaired" in r for r in review["issued_date"].reasons)
    assert review["number"].confidence == clean["number"].confidence  # other fields untouched

    _, doubt = repair_ocr_text("Hà Nội, ngày 31 tháng 4 năm 2021", page=1)
    review = _review(_ident(issued_date="2021-04-30"), conf=92.0, notes=[*doubt])
    assert not review["issued_date"].needs_review  # the note is about another date
    review = review_identity(
        _ident(issued_date=None), _pages(HEADER, 92.0), HEADER, [n.to_dict() for n in doubt], today=TODAY
    )
    assert review["issued_date"].needs_review and review["issued_date"].confidence == 0.0


def test_a_handwritten_number_on_a_clean_page_is_doubted() -> None:
    # The page reads at 94, but the number's figures were read at 31: the line's confidence decides.
    note = OcrNote("number", "Số: 115/NQ-CP", "Số: 115/NQ-CP", page=1, confidence=31.0)
    ident = _ident(number="115/NQ-CP", doc_type="Nghị quyết", issued_date="2026-04-29")
    text = HEADER.replace("28/2021/NĐ-CP", "115/NQ-CP")
    review = review_identity(ident, _pages(text, 94.0), text, [note], today=TODAY)
    assert review["number"].needs_review
    assert not review["doc_type"].needs_review
    as_dict = review_identity(ident, _pages(text, 94.0), text, [note.to_dict()], today=TODAY)
    assert as_dict["number"] == review["number"]


def test_to_dict_is_json_ready() -> None:
    review = _review(_ident(), conf=92.0)
    d = review["number"].to_dict()
    assert d["field"] == "number" and d["value"] == "28/2021/NĐ-CP" and isinstance(d["reasons"], list)


def test_fields_given_by_metadata_are_not_doubted_for_the_scan() -> None:
    ident = _ident(number="115/NQ-CP", doc_type="Nghị quyết", issued_date="2026-04-29")
    pages = _pages(HEADER, 45.0)  # a poor scan
    review = review_identity(ident, pages, HEADER, today=TODAY, given={"issued_date"})
    assert not review["issued_date"].needs_review and "from metadata" in review["issued_date"].reasons
    assert review["number"].needs_review and review["doc_type"].needs_review  # read from the poor scan
    # A number given by metadata confirms the type and the issuer its code names (NQ: a resolution; CP: the
    # Government), however poorly they were read.
    review = review_identity(ident, pages, HEADER, today=TODAY, given={"number"})
    assert not any(review[f].needs_review for f in ("number", "doc_type", "issuer"))
    assert "confirmed by the number's code" in review["issuer"].reasons
    bad = review_identity(_ident(issued_date="2099-01-01"), pages, HEADER, today=TODAY, given={"issued_date"})
    assert bad["issued_date"].needs_review  # still invalid


def test_a_doubtful_issuer_is_confirmed_by_a_well_read_number() -> None:
    note = OcrNote("signature", "1% CHÍNH PHÙ", "TM. CHÍNH PHỦ", page=1, confidence=40.0)
    review = review_identity(_ident(), _pages(HEADER, 92.0), HEADER, [note], today=TODAY)
    assert not review["issuer"].needs_review
    other = review_identity(_ident(issuer="BỘ TÀI CHÍNH"), _pages(HEADER, 92.0), HEADER, [note], today=TODAY)
    assert other["issuer"].needs_review  # not the body …/NĐ-CP names
