"""Tesseract OCR of image-only PDF pages, with the page's mean word confidence and notes on identity repairs.

Each page is rendered with pdfium at the configured dpi, prepared (``scan_image``: red stamp ink removed, text
scaled to the size Tesseract reads best, deskewed, binarised, seals thinned) and read with **its script's
languages**, not every installed one at once (vie+eng+ben on a Vietnamese page turns specks into Bengali letters
and takes several times as long): a Latin page with vie+eng (eng reads the handwritten figures of a number or a
date that vie alone misreads). Only a page that reads badly is checked with Tesseract's OSD for its orientation
and script, and read again turned, or as Bengali (when OSD says Bengali or cannot tell), keeping the better
reading. A red stamp that says "MẬT" or "KHẨN" is read on its own and kept as the page's first line, so a
marking never vanishes with the ink. Lines of specks that Tesseract is unsure of (a seal's legend, scanner dust)
are dropped; the identity lines are repaired where they cannot be right as read (``ocr_repair``). On a page
with a number or a date of issue, the header block is read a second time from the grey page (Tesseract then
binarises it its own way): a value the two readings disagree on is noted as doubtful for review.

Tesseract runs single-threaded (OMP_THREAD_LIMIT=1): its OpenMP threads make a page 3-4x slower on two cores.

Install on Debian/Ubuntu: ``apt-get install tesseract-ocr tesseract-ocr-vie tesseract-ocr-ben``;
on macOS: ``brew install tesseract tesseract-lang``; on Windows: the UB Mannheim installer, then add it to PATH.
"""

from __future__ import annotations

import io
import logging
import os
import re
import shutil
import subprocess
import time
import unicodedata
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from PIL import Image

from indexer.config import OcrSettings
from indexer.parsing.ocr_repair import OcrNote, repair_ocr_text
from indexer.parsing.scan_image import PreparedPage, prepare
from indexer.understanding.markings import marking_level
from indexer.understanding.numbers import canonical_number

logger = logging.getLogger(__name__)

INSTALL_HINT = (
    "install Tesseract with Vietnamese and Bengali data (Debian/Ubuntu: apt-get install tesseract-ocr "
    "tesseract-ocr-vie tesseract-ocr-ben; macOS: brew install tesseract tesseract-lang)"
)
GOOD_CONFIDENCE = 70.0  # a page read at least this well (mean word confidence) is not tried in another script
_LATIN = ("vie", "eng")  # read together: eng reads handwritten figures that vie alone misses (measured)
_MAX_RENDER_PIXELS = 20_000_000  # A4 at 450 dpi, A3 at 300 dpi
_TIMEOUT_S = 300


@dataclass(frozen=True)
class Reading:
    """Tesseract's text of an image, its mean word confidence and each text line's words with their confidence.

    ``words`` is aligned with ``text.split("\\n")`` (a blank line has none); a line is its words joined by spaces.
    """

    text: str
    confidence: float
    words: list[list[tuple[str, float]]] = field(default_factory=list)
    language: str = ""


@dataclass(frozen=True)
class OcrPage:
    """One OCR'd page: repaired text, mean word confidence (0-100), how it was read and what was repaired."""

    text: str
    confidence: float
    languages: str
    notes: tuple[OcrNote, ...] = ()
    seconds: float = 0.0
    skew_degrees: float = 0.0
    scale: float = 1.0
    rotated: int = 0  # degrees the page was turned after OSD (0, 90, 180, 270)


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
    """The configured languages that are installed, '+'-joined; None when OCR cannot run.

    These are the candidates: each page is read in the one that fits its script (see the module docstring).
    """
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


def _tesseract(image: Image.Image, args: list[str]) -> str:
    """Run the tesseract binary on an image (PNG on stdin), single-threaded; its stdout."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    done = subprocess.run(
        ["tesseract", "stdin", "stdout", "--dpi", "300", *args],
        input=buffer.getvalue(),
        capture_output=True,
        env=env,
        timeout=_TIMEOUT_S,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"tesseract failed ({done.returncode}): {done.stderr.decode(errors='replace')[-300:]}")
    return done.stdout.decode("utf-8", errors="replace")


def _wordlike(ch: str) -> bool:
    """A letter, digit or combining mark (Bengali vowel signs and the virama are marks, not letters)."""
    return unicodedata.category(ch)[0] in "LMN"


def _is_noise(words: list[tuple[str, float]]) -> bool:
    """A line of specks: little that is a letter or digit, and nothing Tesseract was sure of."""
    chars = "".join(w for w, _ in words)
    wordlike = sum(_wordlike(c) for c in chars)
    sure = any(c >= 60 and sum(_wordlike(ch) for ch in w) >= 2 for w, c in words)
    return wordlike < 0.5 * len(chars) or not sure


def parse_tsv(tsv: str) -> Reading:
    """Text (lines joined by newlines, paragraphs by blank lines) and confidences from Tesseract's TSV."""
    lines: dict[tuple[int, int, int], list[tuple[str, float]]] = {}
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5" or not cols[11].strip():
            continue
        key = (int(cols[2]), int(cols[3]), int(cols[4]))
        lines.setdefault(key, []).append((cols[11].strip(), float(cols[10])))
    out: list[str] = []
    line_words: list[list[tuple[str, float]]] = []
    confs: list[float] = []
    previous: tuple[int, int] | None = None
    for key, words in lines.items():
        if _is_noise(words):
            continue
        if previous is not None and previous != key[:2]:
            out.append("")
            line_words.append([])
        previous = key[:2]
        out.append(" ".join(w for w, _ in words))
        line_words.append(words)
        confs.extend(c for _, c in words if c >= 0)
    mean = sum(confs) / len(confs) if confs else 0.0
    return Reading("\n".join(out), round(mean, 1), line_words)


def read_image(image: Image.Image, language: str, psm: int = 3) -> Reading:
    """Tesseract's reading of a prepared image in one language (or a '+'-joined set)."""
    reading = parse_tsv(_tesseract(image, ["-l", language, "--psm", str(psm), "tsv"]))
    return Reading(reading.text, reading.confidence, reading.words, language)


def detect_orientation(image: Image.Image) -> tuple[int, str | None]:
    """(degrees to turn the page clockwise, script name) from Tesseract's OSD; (0, None) when it cannot tell."""
    if "osd" not in available_languages():
        return 0, None
    try:
        out = _tesseract(image, ["--psm", "0"])
    except (RuntimeError, subprocess.TimeoutExpired):  # too little text for OSD
        return 0, None
    fields = dict(line.split(":", 1) for line in out.splitlines() if ":" in line)
    rotate = int(fields.get("Rotate", "0").strip() or 0)
    script = fields.get("Script", "").strip() or None
    return rotate, script


def _read_page(prepared: PreparedPage, languages: list[str]) -> tuple[Reading, int]:
    """The best reading of the page among its script's languages, and any turn applied (see module docstring)."""
    latin = "+".join(lang for lang in _LATIN if lang in languages)
    first = latin or languages[0]
    best = read_image(prepared.image, first)
    if best.confidence >= GOOD_CONFIDENCE:
        return best, 0
    rotate, script = detect_orientation(prepared.image)
    image = prepared.image.rotate(-rotate, expand=True, fillcolor=255) if rotate else prepared.image
    turned = 0
    if rotate:
        again = read_image(image, first)
        if again.confidence > best.confidence:
            best, turned = again, rotate
    if script in ("Bengali", None) and "ben" in languages:  # OSD cannot tell on a short page: try, keep the better
        bengali = read_image(image, "ben")
        if bengali.confidence > best.confidence:
            best, turned = bengali, rotate
    return best, turned


def _stamp_markings(prepared: PreparedPage, language: str) -> list[str]:
    """Security or urgency markings stamped in red ("MẬT", "KHẨN"), read from the red ink alone."""
    if prepared.stamp_image is None:
        return []
    try:
        reading = read_image(prepared.stamp_image, language, psm=11)
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        logger.warning("reading the stamp layer failed: %s", exc)
        return []
    return [line for line in reading.text.splitlines() if line.strip() and marking_level(line) is not None]


_NUMBER_VALUE = re.compile(r"Số: (\S+)")
_HEADER_DATE = re.compile(r"[^\W\d_], ngày (\d{1,2}) tháng (\d{1,2}) năm (\d{4})")
_DATE_LINE = re.compile(r"[^\W\d_], ngày\b.{1,24}\bnăm\b")
HEADER_SHARE = 0.4  # the header block (number, place and date) sits in the top 40 % of a first page


def _header_values(notes: list[OcrNote]) -> dict[str, tuple[OcrNote, str]]:
    """The number and the date of issue the notes read in the header, with the note each came from; a header
    date line that holds no date ("Hà Nội, ngày 29 tháng !† năm 2026") gives the date "unreadable"."""
    out: dict[str, tuple[OcrNote, str]] = {}
    for note in notes:
        number = _NUMBER_VALUE.search(note.after) if note.kind == "number" else None
        if number and "number" not in out:
            out["number"] = (note, canonical_number(number.group(1)))
        dated = _HEADER_DATE.search(note.after) if note.kind == "date" else None
        if dated and "date" not in out:
            day, month, year = (int(v) for v in dated.groups())
            out["date"] = (note, f"{year:04d}-{month:02d}-{day:02d}")
    unread = next((n for n in notes if n.kind == "number" and _DATE_LINE.search(n.after)), None)
    if "date" not in out and unread is not None and not _HEADER_DATE.search(unread.after):
        out["date"] = (unread, "unreadable")
    return out


def _second_opinion(grey: Image.Image, language: str, notes: list[OcrNote], page: int | None) -> list[OcrNote]:
    """Read the header block again from the grey page (Tesseract binarising it its own way): where the number or
    the date of issue reads differently, the note is marked ambiguous with the other reading, for review.

    Two readings that disagree are the surest sign of a misread that a confident-looking OCR gives (a
    handwritten "29" read as "23" with confidence 92 by one, as "29" by the other).
    """
    first = _header_values(notes)
    if not first:
        return notes
    top = grey.crop((0, 0, grey.width, max(1, int(grey.height * HEADER_SHARE))))
    try:
        again = read_image(top, language)
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        logger.warning("second reading of the header failed: %s", exc)
        return notes
    second = _header_values(repair_ocr_text(again.text, page, again.words)[1])
    doubted = {id(note): value for key, (note, _) in first.items() if key in second
               for value in [second[key][1]] if value != first[key][1]}  # fmt: skip
    return [replace(n, ambiguous=True, alternative=doubted[id(n)]) if id(n) in doubted else n for n in notes]


def ocr_image(image: Image.Image, languages: str, page: int | None = None, fallback_scale: float = 1.0) -> OcrPage:
    """OCR one page image: prepare, read in the page's script, keep stamped markings, repair identity lines."""
    started = time.perf_counter()
    candidates = [lang for lang in languages.split("+") if lang]
    prepared = prepare(image, fallback_scale=fallback_scale)
    reading, turned = _read_page(prepared, candidates)
    markings = _stamp_markings(prepared, reading.language.split("+")[0])
    text, words = reading.text, reading.words
    if markings:
        text = "\n".join([*markings, text])
        words = [[] for _ in markings] + words
    text, notes = repair_ocr_text(text, page, words)
    if prepared.grey is not None and any(n.kind in ("number", "date") for n in notes):
        grey = prepared.grey.rotate(-turned, expand=True, fillcolor=255) if turned else prepared.grey
        notes = _second_opinion(grey, reading.language, notes, page)
    seconds = round(time.perf_counter() - started, 2)
    logger.debug(
        "page %s: %s, confidence %.1f, %.1fs, notes %s", page, reading.language, reading.confidence, seconds, notes
    )
    return OcrPage(
        text=text,
        confidence=reading.confidence,
        languages=reading.language,
        notes=tuple(notes),
        seconds=seconds,
        skew_degrees=prepared.skew_degrees,
        scale=prepared.scale,
        rotated=turned,
    )


def render_pdf_page(path: Path, page_index: int, dpi: int) -> Image.Image:
    """A PDF page as an RGB image at ``dpi`` (by the page's stated size, bounded to 20 megapixels)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        page = pdf[page_index]
        width, height = page.get_size()
        scale = dpi / 72
        if width * height * scale * scale > _MAX_RENDER_PIXELS:
            scale = (_MAX_RENDER_PIXELS / (width * height)) ** 0.5
        return page.render(scale=scale).to_pil().convert("RGB")
    finally:
        pdf.close()


def ocr_pdf_page_result(path: Path, page_index: int, settings: OcrSettings, languages: str) -> OcrPage:
    """OCR one page (0-based) of a PDF with everything ``ocr_image`` records."""
    image = render_pdf_page(path, page_index, settings.dpi)
    return ocr_image(image, languages, page=page_index + 1)


def ocr_pdf_page(path: Path, page_index: int, settings: OcrSettings, languages: str) -> tuple[str, float]:
    """OCR one page (0-based) of a PDF; returns (text, mean word confidence 0–100)."""
    result = ocr_pdf_page_result(path, page_index, settings, languages)
    return result.text, result.confidence
