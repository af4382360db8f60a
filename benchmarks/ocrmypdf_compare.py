"""OCR engine choice: Thammuu's own Tesseract path against ocrmypdf on the real scanned PDFs, same identity reader.

Issue 15 asks for ``ocrmypdf`` or Tesseract directly, whichever measures better. Both use the same Tesseract; the
difference is what surrounds it. For each scanned document of the hand-checked gold (the stamped decree scan, the
fully scanned notice and the resolution whose first page is a scan):

- **thammuu**: ``PdfParser`` with OCR (render at 300 dpi, deskew, binarise, red ink suppressed, script chosen per
  page, per-line repairs with word confidences), identity as indexing reads it;
- **ocrmypdf**: ``ocrmypdf -l vie --force-ocr --deskew --rotate-pages --sidecar`` (``--invalidate-digital-signatures``
  for signed gazette PDFs, which it refuses otherwise), its text page by page through the same OCR repairs and
  gazette-wrapper removal, then the same identity reader — so only the recognition front end differs.

Reports fields right (of 4 per document, against ``tests/data/pdf_identity_gold.json``) and seconds per page, both
measured in this one run. Needs ``pip install ocrmypdf`` (the ``bench`` extra) and Tesseract with vie.

Run: ``python -m benchmarks.ocrmypdf_compare`` → ``benchmarks/results/ocr_engines.md``.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pypdf import PdfReader

from benchmarks.pdf_identity import FIELDS, GOLD, PDFS, _comparable
from indexer.build.understand import understand
from indexer.config import OcrSettings
from indexer.parsing.ocr_repair import repair_ocr_text
from indexer.parsing.pdf_parser import PdfParser
from indexer.understanding.gazette import strip_wrapper
from indexer.understanding.identity import identify

logger = logging.getLogger(__name__)
SCANNED = (
    "scanned/nd-28-2021-nd-cp_scan_page1_and_page8.pdf",
    "text-layer/thong-bao-so-02-2023-tb-lpqt-39022.pdf",
    "text-layer/nghi-quyet-so-115-nq-cp-469452.pdf",
)
RESULTS = Path(__file__).resolve().parent / "results" / "ocr_engines.md"


def _right(gold: dict[str, object], values: dict[str, object]) -> int:
    return sum(_comparable(f, gold.get(f)) == _comparable(f, values.get(f)) for f in FIELDS)


def thammuu(path: Path) -> tuple[dict[str, object], float, int]:
    """Fields, seconds, OCR'd pages with the project's own parser."""
    t0 = time.perf_counter()
    parsed = PdfParser(OcrSettings()).parse(path)[0]
    seconds = time.perf_counter() - t0
    doc = understand(parsed, path.name, str(path), "", {})
    return {f: getattr(doc.identity, f) for f in FIELDS}, seconds, sum(p.ocr for p in parsed.pages)


def ocrmypdf(path: Path) -> tuple[dict[str, object], float, int]:
    """Fields, seconds, pages with ocrmypdf's recognition and the project's repairs and identity reader."""
    with tempfile.TemporaryDirectory() as tmp:
        sidecar, out = Path(tmp) / "text.txt", Path(tmp) / "out.pdf"
        args = [
            sys.executable,
            "-m",
            "ocrmypdf",
            "-q",
            "-l",
            "vie",
            "--force-ocr",
            "--deskew",
            "--rotate-pages",
            "-j",
            "1",
        ]
        args += ["--invalidate-digital-signatures", "--output-type", "pdf", "--sidecar", str(sidecar)]
        t0 = time.perf_counter()
        subprocess.run([*args, str(path), str(out)], check=True, capture_output=True)
        seconds = time.perf_counter() - t0
        pages = sidecar.read_text(encoding="utf-8").split("\f")
    repaired = [repair_ocr_text(p, i + 1)[0] for i, p in enumerate(pages)]
    wrapper = strip_wrapper(repaired)
    meta = {"gazette_heading": wrapper.headings[0]} if wrapper.headings else {}
    ident = identify("\n\n".join(wrapper.pages), meta)
    return {f: getattr(ident, f) for f in FIELDS}, seconds, len(PdfReader(str(path)).pages)


def main() -> None:
    """Run both engines on every scanned gold document; print and save the table."""
    logging.basicConfig(level=logging.WARNING)
    gold = json.loads(GOLD.read_text(encoding="utf-8"))["documents"]
    rows, totals = [], {"thammuu": [0, 0.0, 0], "ocrmypdf": [0, 0.0, 0]}
    for name in SCANNED:
        path = PDFS / name
        for engine, run in (("thammuu", thammuu), ("ocrmypdf", ocrmypdf)):
            values, seconds, pages = run(path)
            right = _right(gold[name], values)
            totals[engine][0] += right
            totals[engine][1] += seconds
            totals[engine][2] += pages
            rows.append(f"| {Path(name).stem} | {engine} | {right}/4 | {seconds / max(1, pages):.1f} | {values} |")
    lines = [
        "# OCR engines on the real scans (`python -m benchmarks.ocrmypdf_compare`)",
        "",
        "| document | engine | fields right | s per OCR'd page | read |",
        "|---|---|---:|---:|---|",
        *rows,
        "",
        "| engine | fields right | s per OCR'd page |",
        "|---|---:|---:|",
        *(f"| {e} | {r}/{4 * len(SCANNED)} | {s / max(1, p):.1f} |" for e, (r, s, p) in totals.items()),
    ]
    text = "\n".join(lines) + "\n"
    RESULTS.write_text(text, encoding="utf-8")
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
