"""What partitioning the lexical index by classification level costs: size, write time, query latency.

The shipped store keeps one FTS5 table per level (table *L* indexes every passage of level ≤ *L*), so that no
caller's BM25 scores depend on passages above its clearance. The baseline, run in the same process over the same
passages, is the single-table layout (every passage in one table, as before the partition). Vectors are random:
only the lexical side is measured, so no model is loaded.

    python -m benchmarks.lexical_partitions [--limit N] [--out benchmarks/results/lexical_partitions.md]
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchmarks.metrics import machine_label
from indexer.config import Settings
from indexer.models import Chunk, Classification, Document, DocumentIdentity
from indexer.storage import sqlite_lexical
from indexer.storage.filters import SearchFilter
from indexer.storage.sqlite_store import SQLiteStore
from indexer.understanding.text import tokenize

logger = logging.getLogger(__name__)

Item = tuple[Document, str, list[Chunk], list[str], np.ndarray]


@dataclass
class Layout:
    """One store built and queried."""

    name: str
    seconds: float
    megabytes: float
    p50_ms: float
    top10: list[list[int]]


def load_articles(corpus: Path, limit: int) -> list[tuple[str, str]]:
    """(id, text) of the first ``limit`` ALQAC articles."""
    out = []
    with corpus.open(encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            out.append((str(record["_id"]), f"{record.get('title', '')}\n{record['text']}"))
            if len(out) >= limit:
                break
    return out


def items(articles: list[tuple[str, str]], levels: list[Classification]) -> list[Item]:
    rng = np.random.default_rng(0)
    out: list[Item] = []
    for i, (doc_id, text) in enumerate(articles):
        level = levels[i % len(levels)]
        doc = Document(doc_id, f"/alqac/{i}", "h", text, DocumentIdentity(classification=level))
        chunk = Chunk(doc_id=doc_id, ordinal=0, text=text, embed_text=text, char_end=len(text))
        vec = rng.standard_normal((1, 8)).astype(np.float32)
        out.append((doc, "/alqac", [chunk], [f"e{i}"], vec / np.linalg.norm(vec)))
    return out


@contextmanager
def single_table() -> Iterator[None]:
    """The baseline layout: every passage goes into one FTS5 table (the top level's), none into the others."""
    saved = sqlite_lexical.LEVELS
    sqlite_lexical.LEVELS = (saved[-1],)
    try:
        yield
    finally:
        sqlite_lexical.LEVELS = saved


def build_and_query(
    name: str, data: list[Item], queries: list[list[str]], flt: SearchFilter, folder: Path, repeats: int = 3
) -> Layout:
    path = folder / f"{name}.sqlite"
    store = SQLiteStore(path)
    t0 = time.perf_counter()
    for i in range(0, len(data), 256):  # the pipeline's batches
        store.write_documents(data[i : i + 256])
    seconds = time.perf_counter() - t0
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = path.stat().st_size / 1e6
    top10 = [[c for c, _ in store.lexical_search(q, flt, 10, bigrams=True)] for q in queries]
    times = []
    for _ in range(repeats):
        for q in queries:
            t = time.perf_counter()
            store.lexical_search(q, flt, 100, bigrams=True)
            times.append((time.perf_counter() - t) * 1000)
    store.close()
    return Layout(name, seconds, size, statistics.median(times), top10)


def run(limit: int = 2249) -> dict[str, object]:
    """Both layouts over the same passages, all unclassified (the ALQAC case) and mixed levels."""
    data_dir = Settings().data_dir / "alqac-2023"
    articles = load_articles(data_dir / "corpus.jsonl", limit)
    with (data_dir / "queries_train.jsonl").open(encoding="utf-8") as fh:
        queries = [tokenize(json.loads(line)["text"]) for line in fh]
    public = SearchFilter(max_classification=Classification.UNCLASSIFIED)
    scenarios = {
        "all unclassified": [Classification.UNCLASSIFIED],
        "mixed (70 % unclassified, 10 % each level)": [Classification.UNCLASSIFIED] * 7
        + [Classification.MAT, Classification.TOI_MAT, Classification.TUYET_MAT],
    }
    rows = []
    with tempfile.TemporaryDirectory(prefix="thammuu-lexparts-") as tmp:
        folder = Path(tmp)
        for label, levels in scenarios.items():
            data = items(articles, levels)
            partitioned = build_and_query(f"{label}-partitioned", data, queries, public, folder)
            with single_table():
                # One table has no per-level statistics: an unclassified caller is filtered inside it (the old way).
                single = build_and_query(f"{label}-single", data, queries, SearchFilter(), folder)
            rows.append(
                {
                    "scenario": label,
                    "passages": len(data),
                    "size_mb": (partitioned.megabytes, single.megabytes),
                    "write_s": (partitioned.seconds, single.seconds),
                    "query_p50_ms": (partitioned.p50_ms, single.p50_ms),
                    "same_top10": partitioned.top10 == single.top10 if len(levels) == 1 else None,
                }
            )
            logger.info("%s: %s", label, rows[-1])
    return {"machine": machine_label(), "queries": len(queries), "rows": rows}


def to_markdown(result: dict[str, object]) -> str:
    lines = [
        "# Lexical index partitioned by classification level: the cost",
        "",
        f"- machine: {result['machine']}; {result['queries']} ALQAC train queries, lexical only, k = 100, bigrams on",
        "- command: `python -m benchmarks.lexical_partitions`; baseline: one FTS5 table, same run, same passages",
        "",
        "| scenario | passages | store MB (partitioned / one table) | ratio | write s | ratio |"
        " query p50 ms | ratio | same top-10 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in result["rows"]:  # type: ignore[attr-defined]
        size, write, query = r["size_mb"], r["write_s"], r["query_p50_ms"]
        same = {True: "yes", False: "NO", None: "–"}[r["same_top10"]]
        lines.append(
            f"| {r['scenario']} | {r['passages']} | {size[0]:.1f} / {size[1]:.1f} | {size[0] / size[1]:.2f}× |"
            f" {write[0]:.1f} / {write[1]:.1f} | {write[0] / write[1]:.2f}× | {query[0]:.2f} / {query[1]:.2f} |"
            f" {query[0] / query[1]:.2f}× | {same} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=2249, help="ALQAC articles (default: all 2,249).")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/lexical_partitions.md"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    result = run(args.limit)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(to_markdown(result), encoding="utf-8")
    args.out.with_suffix(".json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    logger.info("written %s", args.out)


if __name__ == "__main__":
    main()
