"""OCR of real scans: preprocessing on synthetic images, identity repairs, language choice, and the stamped decree.

The real scan (Nghị định 28/2021/NĐ-CP, pages 1 and 8: a "ĐẾN" stamp, a seal over the signer's title) is OCR'd
once for the module through the real PDF parser.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import need_data
from PIL import Image, ImageChops, ImageDraw

import indexer.parsing.ocr as ocr
import indexer.parsing.pdf_parser as pdf_parser
from indexer.config import OcrSettings
from indexer.models import PageSpan, ParsedDocument
from indexer.parsing.ocr_repair import OcrNote, repair_date, repair_ocr_text
from indexer.parsing.scan_image import (
    TARGET_X_HEIGHT,
    binarise,
    estimate_skew,
    prepare,
    red_ink_mask,
    suppress_red_ink,
)
from indexer.parsing.seals import stroke_width, thin_sparse_components
from indexer.understanding.identity import identify
from indexer.understanding.review import review_identity

SCAN = ("pdfs", "scanned", "nd-28-2021-nd-cp_scan_page1_and_page8.pdf")
RED = (205, 35, 45)


def _text_page(width: int = 1600, height: int = 1000, letter: int = 24, seed: int = 0) -> Image.Image:
    """A white page with lines of black letter-sized blocks (words), like a page of body text."""
    rng = np.random.default_rng(seed)
    page = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(page)
    for y in range(100, height - 100, int(letter * 2.2)):
        x = 100
        while x < width - 200:
            for _ in range(int(rng.integers(2, 7))):  # a word: letters with a thin gap between them
                w = int(rng.integers(letter // 2, letter))
                draw.rectangle((x, y, x + w, y + letter), fill="black")
                x += w + 3
            x += letter
    return page


def _ink(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("L")) < 128


# ---- preprocessing on synthetic images -----------------------------------------------------------------------


def test_red_stamp_over_black_text_is_removed_and_the_text_kept() -> None:
    page = _text_page()
    text_ink = _ink(page)
    stamp = Image.new("RGB", page.size, "white")
    draw = ImageDraw.Draw(stamp)
    draw.ellipse((500, 200, 900, 600), outline=RED, width=14)  # a seal's ring across several lines
    draw.text((560, 380), "CHÍNH PHỦ", fill=RED)
    page = ImageChops.multiply(page, stamp)  # ink over ink: black stays black under red
    rgb = np.asarray(page)
    red = red_ink_mask(rgb)
    assert red.sum() > 10_000  # the ring is seen as red ink …
    assert not (red & text_ink).any()  # … and black text under it is not: it is dark in every channel
    grey, _ = suppress_red_ink(rgb)
    ink = binarise(grey, window=61)
    assert not (ink & red).any()  # the ring is gone
    assert (ink & text_ink).sum() > 0.97 * text_ink.sum()  # every black block survives, also under the ring

    prepared = prepare(page)
    assert prepared.red_fraction > 0.005 and prepared.stamp_image is not None
    out = _ink(prepared.image.resize(page.size))
    ring_only = red & ~text_ink
    assert out[ring_only].mean() < 0.02


def test_blue_handwriting_is_kept() -> None:
    # The number and day of a document are often written in by hand in blue ink: never suppressed.
    page = Image.new("RGB", (400, 200), "white")
    ImageDraw.Draw(page).rectangle((50, 50, 150, 90), fill=(30, 40, 170))
    assert not red_ink_mask(np.asarray(page)).any()
    grey, _ = suppress_red_ink(np.asarray(page))
    assert grey[70, 100] < 100


@pytest.mark.parametrize("angle", [3.0, -2.0, 0.6])
def test_skew_is_measured_and_corrected(angle: float) -> None:
    page = _text_page(seed=1)
    turned = page.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor="white")
    assert estimate_skew(_ink(turned)) == pytest.approx(angle, abs=0.15)
    prepared = prepare(turned)
    assert prepared.skew_degrees == pytest.approx(angle, abs=0.15)
    assert abs(estimate_skew(_ink(prepared.image))) <= 0.15  # the lines are level again


def test_text_is_scaled_to_the_target_letter_height() -> None:
    small = _text_page(width=800, height=500, letter=12, seed=2)  # a 150 dpi scan
    prepared = prepare(small)
    assert prepared.x_height is not None and prepared.x_height == pytest.approx(12, abs=2)
    assert prepared.scale == pytest.approx(TARGET_X_HEIGHT / prepared.x_height, rel=0.01)
    assert prepared.image.width == pytest.approx(800 * prepared.scale, abs=4)


def test_a_thin_seal_over_bold_text_keeps_the_text() -> None:
    # A grey photocopy of a seal: a thin ring and legend strokes over a bold title.
    page = Image.new("L", (1200, 900), 255)
    draw = ImageDraw.Draw(page)
    for y in range(150, 750, 60):  # regular body text: 6-px strokes
        for x in range(60, 1140, 30):
            draw.rectangle((x, y, x + 5, y + 26), fill=0)
    for x in range(560, 1000, 40):  # a bold title (12-px strokes) that the seal overlaps
        draw.rectangle((x, 400, x + 11, 430), fill=0)
    bold = _ink(page.crop((560, 400, 1000, 431)))
    draw.ellipse((300, 200, 700, 600), outline=0, width=5)
    draw.ellipse((360, 260, 640, 540), outline=0, width=4)
    ink = np.asarray(page) < 128
    assert stroke_width(ink) == pytest.approx(6, abs=1)
    cleaned, thinned = thin_sparse_components(ink, 26.0)
    assert thinned >= 1
    yy, xx = np.ogrid[:900, :1200]
    ring_line = np.abs(np.hypot(yy - 400, xx - 500) - 198) < 1.5
    assert cleaned[ring_line & (yy < 380)].mean() < 0.1  # the ring is gone above the title
    kept = cleaned[400:431, 560:1000]
    assert (kept & bold).sum() > 0.9 * bold.sum()  # the bold title stays


# ---- OCR text: identity repairs ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("read", "expected"),
    [
        ("S6: 28/2O21/NÐ-CP", "Số: 28/2021/NĐ-CP"),
        ("Sô: l15/NQ-CP", "Số: 115/NQ-CP"),
        ("36: 28/2021/NĐ-CP", "Số: 28/2021/NĐ-CP"),
        # The header's two columns read as one line: the place and date on their own line again, as printed.
        (". Số: 28/2021/NĐ-CP Hà Nội, ngày 26 tháng 3 năm 2021", "Số: 28/2021/NĐ-CP\nHà Nội, ngày 26 tháng 3 năm 2021"),
        (
            "Số: 70/2025/TT-BXD © : _ Hà Nội ngày 31: Tháng: 12 năm 2025",
            "Số: 70/2025/TT-BXD\nHà Nội, ngày 31 tháng 12 năm 2025",
        ),
        (
            "Số: 48/2025/TT BXD\nHà Nội, ngày 12 tháng 12 năm 20⁄5",
            "Số: 48/2025/TT-BXD\nHà Nội, ngày 12 tháng 12 năm 2025",
        ),
        ("_8ố:112026/TT-BTC", "Số: 11/2026/TT-BTC"),
        ("BỘTÀICHÍNH", "BỘ TÀI CHÍNH"),
        ("BỘ TAL CHÍNH", "BỘ TÀI CHÍNH"),
        (": - THÔNG TƯ .", "THÔNG TƯ"),
        ("Hà Nội, ngay 81 thang 3 nãm 2021", "Hà Nội, ngày 31 tháng 3 năm 2021"),
        ("ngày 01 tháng I1 năm 2013", "ngày 01 tháng 11 năm 2013"),
        ("ngày 12 tháng 18 năm 2021", "ngày 12 tháng 10 năm 2021"),
        ("NGHI ĐINH", "NGHỊ ĐỊNH"),
        ("1% CHÍNH PHÙ", "TM. CHÍNH PHỦ"),
        ("Tf CHÍNH PHU", "TM. CHÍNH PHỦ"),
        ("Nơi nhận: | I 4 CHÍNH PHỦ", "Nơi nhận:\nTM. CHÍNH PHỦ"),  # two columns read as one line
        ("„CHÍNH PHỦ", "CHÍNH PHỦ"),
        ("CÔNG BÁO/Số 271/Ngày 12-05-2026 §6", "CÔNG BÁO/Số 271/Ngày 12-05-2026 86"),
    ],
)
def test_ocr_misreads_of_identity_lines_are_repaired(read: str, expected: str) -> None:
    text, notes = repair_ocr_text(read, page=1)
    assert text == expected
    assert notes and all(n.page == 1 for n in notes)  # every change is noted for review


@pytest.mark.parametrize(
    "line",
    [
        "Số: 28/2021/NĐ-CP",
        "Hà Nội, ngày 26 tháng 3 năm 2021",
        "Căn cứ Luật Tổ chức Chính phủ ngày 19 tháng 6 năm 2015;",
        "TM. CHÍNH PHỦ",
        "VỀ CHÍNH PHỦ ĐIỆN TỬ",  # a title in capitals, not a signature behind a speck
        "NGHỊ ĐỊNH VỀ CHÍNH PHỦ",
        "Căn cứ Luật Tổ chức của CHÍNH PHỦ",
        "36 tỉnh, thành phố đã báo cáo",
        "Điều 5. Số lượng 12/2021 hồ sơ",
    ],
)
def test_valid_lines_are_left_alone(line: str) -> None:
    text, notes = repair_ocr_text(line)
    assert text == line
    assert not any(n.repaired or n.ambiguous for n in notes)


def test_a_date_without_a_unique_reading_is_left_and_flagged() -> None:
    assert repair_date("31", "4", "2021") == ("31", "4", True)  # the day or the month may be the misread
    assert repair_date("29", "2", "2021") == ("29", "2", True)
    assert repair_date("81", "18", "2021") == ("81", "18", True)
    assert repair_date("29", "2", "2024") == ("29", "2", False)  # a leap year
    text, notes = repair_ocr_text("Hà Nội, ngày 31 tháng 4 năm 2021")
    assert text == "Hà Nội, ngày 31 tháng 4 năm 2021"
    assert [n.ambiguous for n in notes] == [True]


def test_tsv_becomes_lines_and_paragraphs_without_speck_lines() -> None:
    header = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"
    rows = [
        (1, 1, 1, 1, "Số:", 95), (1, 1, 1, 2, "28/2021/NĐ-CP", 88), (1, 1, 2, 1, "Hà", 96), (1, 1, 2, 2, "Nội", 97),
        (2, 1, 1, 1, "'}....", 8), (2, 1, 1, 2, "~", 20),  # a line of specks
        (3, 1, 1, 1, "NGHỊ", 96), (3, 1, 1, 2, "ĐỊNH", 95),
    ]  # fmt: skip
    tsv = "\n".join([header] + [f"5\t1\t{b}\t{p}\t{ln}\t{w}\t0\t0\t1\t1\t{c}\t{t}" for b, p, ln, w, t, c in rows])
    reading = ocr.parse_tsv(tsv)
    assert reading.text == "Số: 28/2021/NĐ-CP\nHà Nội\n\nNGHỊ ĐỊNH"
    assert [[c for _, c in line] for line in reading.words] == [[95, 88], [96, 97], [], [96, 95]]
    assert reading.confidence == pytest.approx((95 + 88 + 96 + 97 + 96 + 95) / 6, abs=0.1)


def test_bengali_is_tried_only_when_the_page_reads_badly_and_osd_says_bengali(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    confidence = {"vie+eng": 91.0, "ben": 80.0, "vie": 90.0}

    def fake_read(image: Image.Image, language: str, psm: int = 3) -> ocr.Reading:
        calls.append(language)
        return ocr.Reading(f"text in {language}", confidence[language], [], language)

    monkeypatch.setattr(ocr, "read_image", fake_read)
    monkeypatch.setattr(ocr, "detect_orientation", lambda image: (0, "Bengali"))
    page = _text_page(width=600, height=400)
    assert ocr.ocr_image(page, "vie+eng+ben").languages == "vie+eng"
    assert calls == ["vie+eng"]  # a page that reads well is never read as Bengali
    calls.clear()
    confidence["vie+eng"] = 35.0
    result = ocr.ocr_image(page, "vie+eng+ben")
    assert (result.languages, calls) == ("ben", ["vie+eng", "ben"])
    calls.clear()
    monkeypatch.setattr(ocr, "detect_orientation", lambda image: (0, "Latin"))  # OSD is sure: not Bengali
    assert ocr.ocr_image(page, "vie+eng+ben").languages == "vie+eng" and calls == ["vie+eng"]
    calls.clear()
    assert ocr.ocr_image(page, "vie").languages == "vie" and calls == ["vie"]  # only what is configured


def test_a_second_reading_that_disagrees_marks_the_header_value_doubtful(monkeypatch: pytest.MonkeyPatch) -> None:
    readings = iter(
        [
            ocr.Reading("Số: 115/NQ-CP\nHà Nội, ngày 23 tháng 4 năm 2026\nNGHỊ QUYẾT", 94.0, [], "vie+eng"),
            ocr.Reading("Số: 115/NQ-CP\nHà Nội, ngày 29 tháng 4 năm 2026", 90.0, [], "vie+eng"),  # the grey page
        ]
    )
    monkeypatch.setattr(ocr, "read_image", lambda image, language, psm=3: next(readings))
    result = ocr.ocr_image(_text_page(width=600, height=400), "vie+eng", page=1)
    date = next(n for n in result.notes if n.kind == "date")
    number = next(n for n in result.notes if n.kind == "number")
    assert (date.ambiguous, date.alternative) == (True, "2026-04-29")
    assert not number.ambiguous  # both readings agree on the number
    ident = identify(result.text, {})
    pages = [PageSpan(1, 0, len(result.text), ocr=True, ocr_confidence=94.0)]
    review = review_identity(ident, pages, result.text, list(result.notes))
    assert review["issued_date"].needs_review and not review["number"].needs_review
    assert any("second reading" in r for r in review["issued_date"].reasons)


# ---- Tesseract on rendered pages: a red "MẬT" stamp, a Bengali page, a page upside down ----------------------

FONTS = Path("/usr/share/fonts/truetype/noto")  # fonts-noto-core, installed by `make run`


def _font(name: str, size: int) -> Any:
    from PIL import ImageFont

    path = FONTS / name
    if not path.exists():
        pytest.skip(f"{path} is not installed")
    return ImageFont.truetype(str(path), size)


def _need_tesseract(*languages: str) -> None:
    if not set(languages) <= ocr.available_languages():
        pytest.skip(f"Tesseract with {'+'.join(languages)} is not installed")


def _rendered(lines: list[str], font: Any, size: tuple[int, int] = (2000, 900)) -> Image.Image:
    page = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(page)
    for i, line in enumerate(lines):
        draw.text((120, 200 + i * 70), line, font=font, fill="black")
    return page


VI_HEADER = ["BAN CHẤP HÀNH TRUNG ƯƠNG", "Số: 27-CT/TW", "Hà Nội, ngày 10 tháng 1 năm 2024", "CHỈ THỊ",
             "về tăng cường sự lãnh đạo của Đảng đối với công tác phòng, chống tham nhũng"]  # fmt: skip


@pytest.mark.ocr
def test_a_red_marking_stamp_is_removed_from_the_text_but_kept_as_a_marking() -> None:
    from indexer.understanding.markings import find_marking

    _need_tesseract("vie")
    page = _rendered(VI_HEADER, _font("NotoSerif-Regular.ttf", 40))
    stamp = Image.new("RGB", page.size, "white")
    draw = ImageDraw.Draw(stamp)
    draw.rectangle((1500, 40, 1800, 160), outline=RED, width=8)
    draw.text((1560, 60), "MẬT", font=_font("NotoSerif-Bold.ttf", 60), fill=RED)
    result = ocr.ocr_image(ImageChops.multiply(page, stamp), "vie+eng+ben", page=1)
    assert result.text.splitlines()[0] == "MẬT"
    marking = find_marking(result.text)
    assert marking is not None and marking.level.name == "MAT"
    assert "Số: 27-CT/TW" in result.text


@pytest.mark.ocr
def test_a_bengali_page_is_read_as_bengali_and_a_turned_page_is_turned() -> None:
    _need_tesseract("vie", "ben", "osd")
    lines = ["কেন্দ্রীয় নির্বাহী কমিটি", "ভিয়েতনামের কমিউনিস্ট পার্টি", "নং ৫৭-এনকিউ/টিডব্লিউ", "হ্যানয়, ২২ ডিসেম্বর ২০২৪",
             "পলিটব্যুরোর প্রস্তাব", "বিজ্ঞান, প্রযুক্তি, উদ্ভাবন এবং জাতীয় ডিজিটাল রূপান্তরে অগ্রগতি"]  # fmt: skip
    result = ocr.ocr_image(_rendered(lines, _font("NotoSansBengali-Regular.ttf", 40)), "vie+eng+ben")
    assert result.languages == "ben"
    assert "ভিয়েতনামের কমিউনিস্ট পার্টি" in result.text
    upside_down = _rendered(VI_HEADER, _font("NotoSerif-Regular.ttf", 40)).rotate(180)
    result = ocr.ocr_image(upside_down, "vie+eng+ben")
    assert (result.rotated, result.languages) == (180, "vie+eng")
    assert "Số: 27-CT/TW" in result.text


# ---- the real stamped scan, OCR'd once -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def scan() -> Iterator[tuple[ParsedDocument, list[ocr.OcrPage]]]:
    """The decree parsed by the real PDF parser, with the OCR pages it produced (notes included)."""
    path: Path = need_data(*SCAN)
    settings = OcrSettings()
    if ocr.ocr_languages(settings) is None:
        pytest.skip("Tesseract with vie is not installed")
    pages: list[ocr.OcrPage] = []

    def capture(path: Path, index: int, s: OcrSettings, languages: str) -> Any:
        result = ocr.ocr_pdf_page_result(path, index, s, languages)
        pages.append(result)
        return result

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pdf_parser, "ocr_pdf_page_result", capture)
        parsed = pdf_parser.PdfParser(settings).parse(path)[0]
    yield parsed, pages


def _notes(scan: tuple[ParsedDocument, list[ocr.OcrPage]]) -> list[OcrNote | dict[str, Any]]:
    parsed, pages = scan
    stored = parsed.metadata.get("ocr_notes")
    return list(stored) if stored else [n for p in pages for n in p.notes]


@pytest.mark.ocr
def test_scan_identity_fields_are_right(scan: tuple[ParsedDocument, list[ocr.OcrPage]]) -> None:
    parsed, pages = scan
    assert [p.ocr for p in parsed.pages] == [True, True]
    assert all(p.ocr_confidence is not None and p.ocr_confidence > 80 for p in parsed.pages)
    assert [p.languages for p in pages] == ["vie+eng", "vie+eng"]
    ident = identify(parsed.text, {}, parsed.pages)
    assert (ident.number, ident.doc_type, ident.issued_date) == ("28/2021/NĐ-CP", "Nghị định", "2021-03-26")
    review = review_identity(ident, parsed.pages, parsed.text, _notes(scan))
    assert not any(review[f].needs_review for f in ("number", "doc_type", "issued_date")), review


@pytest.mark.ocr
def test_scan_signature_block_is_read_under_the_seal(scan: tuple[ParsedDocument, list[ocr.OcrPage]]) -> None:
    parsed, _ = scan
    last = parsed.text[parsed.pages[1].start : parsed.pages[1].end]
    assert re.search(r"(?m)^TM\. CHÍNH PHỦ$", last), last[-800:]
    assert "Nguyễn Xuân Phúc" in last


@pytest.mark.ocr
def test_scan_issuer_is_right(scan: tuple[ParsedDocument, list[ocr.OcrPage]]) -> None:
    # Page 1 is cut above the issuer: it is read from the signature block under the seal and the number's code.
    parsed, _ = scan
    ident = identify(parsed.text, {}, parsed.pages)
    assert ident.issuer == "CHÍNH PHỦ"
    assert not review_identity(ident, parsed.pages, parsed.text, _notes(scan))["issuer"].needs_review


@pytest.mark.ocr
def test_scan_has_no_bengali(scan: tuple[ParsedDocument, list[ocr.OcrPage]]) -> None:
    parsed, _ = scan
    assert not re.search(r"[\u0980-\u09ff]", parsed.text)


@pytest.mark.ocr
def test_damaged_copies_of_the_scan_need_review(scan: tuple[ParsedDocument, list[ocr.OcrPage]]) -> None:
    parsed, _ = scan
    for bad, field in (("ngày 81 tháng 3", "issued_date"), ("ngày 26 tháng 3 năm 2099", "issued_date")):
        text = re.sub(r"ngày 26 tháng 3(?: năm 2021)?", bad, parsed.text, count=1)
        assert text != parsed.text
        ident = identify(text, {}, parsed.pages)
        assert review_identity(ident, parsed.pages, text)[field].needs_review, (bad, ident)
    text = parsed.text.replace("28/2021/NĐ-CP", "28/2020/NĐ-CP", 1)  # a number whose year is not the date's
    review = review_identity(identify(text, {}, parsed.pages), parsed.pages, text)
    assert review["number"].needs_review
    text, notes = repair_ocr_text(parsed.text.replace("ngày 26 tháng 3", "ngày 31 tháng 4", 1), page=1)
    review = review_identity(identify(text, {}, parsed.pages), parsed.pages, text, notes)
    assert review["issued_date"].needs_review  # no single valid reading: flagged, not guessed
