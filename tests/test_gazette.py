"""Gazette (Công báo) PDFs: identity equal to the hand-checked gold, no wrapper text in any chunk, headers read once,
split words joined; consolidated texts; the issuer table (Vietnamese, English, Bengali forms → one body).

The real PDFs are parsed once per module, text layer only (OCR is ``test_ocr``'s), in parallel: pypdf is CPU-bound.
"""

from __future__ import annotations

import json
import os
import re
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from conftest import CORPUS, ROOT, need_data

from indexer.chunking.structure import StructureChunker
from indexer.config import ChunkingSettings, OcrSettings
from indexer.errors import NeedsOCR
from indexer.models import Document, DocumentIdentity, ParsedDocument
from indexer.parsing import build_registry, parse_file
from indexer.parsing.pdf_parser import PdfParser
from indexer.understanding.cleaning import is_running_header
from indexer.understanding.consolidated import read_consolidation
from indexer.understanding.gazette import is_section_heading, strip_wrapper
from indexer.understanding.identity import identify, issuer_key
from indexer.understanding.issuers import canonical_issuer, party_body
from indexer.understanding.relations import extract_relations
from indexer.understanding.syllables import is_syllable, repair_split_words

GOLD: dict[str, dict[str, Any]] = json.loads((ROOT / "tests" / "data" / "pdf_identity_gold.json").read_text())[
    "documents"
]
TEXT_LAYER = sorted(name.split("/", 1)[1].removesuffix(".pdf") for name in GOLD if name.startswith("text-layer/"))
FIELDS = ("number", "doc_type", "issuer", "issued_date")
# Fields only a scan holds: without OCR they cannot be read from the text layer (OCR is test_ocr's).
SCANNED_FIELDS = {
    "nghi-quyet-so-115-nq-cp-469452": {"number", "doc_type", "issued_date"},  # page 1 is a scan (issuer: page 2)
    "thong-bao-so-02-2023-tb-lpqt-39022": set(FIELDS),  # every page is a scan
}
_GAZETTE_ANYWHERE = re.compile(r"C\s*Ô\s*N\s*G\s+B\s*Á\s*O\s*/\s*S\s*ố", re.IGNORECASE)


def _parse(path: Path) -> ParsedDocument | None:
    try:
        return PdfParser(OcrSettings(enabled=False)).parse(path)[0]
    except NeedsOCR:
        return None


@pytest.fixture(scope="module")
def gazette() -> dict[str, tuple[ParsedDocument, DocumentIdentity] | None]:
    """Every text-layer gazette PDF parsed once (largest first, in parallel) and identified."""
    folder = need_data("pdfs", "text-layer")
    paths = sorted((folder / f"{stem}.pdf" for stem in TEXT_LAYER), key=lambda p: -p.stat().st_size)
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        parsed = dict(zip((p.stem for p in paths), pool.map(_parse, paths), strict=True))
    return {s: (p, identify(p.text, p.metadata, p.pages)) if p else None for s, p in parsed.items()}


@pytest.mark.slow  # parses the 20 real gazette PDFs (~30 s of pypdf): make test, not make check
@pytest.mark.parametrize("stem", TEXT_LAYER)
def test_identity_equals_the_gold(stem: str, gazette: dict[str, Any]) -> None:
    gold = GOLD[f"text-layer/{stem}.pdf"]
    scanned = SCANNED_FIELDS.get(stem, set())
    if gazette[stem] is None:  # image-only: reported as needing OCR, never indexed as empty
        assert scanned == set(FIELDS), stem
        return
    parsed, ident = gazette[stem]
    got = {f: getattr(ident, f) for f in FIELDS}
    expected = {f: (None if f in scanned else gold[f]) for f in FIELDS}
    assert got == expected, stem
    if scanned:
        assert parsed.metadata["pages_needing_ocr"] == gold["needs_ocr"]


@pytest.mark.slow  # parses the 20 real gazette PDFs (~30 s of pypdf): make test, not make check
def test_scanned_fields_are_the_named_few(gazette: dict[str, Any]) -> None:
    right = sum(
        1
        for stem in TEXT_LAYER
        for f in FIELDS
        if gazette[stem] and getattr(gazette[stem][1], f) == GOLD[f"text-layer/{stem}.pdf"][f]
    )
    assert sum(len(v) for v in SCANNED_FIELDS.values()) == len(TEXT_LAYER) * len(FIELDS) - right


@pytest.mark.slow  # parses the 20 real gazette PDFs (~30 s of pypdf): make test, not make check
def test_no_gazette_wrapper_in_any_chunk(gazette: dict[str, Any]) -> None:
    chunker = StructureChunker(ChunkingSettings())
    for stem, item in gazette.items():
        if item is None:
            continue
        parsed, ident = item
        assert not _GAZETTE_ANYWHERE.search(parsed.text), stem
        for chunk in chunker.chunk(Document(stem, stem, "h", parsed.text, ident, parsed.pages)):
            for line in chunk.text.splitlines():
                assert not is_running_header(line) and not is_section_heading(line), (stem, line)
        assert "VĂN BẢN" not in (ident.issuer_raw or ""), stem


@pytest.mark.slow  # parses the 20 real gazette PDFs (~30 s of pypdf): make test, not make check
def test_the_header_names_its_issuer_once(gazette: dict[str, Any]) -> None:
    checked = 0
    for stem, item in gazette.items():
        gold = GOLD[f"text-layer/{stem}.pdf"]
        if item is None or gold["doc_type"] == "Văn bản hợp nhất" or stem in SCANNED_FIELDS:
            continue  # a consolidated text names its issuer in the authentication block, not the header
        parsed, ident = item
        first_page = parsed.text[parsed.pages[0].start : parsed.pages[0].end]
        heading = re.search(r"(?m)^\s*(?:" + gold["doc_type"].upper() + r")\s*$", first_page)
        header = re.sub(r"\s+", "", first_page[: heading.start() if heading else 600])
        assert header.count(re.sub(r"\s+", "", gold["issuer"])) == 1, (stem, header[:200])
        assert ident.issuer_raw and issuer_key(ident.issuer_raw) == issuer_key(gold["issuer"]), stem
        checked += 1
    assert checked >= 15


@pytest.mark.slow  # parses the 20 real gazette PDFs (~30 s of pypdf): make test, not make check
def test_split_words_are_joined_in_the_text_layer(gazette: dict[str, Any]) -> None:
    parsed, _ = gazette["quyet-dinh-so-1205-qd-bkhdt-41976"]
    assert "Căn cứ Luật ban hành văn bản quy phạm pháp luật ngày 22 tháng 6 năm 2015" in parsed.text
    assert "Nghị định số 34/2016/NĐ-CP" in parsed.text
    for stem, item in gazette.items():
        if item is None:
            continue
        text = item[0].text
        pairs = re.findall(r"(?<![^\W\d_])([^\W\d_]+) ([^\W\d_]+)(?![^\W\d_])", text)
        split = [f"{a} {b}" for a, b in pairs if is_syllable(a + b) and not (is_syllable(a) and is_syllable(b))]
        assert len(split) <= max(2, len(pairs) // 1000), (stem, split[:10])


@pytest.mark.slow  # parses the 20 real gazette PDFs (~30 s of pypdf): make test, not make check
def test_consolidated_texts_relate_to_what_they_consolidate(gazette: dict[str, Any]) -> None:
    for stem in ("van-ban-hop-nhat-so-16-vbhn-btc-30897", "van-ban-hop-nhat-so-4082-vbhn-bldtbxh-42696"):
        parsed, ident = gazette[stem]
        assert parsed.metadata["gazette_heading"].startswith("VĂN BẢN HỢP NHẤT - ")
        kinds = {(str(r.kind), r.target_number) for r in extract_relations(parsed.text, ident.number)}
        assert any(kind == "consolidates" for kind, _ in kinds), stem
        assert all(target != ident.number for _, target in kinds), stem


# ---- the parts on their own ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "repaired"),
    [
        ("Căn c ứ Lu ật T ổ ch ức Qu ốc h ội s ố 57/2014/QH13", "Căn cứ Luật Tổ chức Quốc hội số 57/2014/QH13"),
        ("v ăn b ản quy ph ạm pháp lu ật", "văn bản quy phạm pháp luật"),
        ("ĐIỀ U 5. Hi ệu l ực thi hành", "ĐIỀU 5. Hiệu lực thi hành"),
        ("XÃ H ỘI CH Ủ NGH ĨA", "XÃ HỘI CHỦ NGHĨA"),
        ("Nghị định số 34/2016/N Đ-CP ngày 14", "Nghị định số 34/2016/NĐ-CP ngày 14"),
        ("Thông tư số 08/2019/TT-BKH ĐT", "Thông tư số 08/2019/TT-BKHĐT"),
        ("cơ quan nhà n ước và m ột số", "cơ quan nhà nước và một số"),  # the onset joins the fragment after it
        ("làm vi ệc t ại ng ười quy định chi ti ết", "làm việc tại người quy định chi tiết"),
        # Real words stay apart: a standalone word, list letters, an initial, case that does not agree.
        ("Tiếp thu ý kiến và góp ý", "Tiếp thu ý kiến và góp ý"),
        ("các điểm a, b, d và g khoản 4", "các điểm a, b, d và g khoản 4"),
        ("ông Nguyễn Văn A và chú A", "ông Nguyễn Văn A và chú A"),
        ("Bộ Y tế; ngành thú y", "Bộ Y tế; ngành thú y"),
        ("café au lait, Müller", "café au lait, Müller"),
    ],
)
def test_split_diacritic_repair(raw: str, repaired: str) -> None:
    assert repair_split_words(raw) == repaired


def test_doubtful_joins_follow_the_documents_own_words() -> None:
    # "hợ p": both halves could stand alone; the document writes "hợp" whole elsewhere, so they are one word.
    assert repair_split_words("hợ p đồng", context=["hợp đồng lao động", "hợ p đồng"]) == "hợp đồng"
    assert repair_split_words("và n khoản 3") == "và n khoản 3"  # "vàn" is nowhere whole


@pytest.mark.parametrize(("word", "ok"), [("luật", True), ("NGƯỜI", True), ("Nghị", True), ("ĐIỀ", False),
                                           ("tưở", False), ("vàc", False), ("qu", False), ("thuở", True)])  # fmt: skip
def test_vietnamese_syllable_shape(word: str, ok: bool) -> None:
    assert is_syllable(word) is ok


@pytest.mark.parametrize(
    ("names", "canonical"),
    [
        (("BỘ CHÍNH TRỊ", "Bộ Chính trị", "bo chinh tri", "POLITBURO", "The Politburo", "পলিটব্যুরো", "পলিটব্যুরোর"),
         "BỘ CHÍNH TRỊ"),
        (("BAN BÍ THƯ", "Secretariat", "THE SECRETARIAT", "সচিবালয়"), "BAN BÍ THƯ"),
        (("BAN CHẤP HÀNH TRUNG ƯƠNG", "Ban Chấp hành Trung ương Đảng", "CENTRAL COMMITTEE", "Party Central Committee",
          "কেন্দ্রীয় নির্বাহী কমিটি", "কেন্দ্রীয় কমিটি"), "BAN CHẤP HÀNH TRUNG ƯƠNG"),
        (("ỦY BAN THƯỜNG VỤ QUỐC HỘI", "UỶ BAN THƯỜNG VỤ QUỐC HỘI", "Standing Committee of the National Assembly"),
         "ỦY BAN THƯỜNG VỤ QUỐC HỘI"),
        (("TỈNH ỦY THANH HÓA", "TỈNH UỶ THANH HOÁ", "THANH HOA PROVINCIAL PARTY COMMITTEE"), "TỈNH ỦY THANH HÓA"),
        (("BỘ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI", "BỘ LAO ĐỘNG-THƯƠNG BINH VÀ XÃ HỘI",
          "Ministry of Labour, Invalids and Social Affairs"), "BỘ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI"),
        (("CHÍNH PHỦ", "CHÍNH PHỦ ________ Số: 49/2026/NĐ-CP", "The Government"), "CHÍNH PHỦ"),
    ],
)  # fmt: skip
def test_issuer_table_gives_one_name_per_body(names: tuple[str, ...], canonical: str) -> None:
    assert {canonical_issuer(name) for name in names} == {canonical}


@pytest.mark.parametrize(
    ("heading", "header", "tail", "body"),
    [
        (["NGHỊ QUYẾT", "CỦA BỘ CHÍNH TRỊ"], "BAN CHẤP HÀNH TRUNG ƯƠNG", "", "BỘ CHÍNH TRỊ"),
        (["NGHỊ QUYẾT CỦA BỘ CHÍNH TRỊ"], "BAN CHẤP HÀNH TRUNG ƯƠNG", "", "BỘ CHÍNH TRỊ"),
        (["RESOLUTION", "OF THE POLITBURO"], "BAN CHẤP HÀNH TRUNG ƯƠNG", "", "BỘ CHÍNH TRỊ"),
        (["পলিটব্যুরোর প্রস্তাব"], "BAN CHẤP HÀNH TRUNG ƯƠNG", "", "BỘ CHÍNH TRỊ"),
        (["CHỈ THỊ", "CỦA BAN BÍ THƯ"], "BAN CHẤP HÀNH TRUNG ƯƠNG", "", "BAN BÍ THƯ"),
        (["QUY ĐỊNH"], "BAN CHẤP HÀNH TRUNG ƯƠNG", "…\nT/M BỘ CHÍNH TRỊ\nTỔNG BÍ THƯ", "BỘ CHÍNH TRỊ"),
        (["KẾT LUẬN", "HỘI NGHỊ LẦN THỨ TÁM BAN CHẤP HÀNH TRUNG ƯƠNG ĐẢNG KHÓA XIII"], "BAN CHẤP HÀNH TRUNG ƯƠNG", "",
         "BAN CHẤP HÀNH TRUNG ƯƠNG"),
        (["NGHỊ QUYẾT", "CỦA BAN THƯỜNG VỤ TỈNH ỦY"], "TỈNH ỦY KHÁNH HÒA", "", "BAN THƯỜNG VỤ TỈNH ỦY KHÁNH HÒA"),
        (["NGHỊ QUYẾT", "CỦA BAN CHẤP HÀNH ĐẢNG BỘ TỈNH"], "TỈNH ỦY KHÁNH HÒA", "", "TỈNH ỦY KHÁNH HÒA"),
        (["BÁO CÁO"], "TỈNH ỦY KHÁNH HÒA", "T/M BAN THƯỜNG VỤ", None),  # a provincial signature is not read
        (["NGHỊ ĐỊNH"], "CHÍNH PHỦ", "TM. CHÍNH PHỦ", None),
        (["NGHỊ QUYẾT LIÊN TỊCH", "CỦA CHÍNH PHỦ"], "ỦY BAN THƯỜNG VỤ QUỐC HỘI", "", None),  # a state header decides
    ],
)  # fmt: skip
def test_party_body_that_issued(heading: list[str], header: str, tail: str, body: str | None) -> None:
    assert party_body(heading, header, tail) == body


def test_one_politburo_resolution_in_three_languages_is_one_issuer() -> None:
    registry = build_registry()
    names = ("nq-57-tw-2024-khoa-hoc-cong-nghe.md", "en-nq-59-tw-2025-international-integration.md",
             "bn-nq-57-tw-2024-bigyan-projukti.md", "nq-68-tw-2025-kinh-te-tu-nhan.docx")  # fmt: skip
    idents = [identify(p.text, p.metadata) for name in names for p in parse_file(CORPUS / name, registry)]
    assert {i.issuer for i in idents} == {"BỘ CHÍNH TRỊ"}
    assert [i.issuer_raw for i in idents] == [
        "BAN CHẤP HÀNH TRUNG ƯƠNG", "CENTRAL COMMITTEE", "কেন্দ্রীয় নির্বাহী কমিটি", "BAN CHẤP HÀNH TRUNG ƯƠNG"
    ]  # fmt: skip


def test_two_column_header_read_as_columns() -> None:
    interleaved = (
        "BỘ LAO ĐỘNG - THƯƠNG BINH CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nVÀ XÃ HỘI Độc lập - Tự do - Hạnh phúc\n"
        "Số: 15/2022/TT-BLĐTBXH Hà Nội, ngày 30 tháng 8 năm 2022\n\nTHÔNG TƯ\nBan hành Quy chế\n\nCăn cứ Luật;\n"
    )
    ident = identify(interleaved, {})
    assert (ident.issuer, ident.number, ident.issued_date) == (
        "BỘ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI", "15/2022/TT-BLĐTBXH", "2022-08-30"
    )  # fmt: skip
    motto_first = (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n\nQUỐC HỘI\nLuật số: 51/2024/QH15\n\nLUẬT\n"
    )
    assert identify(motto_first, {}).issuer == "QUỐC HỘI"


def test_wrapper_removed_from_pages() -> None:
    pages = [
        " CÔNG BÁO/Số 295 + 296/Ngày 22-3-2020 41\nVĂN BẢN HỢP NHẤT -\nBỘ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI\n\n"
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nTHÔNG TƯ\nQuy định",
        "42 CÔNG BÁO/Số 295 + 296/Ngày 22-3-2020\nĐiều 2. Nội dung\n",
    ]
    out = strip_wrapper(pages)
    assert out.pages == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nTHÔNG TƯ\nQuy định", "Điều 2. Nội dung"]
    assert out.issue == "CÔNG BÁO/Số 295 + 296/Ngày 22-3-2020 41"
    assert out.headings == ["VĂN BẢN HỢP NHẤT - BỘ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI"]
    doubled = [
        "CÔNG BÁO/Số 1/Ngày 1-1-2024 3\nVĂN BẢN QUY PHẠM PHÁP LUẬT\n\nBỘ TÀI CHÍNH\n\nBỘ TÀI CHÍNH\nSố: 1/QĐ-BTC"
    ]
    assert strip_wrapper(doubled).pages == ["BỘ TÀI CHÍNH\nSố: 1/QĐ-BTC"]
    assert strip_wrapper(["BỘ TÀI CHÍNH BỘ TÀI CHÍNH\nSố: 1/QĐ-BTC"]).pages == ["BỘ TÀI CHÍNH\nSố: 1/QĐ-BTC"]
    own = ["VĂN BẢN QUY PHẠM PHÁP LUẬT\nDanh mục"]  # no gazette header: the document's own heading stays
    assert strip_wrapper(own).pages == own


_RUNNING = "CÔNG BÁO/Số 1/Ngày 1-1-2024 3\n"
_MOTTO = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"


@pytest.mark.parametrize(
    ("page", "kept"),
    [
        # a province's gazette; a heading the text layer split apart; a numbered part of the gazette
        ("CÔNG BÁO TỈNH QUẢNG NINH/Số 05 + 06/Ngày 10-02-2024 12\nVĂN BẢN QUY PHẠM PHÁP LUẬT\n"
         "ỦY BAN NHÂN DÂN TỈNH QUẢNG NINH\n\nỦY BAN NHÂN DÂN\nTỈNH QUẢNG NINH\nSố: 1/QĐ-UBND",
         "ỦY BAN NHÂN DÂN\nTỈNH QUẢNG NINH\nSố: 1/QĐ-UBND"),
        (_RUNNING + "V ĂN B ẢN QUY PH ẠM PHÁP LU ẬT\nCHÍNH PHỦ\nSố: 2/NĐ-CP", "CHÍNH PHỦ\nSố: 2/NĐ-CP"),
        (_RUNNING + "PHẦN I. VĂN BẢN QUY PHẠM PHÁP LUẬT\nQUỐC HỘI\nLuật số: 3/QH15", "QUỐC HỘI\nLuật số: 3/QH15"),
        # a consolidated text's header names no issuer: the gazette's line above the motto is the heading's
        (_RUNNING + f"VĂN BẢN HỢP NHẤT\nBỘ TÀI CHÍNH\n\n{_MOTTO}\nTHÔNG TƯ", f"{_MOTTO}\nTHÔNG TƯ"),
        # the gazette's issuer heading above a header set in two columns on one line; a joint issuer
        (_RUNNING + f"BỘ TÀI CHÍNH\n\nBỘ TÀI CHÍNH {_MOTTO}\nSố: 1/QĐ-BTC", f"BỘ TÀI CHÍNH {_MOTTO}\nSố: 1/QĐ-BTC"),
        (_RUNNING + f"BỘ TÀI CHÍNH - BỘ Y TẾ\n\nBỘ TÀI CHÍNH {_MOTTO}\nBỘ Y TẾ Độc lập - Tự do - Hạnh phúc",
         f"BỘ TÀI CHÍNH {_MOTTO}\nBỘ Y TẾ Độc lập - Tự do - Hạnh phúc"),
    ],
)  # fmt: skip
def test_gazette_layouts(page: str, kept: str) -> None:
    from indexer.understanding.syllables import SplitWordRepair

    assert strip_wrapper([SplitWordRepair([page])(page)]).pages == [kept]


def test_the_real_politburo_resolution() -> None:
    path = need_data("party-doc", "16-NQ-TW_2026_Dong-Nai.md")
    parsed = parse_file(path, build_registry())[0]
    ident = identify(parsed.text, parsed.metadata)
    assert (ident.number, ident.doc_type, ident.issuer, ident.issued_date) == (
        "16-NQ/TW", "Nghị quyết", "BỘ CHÍNH TRỊ", "2026-07-21"
    )  # fmt: skip


def test_consolidation_block_in_any_layout() -> None:
    html_like = (
        "Điều 12. Tổ chức thực hiện./.\n\nBỘ XÂY DỰNG\n_____\n\nSố: 07/VBHN-BXD\n\nXÁC THỰC VĂN BẢN HỢP NHẤT\n\n"
    )
    html_like += "Hà Nội, ngày 03 tháng 3 năm 2026\n\nKT. BỘ TRƯỞNG\nTHỨ TRƯỞNG\n"
    one_line = "hướng dẫn./.\n\nBỘ LAO ĐỘNG - THƯƠNG BINH\nVÀ XÃ HỘI\n\nXÁC THỰC VĂN BẢN HỢP NHẤT\n"
    one_line += "Số: 4082/VBHN-BLĐTBXH Hà Nội, ngày 30 tháng 8 năm 2024\nKT. BỘ TRƯỞNG\n"
    for text, expected in (
        (html_like, ("07/VBHN-BXD", "BỘ XÂY DỰNG", "2026-03-03")),
        (one_line, ("4082/VBHN-BLĐTBXH", "BỘ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI", "2024-08-30")),
    ):
        found = read_consolidation("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n\nTHÔNG TƯ\nQuy định\n\n" + text)
        assert found and (found.number, found.issuer, found.issued_date) == expected
    assert read_consolidation("Căn cứ Văn bản hợp nhất số 16/VBHN-BTC ngày 6 tháng 3 năm 2020;") is None
