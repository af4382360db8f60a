"""Identity extraction accuracy on the real gazette PDFs: number, type, issuer and date against hand-checked gold.

Every PDF named in ``tests/data/pdf_identity_gold.json`` (the 20 text-layer Công báo PDFs and the scan, under
``../shared/data/pdfs``) is parsed with the project's own parser (``PdfParser``: pypdf, the gazette wrapper removed,
split words joined; image-only pages OCR'd when Tesseract is installed, else reported) and identified from its text
and the parser's metadata alone, exactly as indexing does (``indexer.build.understand``), with each field's review.
Comparison: number through ``canonical_number``, type exactly, issuer through
``issuer_key`` (the gold holds canonical names), date as ISO — a gold ``null`` date (the document prints none) is
met only by no date. A field the gold marks ``unreadable`` (a handwritten number) still counts, as a miss.
Review: a wrong field must at least be ``needs_review``; the report counts wrong fields left unflagged (the figure
that must be 0) and right fields flagged (work for staff).

Split words: every word of a text-layer PDF is looked up in the text its source extracted (the ``.txt`` beside it,
read by another tool); a word the source never wrote ("ứ", "Lu", "ật" for "cứ", "Luật") is counted, in pypdf's raw
text and in the parser's text, where the split-diacritic repair has joined them.

Run: ``python -m benchmarks.pdf_identity [--no-ocr]`` (``benchmarks.identity_accuracy`` prints it beside vbpl).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from indexer.build.understand import understand
from indexer.config import OcrSettings
from indexer.errors import NeedsOCR
from indexer.parsing.ocr import ocr_languages
from indexer.parsing.pdf_parser import PdfParser
from indexer.understanding.identity import canonical_number, issuer_key
from indexer.understanding.review import reviews_from_metadata
from indexer.understanding.text import nfc

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("THAMMUU_DATA_DIR", ROOT.parent / "shared" / "data"))
PDFS = DATA / "pdfs"
GOLD = ROOT / "tests" / "data" / "pdf_identity_gold.json"
FIELDS = ("number", "doc_type", "issuer", "issued_date")
_WORD = re.compile(r"[^\W\d_]+")
# Fields right out of 21, measured with this benchmark at commit 8b65d6b (before the gazette wrapper was removed,
# split words joined, consolidated texts and canonical issuers read): with OCR, and from the text layer alone.
BEFORE = {
    "commit": "8b65d6b",
    "ocr": {"number": 17, "doc_type": 19, "issuer": 8, "issued_date": 17},
    "text_layer": {"number": 16, "doc_type": 16, "issuer": 8, "issued_date": 16},
}


@dataclass
class PdfScore:
    """Hits per field over the gazette PDFs, with the misses."""

    hits: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    total: int = 0
    misses: list[tuple[str, str, Any, Any]] = field(default_factory=list)  # (file, field, gold, extracted)
    flagged: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))  # needs_review, any value
    unflagged_misses: list[tuple[str, str]] = field(default_factory=list)  # wrong and not needs_review
    flagged_right: int = 0  # right and needs_review anyway
    ocr: bool = False
    words: int = 0  # words of the text-layer PDFs that have their source's .txt
    unknown_raw: int = 0  # of them, words the source never wrote, in pypdf's raw text
    unknown: int = 0  # … and in the parser's text

    def accuracy(self, name: str) -> float:
        return self.hits[name] / self.total if self.total else 1.0

    @property
    def fields_right(self) -> int:
        return sum(self.hits.values())


def load_gold(path: Path = GOLD) -> dict[str, dict[str, Any]]:
    """File (relative to the pdfs folder) → gold fields and notes."""
    documents: dict[str, dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))["documents"]
    return documents


def _comparable(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name == "number":
        return canonical_number(str(value))
    if name == "issuer":
        return issuer_key(str(value)) or None
    return value


def _unknown_words(text: str, source: set[str]) -> tuple[int, int]:
    words = _WORD.findall(nfc(text))
    return len(words), sum(w.lower() not in source for w in words)


def extract(path: Path, ocr: bool) -> dict[str, Any]:
    """The four identity fields the project reads from one PDF (all None when its pages need OCR it lacks), and
    the split-word counts against the source's ``.txt`` when there is one."""
    out: dict[str, Any] = dict.fromkeys(FIELDS)
    out["needs_review"] = list(FIELDS)
    try:
        parsed = PdfParser(OcrSettings(enabled=ocr)).parse(path)[0]
    except NeedsOCR:
        return out
    doc = understand(parsed, path.name, str(path), "", {})
    out.update({name: getattr(doc.identity, name) for name in FIELDS})
    out["needs_review"] = [name for name, r in reviews_from_metadata(doc.metadata).items() if r.needs_review]
    source_txt = path.with_suffix(".txt")
    if source_txt.exists():
        from pypdf import PdfReader

        source = {w.lower() for w in _WORD.findall(nfc(source_txt.read_text(encoding="utf-8")))}
        layer = [i for i, span in enumerate(parsed.pages) if not span.ocr]  # OCR'd pages are not the text layer
        pages = PdfReader(str(path)).pages
        raw = "\n".join(pages[i].extract_text() or "" for i in layer)
        ours = "\n".join(parsed.text[parsed.pages[i].start : parsed.pages[i].end] for i in layer)
        out["words"], out["unknown_raw"] = _unknown_words(raw, source)
        out["unknown"] = _unknown_words(ours, source)[1]
    return out


def _extract_one(args: tuple[str, bool]) -> dict[str, Any]:
    return extract(Path(args[0]), args[1])


def evaluate(gold: dict[str, dict[str, Any]] | None = None, ocr: bool = True, folder: Path = PDFS) -> PdfScore:
    """Per-field hits over the gold PDFs, parsed in parallel (pypdf is CPU-bound)."""
    gold = load_gold() if gold is None else gold
    score = PdfScore(ocr=ocr and ocr_languages(OcrSettings()) is not None)
    names = sorted(gold)
    jobs = [(str(folder / name), score.ocr) for name in names]
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        found = list(pool.map(_extract_one, jobs))
    for name, got in zip(names, found, strict=True):
        score.total += 1
        score.words += got.get("words", 0)
        score.unknown_raw += got.get("unknown_raw", 0)
        score.unknown += got.get("unknown", 0)
        for f in FIELDS:
            expected, value = _comparable(f, gold[name].get(f)), _comparable(f, got[f])
            doubted = f in got["needs_review"]
            score.flagged[f] += doubted
            if expected == value:
                score.hits[f] += 1
                score.flagged_right += doubted
            else:
                score.misses.append((name, f, gold[name].get(f), got[f]))
                if not doubted:
                    score.unflagged_misses.append((name, f))
    return score


def report(score: PdfScore) -> str:
    """Markdown: the per-field table and the misses."""
    reading = "text layer + OCR (Tesseract)" if score.ocr else "text layer only (OCR off or no Tesseract: scans unread)"
    before = BEFORE["ocr" if score.ocr else "text_layer"]
    assert isinstance(before, dict)
    rows = [
        f"Gazette PDFs: {score.total} documents, {reading}; {score.fields_right}/{score.total * len(FIELDS)} fields "
        f"(before, at commit {BEFORE['commit']}: {sum(before.values())}).",
        "",
        f"| field | correct | documents | accuracy | before ({BEFORE['commit']}) |",
        "|---|---:|---:|---:|---:|",
    ]
    rows += [
        f"| {f} | {score.hits[f]} | {score.total} | {score.accuracy(f):.2%} | {before[f]}/{score.total} |"
        for f in FIELDS
    ]
    rows += [
        "",
        f"Split words (text-layer pages, {score.words} words): words their source's `.txt` never wrote, "
        f"{score.unknown_raw} in pypdf's raw text ({score.unknown_raw / max(1, score.words):.2%}), "
        f"{score.unknown} in the parser's text ({score.unknown / max(1, score.words):.2%}).",
        "",
        f"Review: {len(score.misses) - len(score.unflagged_misses)} of {len(score.misses)} wrong fields are "
        f"`needs_review` ({len(score.unflagged_misses)} wrong and unflagged); {score.flagged_right} of "
        f"{score.fields_right} right fields are flagged too (needs_review per field: "
        + ", ".join(f"{f} {score.flagged[f]}" for f in FIELDS)
        + ").",
    ]
    if score.unflagged_misses:
        rows.append("\n**Wrong and not flagged**: " + "; ".join(f"{n} {f}" for n, f in score.unflagged_misses))
    if score.misses:
        rows.append("\n**PDF misses** (file, field: gold → extracted)")
        rows += [f"- {name}, {f}: {exp!r} → {got!r}" for name, f, exp, got in score.misses]
    return "\n".join(rows) + "\n"


def as_json(score: PdfScore) -> dict[str, Any]:
    """The figures as plain data."""
    return {
        "documents": score.total,
        "ocr": score.ocr,
        "fields": {f: {"correct": score.hits[f], "accuracy": score.accuracy(f)} for f in FIELDS},
        "fields_right": score.fields_right,
        "split_words": {"words": score.words, "unknown_raw": score.unknown_raw, "unknown": score.unknown},
        "before": BEFORE,
        "misses": [{"file": n, "field": f, "gold": g, "extracted": e} for n, f, g, e in score.misses],
        "review": {
            "flagged": score.flagged,
            "wrong_unflagged": [{"file": n, "field": f} for n, f in score.unflagged_misses],
            "right_flagged": score.flagged_right,
        },
    }


def main() -> None:
    """Command-line entry: print the table and the misses."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-ocr", action="store_true", help="read the text layer only")
    args = parser.parse_args()
    sys.stdout.write(report(evaluate(ocr=not args.no_ocr)))


if __name__ == "__main__":
    main()
