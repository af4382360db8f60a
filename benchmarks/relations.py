"""Relations, effective dates and validity on the real vbpl documents, against the page metadata.

The extractors see only each record's text, its own number (``so_hieu``, to leave out self-references) and its
date of issue (``ngay_ban_hanh``, for "kể từ ngày ký"); the page metadata is the gold:

- relations: counts by kind, and how many point at another document of the set (resolved by number key);
- effective dates against ``ngay_co_hieu_luc`` (dd/mm/yyyy), among the documents whose text states one (a "…
  này có hiệu lực … từ …/sau … ngày" sentence; a blank "từ ngày tháng năm 2025" states none). Gold judged wrong
  is listed, not counted, and the raw figure printed too: a gold date before the page's own date of issue (the
  year mistyped: "01/02/2025" for a circular issued in December 2025 that says 01/02/2026);
- validity on the crawl day (2026-04-26) against ``tinh_trang_hieu_luc``, with the relations resolved into an
  in-memory graph over the set: "Còn hiệu lực" is right for in_force or partly_amended, "Chưa có hiệu lực" for
  not_yet_in_force, "Hết hiệu lực một phần" (reported only) for partly_amended.

Run: ``python -m benchmarks.relations [--data DIR] [--json]``; writes ``benchmarks/results/relations.md``/``.json``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from indexer.understanding.effective_dates import DocumentDates, extract_dates
from indexer.understanding.numbers import number_key
from indexer.understanding.relations import Relation, RelationKind, extract_relations
from indexer.understanding.text import nfc
from indexer.understanding.validity import IncomingRelation, Validity, ValidityStatus, validity_as_of

logger = logging.getLogger(__name__)

DATA = Path(os.environ.get("THAMMUU_DATA_DIR", Path(__file__).resolve().parents[2] / "shared" / "data"))
RESULTS = Path(__file__).parent / "results"
AS_OF = date(2026, 4, 26)  # the crawl day of the set
ACCEPTED: dict[str, set[Validity]] = {
    "Còn hiệu lực": {Validity.IN_FORCE, Validity.PARTLY_AMENDED},
    "Chưa có hiệu lực": {Validity.NOT_YET_IN_FORCE},
    "Hết hiệu lực một phần": {Validity.PARTLY_AMENDED},
}
SCORED = ("Còn hiệu lực", "Chưa có hiệu lực")  # the statuses the goal is measured on
_STATED = re.compile(
    r"(?m)(?:\bnày|^[\d.\s]*(?:Thông tư|Nghị định|Nghị quyết|Quyết định|Luật))\s+có hiệu lực(?: thi hành)?\s*"
    r"(?:kể\s+)?(?:từ|sau)\s+(?:ngày\s+)?(?:\d|ký|ban hành|thông qua|được thông qua)"
)


@dataclass
class Analysed:
    """One record with what the extractors found in its text."""

    record: dict[str, Any]
    text: str  # NFC
    relations: list[Relation]
    dates: DocumentDates

    @property
    def doc_id(self) -> str:
        return str(self.record["id"])


@dataclass
class DateScore:
    """Effective dates against the metadata."""

    exact: int = 0
    stated: int = 0
    total: int = 0
    raw_exact: int = 0
    raw_stated: int = 0
    misses: list[tuple[str, str, str | None]] = field(default_factory=list)
    gold_errors: list[tuple[str, str, str | None]] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.exact / self.stated if self.stated else 1.0


def load_records(path: Path) -> list[dict[str, Any]]:
    """The records of a vbpl JSONL file."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def analyse(records: Iterable[dict[str, Any]]) -> list[Analysed]:
    """Relations and dates of every record, from its text, own number and date of issue."""
    out = []
    for r in records:
        text = nfc(str(r.get("text") or ""))  # the form the index stores and the extractors expect
        rels = extract_relations(text, r.get("so_hieu"))
        out.append(Analysed(r, text, rels, extract_dates(text, r.get("ngay_ban_hanh"))))
    return out


def _iso(dmy: str | None) -> str | None:
    m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", (dmy or "").strip())
    return f"{m.group(3)}-{int(m.group(2)):02d}-{int(m.group(1)):02d}" if m else None


def date_score(docs: list[Analysed]) -> DateScore:
    """Exact effective dates among the documents whose text states one and whose page gives one."""
    score = DateScore(total=len(docs))
    for a in docs:
        gold = _iso(a.record.get("ngay_co_hieu_luc"))
        if gold is None or not _STATED.search(a.text):
            continue
        got = a.dates.effective_date
        score.raw_stated += 1
        score.raw_exact += got == gold
        issued = a.record.get("ngay_ban_hanh")
        if issued and gold < issued and got != gold:
            score.gold_errors.append((a.doc_id, gold, got))
            continue
        score.stated += 1
        if got == gold:
            score.exact += 1
        else:
            score.misses.append((a.doc_id, gold, got))
    return score


def build_graph(docs: list[Analysed]) -> tuple[dict[str, list[IncomingRelation]], int]:
    """Incoming relations per document id, resolved by number key over the set; and how many relations resolved."""
    by_key: dict[str, list[Analysed]] = defaultdict(list)
    for a in docs:
        if a.record.get("so_hieu"):
            by_key[number_key(str(a.record["so_hieu"]))].append(a)
    incoming: dict[str, list[IncomingRelation]] = defaultdict(list)
    resolved = 0
    for a in docs:
        source_effective = a.dates.effective_date or a.record.get("ngay_ban_hanh")
        for rel in a.relations:
            targets = [t for t in by_key.get(rel.target_key, []) if t.doc_id != a.doc_id]
            resolved += bool(targets)
            for t in targets:
                incoming[t.doc_id].append(
                    IncomingRelation(
                        rel.kind, a.doc_id, a.record.get("so_hieu"), source_effective, rel.sentence, rel.scope
                    )
                )
    return incoming, resolved


def validity(docs: list[Analysed], as_of: date = AS_OF) -> dict[str, ValidityStatus]:
    """Each document's status on ``as_of`` from its own dates and the graph over the set."""
    incoming, _ = build_graph(docs)
    return {
        a.doc_id: validity_as_of(a.dates.effective_date, a.dates.expiry_date, incoming.get(a.doc_id, []), as_of)
        for a in docs
    }


def validity_score(docs: list[Analysed], statuses: dict[str, ValidityStatus]) -> dict[str, dict[str, Any]]:
    """Per gold status: documents, correct, accuracy and the confusion (predicted status → count)."""
    out: dict[str, dict[str, Any]] = {}
    for gold, accepted in ACCEPTED.items():
        rows = [a for a in docs if a.record.get("tinh_trang_hieu_luc") == gold]
        confusion = Counter(statuses[a.doc_id].status.value for a in rows)
        correct = sum(statuses[a.doc_id].status in accepted for a in rows)
        misses = [(a.doc_id, statuses[a.doc_id].reason) for a in rows if statuses[a.doc_id].status not in accepted]
        out[gold] = {
            "documents": len(rows),
            "correct": correct,
            "accuracy": correct / len(rows) if rows else 1.0,
            "predicted": dict(confusion),
            "misses": misses,
        }
    return out


def english_dates(path: Path) -> dict[str, int] | None:
    """Effective dates of the English translations (no page date of issue: the title's "No. … of <date>" serves);
    "… days after its publication in CONG BAO" cannot be dated from the text and is counted apart."""
    if not path.exists():
        return None
    out = {"exact": 0, "with_gold": 0, "publication_based": 0}
    for r in load_records(path):
        gold = _iso(r.get("ngay_co_hieu_luc"))
        if gold is None:
            continue
        dates = extract_dates(nfc(str(r.get("text") or "")), r.get("ngay_ban_hanh"))
        out["with_gold"] += 1
        out["exact"] += dates.effective_date == gold
        out["publication_based"] += bool(dates.effective_sentence and "publication" in dates.effective_sentence)
    return out


def evaluate(path: Path) -> dict[str, Any]:
    """Every figure of the benchmark over one vbpl JSONL file."""
    docs = analyse(load_records(path))
    _, resolved = build_graph(docs)
    kinds = Counter(rel.kind.value for a in docs for rel in a.relations)
    dates = date_score(docs)
    scores = validity_score(docs, validity(docs))
    scored = [scores[g] for g in SCORED]
    from benchmarks.metrics import machine_label  # imports the evaluation runner: only for a full run

    return {
        "machine": machine_label(),
        "data": path.name,
        "documents": len(docs),
        "as_of": AS_OF.isoformat(),
        "relations": {k.value: kinds.get(k.value, 0) for k in RelationKind},
        "relations_total": sum(kinds.values()),
        "relations_resolved": resolved,
        "dates": {**asdict(dates), "accuracy": dates.accuracy},
        "expiry_dates": sum(1 for a in docs if a.dates.expiry_date),
        "english_dates": english_dates(path.with_name("vbpl_en_translations.jsonl")),
        "validity": scores,
        "validity_scored_accuracy": sum(s["correct"] for s in scored) / max(1, sum(s["documents"] for s in scored)),
    }


def _english(en: dict[str, int] | None) -> list[str]:
    if not en:
        return []
    return [
        f"English translations (`vbpl_en_translations.jsonl`): {en['exact']} of {en['with_gold']} exact; "
        f'{en["publication_based"]} say "… days after its publication in CONG BAO", a date the text cannot give.',
        "",
    ]


def report(result: dict[str, Any], misses: int = 40) -> str:
    """The markdown report."""
    d, v = result["dates"], result["validity"]
    lines = [
        "# Relations, effective dates and validity on vbpl",
        "",
        f"- machine: {result['machine']}",
        f"- data: {result['documents']} documents (`{Path(result['data']).name}`); validity as of {result['as_of']}",
        "- command: `python -m benchmarks.relations`",
        "",
        "| relation kind | count |",
        "|---|---:|",
        *[f"| {k} | {n} |" for k, n in result["relations"].items()],
        f"| **all** | {result['relations_total']} (to a document of the set: {result['relations_resolved']}) |",
        "",
        "| effective date | exact | stated (gold given) | accuracy | gold judged wrong | raw (all gold as given) |",
        "|---|---:|---:|---:|---:|---:|",
        f"| `ngay_co_hieu_luc` | {d['exact']} | {d['stated']} | {d['accuracy']:.2%} | {len(d['gold_errors'])} |"
        f" {d['raw_exact']}/{d['raw_stated']} = {d['raw_exact'] / max(1, d['raw_stated']):.2%} |",
        "",
        f"Documents with an expiry date of their own: {result['expiry_dates']} of {d['total']}.",
        "",
        *_english(result.get("english_dates")),
        "| gold status | documents | correct | accuracy | predicted |",
        "|---|---:|---:|---:|---|",
        *[
            f"| {g} | {s['documents']} | {s['correct']} | {s['accuracy']:.2%} | "
            + ", ".join(f"{k} {n}" for k, n in sorted(s["predicted"].items()))
            + " |"
            for g, s in v.items()
        ],
        f"| **{' + '.join(SCORED)}** | | | {result['validity_scored_accuracy']:.2%} | |",
        "",
        "**Effective-date misses** (id: gold → extracted)",
        *[f"- {i}: {g} → {e}" for i, g, e in d["misses"][:misses]],
        "",
        "**Gold judged wrong** (id: gold → extracted)",
        *[f"- {i}: {g} → {e}" for i, g, e in d["gold_errors"][:misses]],
        "",
        "**Validity misses** (id: reason)",
        *[f"- {g}: {i}: {r}" for g in SCORED for i, r in v[g]["misses"][:misses]],
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    """Command-line entry: evaluate, write the results, print the report (or the JSON)."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA, help="the shared data folder (holds vbpl/)")
    parser.add_argument("--json", action="store_true", help="print the JSON result instead of the report")
    args = parser.parse_args()
    path = args.data / "vbpl" / "vbpl_vi_docs.jsonl" if args.data.is_dir() else args.data
    result = evaluate(path)
    RESULTS.mkdir(parents=True, exist_ok=True)
    text = report(result)
    (RESULTS / "relations.md").write_text(text, encoding="utf-8")
    (RESULTS / "relations.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    logger.info("wrote %s and %s", RESULTS / "relations.md", RESULTS / "relations.json")
    sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=2) + "\n" if args.json else text)


if __name__ == "__main__":
    main()
