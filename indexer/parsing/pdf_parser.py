"""PDF via pypdf with page numbers kept; pages without a text layer go to OCR or are reported as needing it.

Before the pages are joined (so page spans and chunk offsets refer to the text as stored), words the text layer
split beside a diacritic ("Lu ật", "ĐIỀ U") are joined again (``indexer.understanding.syllables``) and the gazette
wrapper is removed — running headers, page numbers, the Công báo's section headings and a header block the layout
prints twice (``indexer.understanding.gazette``). The gazette issue and the heading removed are kept in the metadata
(``gazette_issue``, ``gazette_heading``).
"""

from __future__ import annotations

import logging
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import PdfReadError

from indexer.config import OcrSettings
from indexer.errors import CorruptDocument, NeedsOCR
from indexer.models import PageSpan, ParsedDocument
from indexer.parsing.ocr import INSTALL_HINT, ocr_languages, ocr_pdf_page_result
from indexer.understanding.cleaning import clean_page
from indexer.understanding.gazette import strip_wrapper
from indexer.understanding.syllables import SplitWordRepair
from indexer.understanding.text import nfc

logger = logging.getLogger(__name__)

_MIN_TEXT_CHARS = 25  # fewer visible characters than this on a page means "image only"
PAGE_SEPARATOR = "\n\n"


class PdfParser:
    """Text-layer PDFs page by page; image-only pages OCR'd with Tesseract when installed."""

    def __init__(self, ocr: OcrSettings) -> None:
        self._ocr = ocr

    def parse(self, path: Path) -> list[ParsedDocument]:
        with path.open("rb") as fh:
            if not fh.read(1024).lstrip().startswith(b"%PDF"):
                raise CorruptDocument(f"{path.name}: not a PDF (no %PDF header)")
        try:
            reader = PdfReader(str(path))
            if reader.is_encrypted and not reader.decrypt(""):
                raise CorruptDocument(f"{path.name}: encrypted PDF (password required)")
            extracted = [nfc(page.extract_text() or "") for page in reader.pages]
        except PdfReadError as exc:
            raise CorruptDocument(f"{path.name}: damaged PDF ({exc})") from exc
        except NotImplementedError as exc:  # e.g. unsupported encryption algorithms
            raise CorruptDocument(f"{path.name}: encrypted PDF ({exc})") from exc

        languages = None
        # Running headers and page numbers go first: a scanned page often carries only a gazette header.
        needs_ocr = [i for i, t in enumerate(extracted) if len(clean_page(t).strip()) < _MIN_TEXT_CHARS]
        if needs_ocr:
            languages = ocr_languages(self._ocr)
            if languages is None and len(needs_ocr) == len(extracted):
                raise NeedsOCR(f"{path.name}: {len(needs_ocr)} image-only page(s) need OCR; {INSTALL_HINT}")

        texts = list(extracted)
        ocr_confidence: dict[int, float] = {}
        ocr_notes: list[dict[str, object]] = []  # what OCR repaired or doubted, for the review of identity fields
        missing: list[int] = []
        for i in needs_ocr:
            if languages is not None:
                page = ocr_pdf_page_result(path, i, self._ocr, languages)
                texts[i], ocr_confidence[i] = nfc(page.text), page.confidence
                ocr_notes.extend(n.to_dict() for n in page.notes)
            else:
                missing.append(i + 1)
        repair = SplitWordRepair(texts)  # first: a heading split apart ("V ĂN B ẢN …") is a heading again
        wrapper = strip_wrapper([repair(t) for t in texts])
        parts: list[str] = []
        spans: list[PageSpan] = []
        offset = 0
        for i, text in enumerate(wrapper.pages):
            is_ocr, conf = i in ocr_confidence, ocr_confidence.get(i)
            if parts:
                offset += len(PAGE_SEPARATOR)
            spans.append(PageSpan(number=i + 1, start=offset, end=offset + len(text), ocr=is_ocr, ocr_confidence=conf))
            parts.append(text)
            offset += len(text)
        meta: dict[str, object] = {}
        if missing:
            logger.warning("%s: pages %s need OCR and were indexed without text; %s", path.name, missing, INSTALL_HINT)
            meta["pages_needing_ocr"] = missing
        if ocr_notes:
            meta["ocr_notes"] = ocr_notes
        if wrapper.issue:
            meta["gazette_issue"] = wrapper.issue
        if wrapper.headings:
            meta["gazette_heading"] = wrapper.headings[0]
        if reader.metadata and reader.metadata.title:
            meta["pdf_title"] = nfc(str(reader.metadata.title))
        return [ParsedDocument(text=PAGE_SEPARATOR.join(parts), pages=spans, metadata=meta)]
