"""The benchmark suite's one entry point: writes ``benchmarks/results/latest.md`` (and ``latest.json``).

A summary table comes first (quality per dataset and mode; throughput, re-index cost, query latency, peak RSS
and index size, each with its ratio to the baseline measured in the same run), then the detailed sections, the
machine label, the date and the exact command.

Full run (about an hour on 2 cores): ``python -m benchmarks.run_all``. Quick check of every part:
``python -m benchmarks.run_all --limit 30 --queries 20 --requests 16 --out /tmp/bench.md``.

Baselines: indexing throughput against the raw encoder on the same passages; API latency against the raw
in-process query (embed + lexical + vector) on the same index and questions; peak RSS against a fresh process
that only loads the embedding model. Quality uses ``indexer.evaluation.runner.evaluate`` on the prebuilt indexes
``var/bench/alqac`` and ``var/bench/scifact`` (reused when they hold the same corpus).
"""

from __future__ import annotations

import argparse
import json
import logging
import shlex
import sys
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import footprint, index_throughput, load
from benchmarks.footprint import Footprint
from benchmarks.index_throughput import ThroughputResult
from benchmarks.load import LoadResult
from benchmarks.metrics import load_queries, machine_label
from indexer.config import Settings

logger = logging.getLogger(__name__)

RESULTS = Path(__file__).parent / "results" / "latest.md"
BENCH = Path("var/bench")
DATASETS = {"alqac": "alqac-2023", "scifact": "scifact"}  # name → folder under the data dir
MODES = ("hybrid", "lexical", "dense")


@dataclass
class Report:
    """Everything one run measured; parts skipped stay empty."""

    quality: list[Any] = field(default_factory=list)  # indexer.evaluation.runner.EvalResult
    throughput: ThroughputResult | None = None
    throughput_source: str = ""
    load: LoadResult | None = None
    footprint: Footprint | None = None
    experiments: str = ""


def _ratio(value: float, baseline: float) -> str:
    return f"{value / baseline:.2f}×" if baseline else "–"


def quality_table(results: list[Any]) -> str:
    """One row per dataset and mode."""
    lines = [
        "| dataset | mode | questions | passages | nDCG@10 | R@10 | R@100 | MRR@10 | p50 ms | p95 ms |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {r.dataset} | {r.mode} | {r.queries} | {r.passages} | {r.ndcg_at_10:.3f} | {r.recall_at_10:.3f} | "
        f"{r.recall_at_100:.3f} | {r.mrr_at_10:.3f} | {r.latency_p50_ms:.1f} | {r.latency_p95_ms:.1f} |"
        for r in results
    ]
    return "\n".join(lines) + "\n"


def performance_rows(report: Report) -> list[tuple[str, str, str, str]]:
    """(measure, value, ratio, baseline) rows of the summary; a skipped part gets one 'not measured' row."""
    rows: list[tuple[str, str, str, str]] = []
    tp = report.throughput
    if tp is not None:
        base = "raw encoder"
        scope = f"{tp.articles} ALQAC articles, {tp.passages} passages"
        rows += [
            (f"indexing: raw encoder ({scope})", f"{tp.raw_rate:.2f} passages/s", "1.00×", base),
            (
                "indexing: pipeline, fresh index",
                f"{tp.pipeline_rate:.2f} passages/s",
                _ratio(tp.pipeline_rate, tp.raw_rate),
                base,
            ),
            (
                "re-index of the unchanged corpus",
                f"{tp.reindex_seconds:.2f} s ({100 * tp.reindex_seconds / tp.pipeline_seconds:.2f} % of the build)",
                _ratio(tp.reindex_seconds, tp.pipeline_seconds),
                "fresh build",
            ),
        ]
    else:
        rows.append(("indexing throughput / re-index", "not measured", "–", "–"))
    ld = report.load
    if ld is not None:
        base = "raw in-process query p50"
        rows.append(
            ("query latency: raw in-process p50 / p95", f"{ld.raw_p50:.1f} / {ld.raw_p95:.1f} ms", "1.00×", base)
        )
        for clients, _, p50, p95, rate, errors in ld.levels:
            err = f", {errors} errors" if errors else ""
            rows.append(
                (
                    f"query latency: API, {clients} client{'s' if clients > 1 else ''} p50 / p95",
                    f"{p50:.1f} / {p95:.1f} ms ({rate:.2f} req/s{err})",
                    _ratio(p50, ld.raw_p50),
                    base,
                )
            )
    else:
        rows.append(("query latency raw vs API", "not measured", "–", "–"))
    fp = report.footprint
    if fp is not None:
        for label, mb, ratio, end in fp.rss_rows():
            at_end = "" if end is None else f" ({end:,.0f} MB at the end, {fp.end_ratio(end)})"
            value = "–" if mb is None else f"{mb:,.0f} MB{at_end}"
            rows.append((f"peak RSS: {label}", value, ratio, "model alone"))
        for f in fp.indexes:
            rows.append(
                (
                    f"index size: {f.name} ({f.chunks} chunks)",
                    f"{f.total_mb_per_1000:.2f} MB / 1,000 chunks (store {f.store_mb_per_1000:.2f},"
                    f" vectors {f.faiss_mb_per_1000:.2f})",
                    "–",
                    "–",
                )
            )
    else:
        rows.append(("peak RSS / index size", "not measured", "–", "–"))
    return rows


def summary(report: Report) -> str:
    """The summary tables at the top of the report."""
    parts = ["## Summary", ""]
    if report.quality:
        parts += ["### Retrieval quality (train questions)", "", quality_table(report.quality)]
    else:
        parts += ["Retrieval quality: not measured.", ""]
    parts += [
        "### Speed and footprint",
        "",
        "| measure | value | ratio | baseline (same run) |",
        "|---|---|---:|---|",
        *(f"| {m} | {v} | {r} | {b} |" for m, v, r, b in performance_rows(report)),
        "",
    ]
    return "\n".join(parts)


def render(report: Report, header: list[str]) -> str:
    """The whole Markdown report: header, summary, then each measured part in detail."""
    parts = [*header, summary(report)]
    if report.quality:
        parts += ["## Retrieval quality", "", f"Machine: {machine_label()}", "", quality_table(report.quality)]
        dirs = sorted({f"{r.dataset}: {r.index_dir}" for r in report.quality})
        parts += [f"Indexes: {'; '.join(dirs)}.", ""]
    if report.throughput is not None:
        parts += [f"## Indexing throughput ({report.throughput_source})", "", report.throughput.to_markdown()]
    if report.load is not None:
        parts += ["## Query latency: raw vs the search API", "", report.load.to_markdown()]
    if report.footprint is not None:
        parts += ["## Memory and index size", "", report.footprint.to_markdown()]
    if report.experiments:
        parts += ["## Fusion experiments (benchmarks.eval_retrieval)", "", report.experiments]
    return "\n".join(parts)


def run_quality(
    settings: Settings, data: Path, names: list[str], modes: list[str], queries: int, bench: Path
) -> list[Any]:
    """``evaluate`` for each dataset and mode on ``bench/<name>`` (built there only if missing)."""
    from indexer.embedding import shared_embedder
    from indexer.evaluation.runner import evaluate, load_dataset

    embedder = shared_embedder(settings)
    out = []
    for name in names:
        dataset = load_dataset(data / DATASETS[name], "train")
        if queries:
            dataset = replace(dataset, qrels=dict(list(dataset.qrels.items())[:queries]))
        for mode in modes:
            result = evaluate(dataset, settings, embedder, mode=mode, index_dir=bench / name)  # type: ignore[arg-type]
            logger.info("quality %s %s: %s", name, mode, result.to_dict())
            out.append(result)
    return out


def main(argv: list[str] | None = None) -> Path:
    """Run the selected parts; write the Markdown report (and its JSON twin) and return the report's path."""
    settings = Settings()
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=settings.data_dir, help="Folder holding the public data sets.")
    ap.add_argument("--bench-dir", type=Path, default=BENCH, help="Where the benchmark indexes live (<name>/).")
    ap.add_argument("--out", type=Path, default=RESULTS, help="Markdown report to write (JSON beside it).")
    ap.add_argument("--limit", type=int, default=0, help="Throughput and indexing RSS on the first N ALQAC articles.")
    ap.add_argument("--queries", type=int, default=0, help="Cap the judged questions per dataset and the load set.")
    ap.add_argument("--datasets", default="alqac,scifact", help="Quality: comma-separated of alqac, scifact.")
    ap.add_argument("--modes", default=",".join(MODES), help="Quality: comma-separated of hybrid, lexical, dense.")
    ap.add_argument("--skip-quality", action="store_true", help="No retrieval-quality evaluation.")
    ap.add_argument("--skip-throughput", action="store_true", help="No throughput measure (see --throughput-json).")
    ap.add_argument("--throughput-json", type=Path, help="Report this saved throughput result instead of measuring.")
    ap.add_argument("--skip-load", action="store_true", help="No API load test.")
    ap.add_argument("--load-index", type=Path, default=load.DEFAULT_INDEX, help="Index served by the load test.")
    ap.add_argument("--requests", type=int, default=48, help="Load test: requests per concurrency level.")
    ap.add_argument("--clients", default="1,4,16", help="Load test: concurrency levels, comma-separated.")
    ap.add_argument("--skip-footprint", action="store_true", help="No peak RSS / index size.")
    ap.add_argument(
        "--footprint-limit", type=int, default=200, help="ALQAC articles indexed for the indexing peak RSS."
    )
    ap.add_argument("--experiments", action="store_true", help="Add the eval_retrieval fusion-experiment tables.")
    ap.add_argument("--note", action="append", default=[], help="A line to add under the header (repeatable).")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request otherwise
    raw_args = argv if argv is not None else sys.argv[1:]
    command = shlex.join(["python", "-m", "benchmarks.run_all", *raw_args])
    report = Report()
    alqac_queries = list(load_queries(args.data / "alqac-2023" / "queries_train.jsonl").values())
    from indexer.embedding import shared_embedder

    if args.throughput_json:
        report.throughput = ThroughputResult.from_json(args.throughput_json)
        report.throughput_source = f"ALQAC-2023, saved in {args.throughput_json}"
    elif not args.skip_throughput:
        report.throughput = index_throughput.run(settings, shared_embedder(settings), args.data, args.limit)
        report.throughput_source = "ALQAC-2023, measured in this run"
    if not args.skip_load:
        report.load = load.run_load(
            settings,
            args.load_index,
            alqac_queries[: args.queries or 40],
            args.requests,
            [int(c) for c in args.clients.split(",")],
        )
    if not args.skip_quality:
        names, modes = args.datasets.split(","), args.modes.split(",")
        report.quality = run_quality(settings, args.data, names, modes, args.queries, args.bench_dir)
    if not args.skip_footprint:
        report.footprint = footprint.measure(
            args.data,
            min(args.limit, args.footprint_limit) if args.limit else args.footprint_limit,
            args.load_index,
            args.queries or 40,
            server_rss_mb=(report.load.server_peak_rss_mb, report.load.server_rss_mb) if report.load else None,
            indexes={name: args.bench_dir / name for name in DATASETS},
        )
        if report.load is not None:  # the figure comes from the load test's server, after all its requests
            report.footprint.server_queries = 3 + sum(n for _, n, *_ in report.load.levels)  # warm-up + levels
    if args.experiments:
        report.experiments = eval_experiments(args.data)
    header = [
        "# Benchmark results",
        "",
        f"- date: {datetime.now(UTC).isoformat(timespec='minutes')}",
        f"- machine: {machine_label()}",
        f"- command: `{command}`",
        f"- search defaults: `{settings.search.model_dump()}`",
        *[f"- note: {n}" for n in args.note],
        "",
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render(report, header), encoding="utf-8")
    args.out.with_suffix(".json").write_text(json.dumps(to_json(report, command), indent=2), encoding="utf-8")
    logger.info("wrote %s", args.out)
    return args.out


def eval_experiments(data: Path) -> str:
    """The fusion-experiment tables of ``benchmarks.eval_retrieval`` (cached query vectors, full indexes)."""
    from benchmarks import eval_retrieval

    return eval_retrieval.main(["--data", str(data), "--sets", "alqac,scifact", "--experiments"])


def to_json(report: Report, command: str) -> dict[str, Any]:
    """Raw figures of the run, for scripts (the README table, comparisons between runs)."""
    return {
        "date": datetime.now(UTC).isoformat(timespec="minutes"),
        "machine": machine_label(),
        "command": command,
        "quality": [r.to_dict() for r in report.quality],
        "throughput": asdict(report.throughput) if report.throughput else None,
        "load": asdict(report.load) if report.load else None,
        "footprint": asdict(report.footprint) if report.footprint else None,
    }


if __name__ == "__main__":
    main()
