"""Real PDFs: gazette cleaning, identity from the text layer, OCR of the real scan, and the no-Tesseract path."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import need_data

import indexer.parsing.ocr as ocr
from indexer.chunking.structure import StructureChunker
from indexer.config import ChunkingSettings, OcrSettings
from indexer.errors import NeedsOCR
from indexer.models import Document, ParsedDocument
from indexer.parsing.pdf_parser import PdfParser
from indexer.understanding.cleaning import clean_page, is_running_header
from indexer.understanding.identity import identify
from indexer.understanding.numbers import number_key

_TYPES = {
    "chi-thi": "Chỉ thị", "luat": "Luật", "nghi-dinh": "Nghị định", "nghi-quyet": "Nghị quyết",
    "quyet-dinh": "Quyết định", "thong-tu": "Thông tư", "thong-bao": "Thông báo",
    "van-ban-hop-nhat": "Văn bản hợp nhất",
}  # fmt: skip
# Judged against the text: the gazette files nghi-quyet-so-45-2019-qh14 under "NQ" but it is the Labour Code.
_TYPE_EXCEPTIONS = {"nghi-quyet-so-45-2019-qh14-30232": "Bộ luật"}
_GAZETTE_ANYWHERE = re.compile(r"CÔNG\s*BÁO\s*/\s*S\s*ố", re.IGNORECASE)


def test_clean_page_removes_running_headers_and_page_numbers() -> None:
    page = " CÔNG BÁO/Số 1523 + 1524/Ngày 29-12-2024 3 \n\nĐiều 5. Phạm vi\n1. Nội dung 12\n\n - 4 - \n"
    assert clean_page(page) == "Điều 5. Phạm vi\n1. Nội dung 12"
    assert is_running_header("4 CÔNG BÁO/S ố 699 + 700/Ngày 09-6-2024")
    assert not is_running_header("Đăng Công báo số 5 ngày 1-1-2024 theo quy định")


@pytest.fixture(scope="module")
def text_layer_docs() -> dict[str, ParsedDocument | NeedsOCR]:
    """Every gazette PDF parsed once, without OCR (image-only pages are then reported, not read)."""
    folder = need_data("pdfs", "text-layer")
    parser = PdfParser(OcrSettings(enabled=False))
    out: dict[str, ParsedDocument | NeedsOCR] = {}
    for path in sorted(folder.glob("*.pdf")):
        try:
            out[path.stem] = parser.parse(path)[0]
        except NeedsOCR as exc:
            out[path.stem] = exc
    return out


@pytest.mark.slow
@pytest.mark.slow  # parses every real gazette PDF: make test, not make check
def test_gazette_pdfs_number_type_and_clean_chunks(text_layer_docs: dict[str, ParsedDocument | NeedsOCR]) -> None:
    assert len(text_layer_docs) == 20
    chunker = StructureChunker(ChunkingSettings())
    checked = 0
    for stem, parsed in text_layer_docs.items():
        slug = re.match(r"(.+?)-so-(.+)-\d+$", stem)
        assert slug, stem
        if isinstance(parsed, NeedsOCR):
            assert stem == "thong-bao-so-02-2023-tb-lpqt-39022"  # every page is a scan under a gazette header
            continue
        if parsed.metadata.get("pages_needing_ocr") == [1]:
            assert stem == "nghi-quyet-so-115-nq-cp-469452"  # its first page is a scan: reported, not guessed
            continue
        ident = identify(parsed.text, {})
        if slug.group(1) != "van-ban-hop-nhat":  # a consolidation quotes the consolidated act's number
            assert number_key(ident.number or "") == slug.group(2).upper().replace("-", ""), stem
            assert ident.doc_type == _TYPE_EXCEPTIONS.get(stem, _TYPES[slug.group(1)]), stem
        doc = Document(stem, stem, "h", parsed.text, ident, parsed.pages)
        for chunk in chunker.chunk(doc):
            assert not _GAZETTE_ANYWHERE.search(chunk.text), (stem, chunk.text[:200])
            assert parsed.text[chunk.char_start : chunk.char_end] == chunk.text
            assert chunk.pages and all(1 <= p <= len(parsed.pages) for p in chunk.pages)
        checked += 1
    assert checked >= 17


def test_image_only_pdf_without_tesseract_needs_ocr(monkeypatch: pytest.MonkeyPatch) -> None:
    scan = need_data("pdfs", "scanned", "nd-28-2021-nd-cp_scan_page1_and_page8.pdf")
    monkeypatch.setattr(ocr, "available_languages", lambda: frozenset())
    with pytest.raises(NeedsOCR, match="2 image-only page"):
        PdfParser(OcrSettings()).parse(scan)


def test_partly_scanned_pdf_without_tesseract_reports_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    path = need_data("pdfs", "text-layer", "quyet-dinh-so-1373-qd-bkhdt-37639.pdf")
    monkeypatch.setattr(ocr, "available_languages", lambda: frozenset())
    parsed = PdfParser(OcrSettings()).parse(path)[0]
    assert parsed.metadata["pages_needing_ocr"] == [3]
    assert not any(p.ocr for p in parsed.pages)


@pytest.fixture(scope="session")
def scanned_doc() -> ParsedDocument:
    """The real scan OCR'd once per session (2 pages at the configured dpi)."""
    scan: Path = need_data("pdfs", "scanned", "nd-28-2021-nd-cp_scan_page1_and_page8.pdf")
    settings = OcrSettings()
    if ocr.ocr_languages(settings) is None:
        pytest.skip("Tesseract with vie is not installed")
    return PdfParser(settings).parse(scan)[0]


@pytest.mark.slow
@pytest.mark.ocr
def test_scan_is_ocred_with_confidence_and_number(scanned_doc: ParsedDocument) -> None:
    assert [p.ocr for p in scanned_doc.pages] == [True, True]
    assert all(p.ocr_confidence is not None and p.ocr_confidence > 50 for p in scanned_doc.pages)
    ident = identify(scanned_doc.text, {})
    assert ident.number == "28/2021/NĐ-CP"
    assert ident.doc_type == "Nghị định"
