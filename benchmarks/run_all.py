"""Runs every benchmark and writes ``benchmarks/results/latest.md`` (tables, command and machine label).

``python -m benchmarks.run_all`` (full corpus, ~25 min on 2 cores) or ``--limit N`` for a quick throughput run.
"""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import eval_retrieval, index_throughput
from benchmarks.metrics import machine_label
from indexer.config import Settings

logger = logging.getLogger(__name__)

RESULTS = Path(__file__).parent / "results" / "latest.md"


def main(argv: list[str] | None = None) -> Path:
    """Run throughput then retrieval quality; write the Markdown report and return its path."""
    settings = Settings()
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=settings.data_dir, help="Folder holding the public data sets.")
    ap.add_argument("--limit", type=int, default=0, help="Throughput on the first N ALQAC articles (0 = all).")
    ap.add_argument(
        "--skip-throughput",
        action="store_true",
        help="Do not measure throughput again; report the figures saved by earlier runs (var/bench/throughput*.json).",
    )
    ap.add_argument("--out", type=Path, default=RESULTS, help="Markdown report to write.")
    ap.add_argument("--note", action="append", default=[], help="A line to add under the header (repeatable).")
    args = ap.parse_args(argv)
    command = "python -m benchmarks.run_all " + " ".join(argv if argv is not None else sys.argv[1:])
    parts = [
        "# Benchmark results",
        "",
        f"- date: {datetime.now(UTC).isoformat(timespec='minutes')}",
        f"- machine: {machine_label()}",
        f"- command: `{command.strip()}`",
        f"- search defaults: `{settings.search.model_dump()}`",
        *[f"- note: {n}" for n in args.note],
        "",
    ]
    if not args.skip_throughput:
        limit = ["--limit", str(args.limit)] if args.limit else []
        result = index_throughput.main(["--data", str(args.data), *limit])
        parts += ["## Indexing throughput (ALQAC-2023 corpus)", "", result.to_markdown()]
    else:
        for path in sorted(Path("var/bench").glob("throughput*.json")):
            saved = index_throughput.ThroughputResult.from_json(path)
            parts += [f"## Indexing throughput (ALQAC-2023, saved in {path})", "", saved.to_markdown()]
    quality = eval_retrieval.main(["--data", str(args.data), "--experiments"])
    parts += ["## Retrieval quality (train questions)", "", quality]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(parts), encoding="utf-8")
    logger.info("wrote %s", args.out)
    return args.out


if __name__ == "__main__":
    main()
