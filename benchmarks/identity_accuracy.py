"""Identity extraction accuracy on the real vbpl documents: number, type, issuer and date against page metadata.

The extractor sees only each record's ``id`` and ``text``; the page metadata is the gold. Comparison rules:
- number: both sides through ``canonical_number`` (spaces, case, Cyrillic look-alikes).
- type: exact string.
- issuer: both sides through ``canonical_issuer`` (the one name facets count: "UỶ BAN …" and "ỦY BAN …" alike, a
  misspelt "ĐÀO TÀO" read as the body it names) and ``issuer_key`` (upper-case, one tone placement, text after the
  motto, "Số …" or rule lines cut off: the page field sometimes swallows them).
- date: ISO string.
Gold judged wrong is not counted but listed (and the raw figure, all gold as given, is printed too):
- a number without code letters ("06/2026", "51", "65/"): the page field was truncated;
- an issuer that starts with a document type ("THÔNG TƯ Quy định …"): the page had no header block and the
  field holds the title;
- a date that is not a calendar date (2024-12-32) or that the text gives only for a cited document
  ("Căn cứ Luật … ngày 29 tháng 6 năm 2006") while the header says otherwise or nothing;
- the type of a consolidated text (its authentication block "XÁC THỰC VĂN BẢN HỢP NHẤT … Số: 07/VBHN-BXD"): the
  page gives the type of the act it consolidates.

The gazette PDFs (``benchmarks.pdf_identity``: the project's own PDF parser on the 20 Công báo PDFs and the scan,
against hand-checked gold) are measured beside them, and both go to ``benchmarks/results/identity.md``/``.json``
with the machine label.

Run: ``python -m benchmarks.identity_accuracy [--misses N] [--no-pdfs] [--no-ocr]``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from indexer.understanding.consolidated import read_consolidation
from indexer.understanding.doctypes import doc_type_from_line
from indexer.understanding.identity import canonical_number, identify, issuer_key
from indexer.understanding.issuers import canonical_issuer

DATA = Path(os.environ.get("THAMMUU_DATA_DIR", Path(__file__).resolve().parents[2] / "shared" / "data"))
VBPL = DATA / "vbpl" / "vbpl_vi_docs.jsonl"
RESULTS = Path(__file__).parent / "results"
ROOT = Path(__file__).resolve().parents[1]
FIELDS = ("number", "doc_type", "issuer", "issued_date")
GOLD_KEYS = {
    "number": "so_hieu",
    "doc_type": "loai_van_ban",
    "issuer": "co_quan_ban_hanh",
    "issued_date": "ngay_ban_hanh",
}


@dataclass
class Score:
    """Hits and misses of one field."""

    hits: int = 0
    total: int = 0
    misses: list[tuple[str, str | None, str | None]] = field(default_factory=list)
    gold_errors: list[tuple[str, str | None, str | None]] = field(default_factory=list)
    raw_hits: int = 0
    raw_total: int = 0

    @property
    def accuracy(self) -> float:
        return self.hits / self.total if self.total else 1.0


def _cited_only(text: str, iso: str) -> bool:
    """True when the date occurs in the text only inside references to other documents, or not at all."""
    try:
        y, m, d = (int(x) for x in iso.split("-"))
        date(y, m, d)
    except ValueError:
        return True
    pattern = re.compile(rf"ngày\s+0?{d}\s*(?:tháng|/)\s*0?{m}\s*(?:năm|/)\s*{y}")
    lines = [line for line in text.splitlines() if pattern.search(line)]
    return all(re.match(r"\s*(Căn cứ|Thông tư số|Nghị định số|Luật)", line) or " số " in line for line in lines)


def gold(record: dict[str, object]) -> tuple[dict[str, str | None], dict[str, str]]:
    """Gold values in comparison form, and the gold values judged wrong (field → raw value)."""
    text = str(record["text"])
    raw = {k: (str(record[k]).strip() if record.get(k) else None) for k in GOLD_KEYS.values()}
    out = {f: raw[k] for f, k in GOLD_KEYS.items()}
    wrong: dict[str, str] = {}
    if out["number"] is not None:
        if re.search(r"[A-Za-zĐđ]", out["number"]):
            out["number"] = canonical_number(out["number"])
        else:
            wrong["number"] = out["number"]
    if out["issuer"] is not None:
        if doc_type_from_line(out["issuer"].split()[0] + " " + out["issuer"].split()[-1]) or re.match(
            r"(THÔNG TƯ|NGHỊ ĐỊNH|QUYẾT ĐỊNH|NGHỊ QUYẾT|LUẬT)\b", out["issuer"]
        ):
            wrong["issuer"] = out["issuer"]
        out["issuer"] = issuer_key(canonical_issuer(out["issuer"]))
    if out["issued_date"] is not None and _cited_only(text, out["issued_date"]):
        wrong["issued_date"] = out["issued_date"]
    consolidation = read_consolidation(text)
    if out["doc_type"] is not None and consolidation and consolidation.number and out["doc_type"] != "Văn bản hợp nhất":
        wrong["doc_type"] = out["doc_type"]
    for f in wrong:
        out[f] = None
    return out, wrong


def evaluate(path: Path = VBPL) -> dict[str, Score]:
    """Scores per field over every record of a vbpl JSONL file."""
    scores = {f: Score() for f in FIELDS}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            ident = identify(record["text"], {})
            predicted = {
                "number": ident.number,
                "doc_type": ident.doc_type,
                "issuer": issuer_key(ident.issuer) or None,
                "issued_date": ident.issued_date,
            }
            expected_all, wrong = gold(record)
            for f, bad in wrong.items():
                scores[f].gold_errors.append((str(record["id"]), bad, predicted[f]))
                scores[f].raw_total += 1
            for f, expected in expected_all.items():
                if expected is None:
                    continue
                score = scores[f]
                score.raw_total += 1
                score.raw_hits += predicted[f] == expected
                score.total += 1
                if predicted[f] == expected:
                    score.hits += 1
                else:
                    score.misses.append((str(record["id"]), expected, predicted[f]))
    return scores


def report(scores: dict[str, Score], misses: int) -> str:
    """A markdown table of the four accuracies followed by the misses."""
    rows = [
        "| field | correct | with gold | accuracy | gold judged wrong | raw accuracy (all gold as given) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for f, s in scores.items():
        raw = s.raw_hits / s.raw_total if s.raw_total else 1.0
        rows.append(f"| {f} | {s.hits} | {s.total} | {s.accuracy:.2%} | {len(s.gold_errors)} | {raw:.2%} |")
    for f, s in scores.items():
        if s.misses:
            rows.append(f"\n**{f} misses** (id: gold → extracted)")
            rows += [f"- {doc}: {exp!r} → {got!r}" for doc, exp, got in s.misses[:misses]]
        if s.gold_errors:
            rows.append(f"\n**{f} gold judged wrong** (id: gold → extracted)")
            rows += [f"- {doc}: {exp!r} → {got!r}" for doc, exp, got in s.gold_errors[:misses]]
    return "\n".join(rows) + "\n"


def as_json(scores: dict[str, Score]) -> dict[str, Any]:
    """The vbpl figures as plain data."""
    return {
        f: {
            "correct": s.hits,
            "with_gold": s.total,
            "accuracy": s.accuracy,
            "gold_judged_wrong": len(s.gold_errors),
            "raw_accuracy": s.raw_hits / s.raw_total if s.raw_total else 1.0,
            "misses": s.misses,
        }
        for f, s in scores.items()
    }


def main() -> None:
    """Command-line entry: both benchmarks, printed and written to ``benchmarks/results/identity.md``/``.json``."""
    from benchmarks import pdf_identity
    from benchmarks.metrics import machine_label  # imports the evaluation runner: only for a full run

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=VBPL)
    parser.add_argument("--misses", type=int, default=50)
    parser.add_argument("--no-pdfs", action="store_true", help="only the vbpl documents (printed, not recorded)")
    parser.add_argument("--no-ocr", action="store_true", help="gazette PDFs from their text layer only")
    args = parser.parse_args()
    scores = evaluate(args.data)
    machine = machine_label()
    text = (
        f"# Identity extraction accuracy\n\n- machine: {machine}\n"
        "- command: `python -m benchmarks.identity_accuracy`\n\n"
        f"## vbpl: {args.data.name} (page metadata as gold)\n\n{report(scores, args.misses)}"
    )
    result: dict[str, Any] = {"machine": machine, "vbpl": as_json(scores)}
    if not args.no_pdfs and pdf_identity.PDFS.exists():
        pdfs = pdf_identity.evaluate(ocr=not args.no_ocr)
        text += f"\n## Gazette PDFs (hand-checked gold, `{pdf_identity.GOLD.relative_to(ROOT)}`)\n\n"
        text += pdf_identity.report(pdfs)
        result["pdfs"] = pdf_identity.as_json(pdfs)
        RESULTS.mkdir(parents=True, exist_ok=True)  # only a full run replaces the recorded results
        (RESULTS / "identity.md").write_text(text, encoding="utf-8")
        (RESULTS / "identity.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", "utf-8")
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
