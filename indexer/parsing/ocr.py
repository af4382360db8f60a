"""Tesseract OCR of image-only PDF pages (rendered with pdfium), with the page's mean word confidence.

Install on Debian/Ubuntu: ``apt-get install tesseract-ocr tesseract-ocr-vie tesseract-ocr-ben``;
on macOS: ``brew install tesseract tesseract-lang``; on Windows: the UB Mannheim installer, then add it to PATH.
"""

from __future__ import annotations

import logging
import shutil
from functools import lru_cache
from pathlib import Path

from indexer.config import OcrSettings

logger = logging.getLogger(__name__)

INSTALL_HINT = (
    "install Tesseract with Vietnamese and Bengali data (Debian/Ubuntu: apt-get install tesseract-ocr "
    "tesseract-ocr-vie tesseract-ocr-ben; macOS: brew install tesseract tesseract-lang)"
)


@lru_cache(maxsize=1)
def available_languages() -> frozenset[str]:
    """Languages the installed Tesseract knows; empty when Tesseract is absent."""
    if shutil.which("tesseract") is None:
        return frozenset()
    import pytesseract

    try:
        return frozenset(pytesseract.get_languages(config=""))
    except Exception as exc:  # broken installs raise assorted errors
        logger.warning("tesseract present but unusable: %s", exc)
        return frozenset()


def ocr_languages(settings: OcrSettings) -> str | None:
    """The configured languages that are installed, '+'-joined; None when OCR cannot run."""
    if not settings.enabled:
        return None
    have = available_languages()
    langs = [lang for lang in settings.languages.split("+") if lang in have]
    if not langs:
        return None
    missing = [lang for lang in settings.languages.split("+") if lang not in have]
    if missing:
        logger.warning("tesseract language data missing for %s; %s", "+".join(missing), INSTALL_HINT)
    return "+".join(langs)


def ocr_pdf_page(path: Path, page_index: int, settings: OcrSettings, languages: str) -> tuple[str, float]:
    """OCR one page (0-based) of a PDF; returns (text, mean word confidence 0–100)."""
    import pypdfium2 as pdfium
    import pytesseract

    pdf = pdfium.PdfDocument(str(path))
    try:
        image = pdf[page_index].render(scale=settings.dpi / 72).to_pil()
    finally:
        pdf.close()
    data = pytesseract.image_to_data(image, lang=languages, output_type=pytesseract.Output.DICT)
    confs = [float(c) for c, w in zip(data["conf"], data["text"], strict=True) if str(w).strip() and float(c) >= 0]
    text = pytesseract.image_to_string(image, lang=languages)
    mean = sum(confs) / len(confs) if confs else 0.0
    return text, round(mean, 1)
