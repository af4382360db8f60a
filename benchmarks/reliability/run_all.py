"""The reliability and security suite's one entry point: ``benchmarks/results/reliability.md`` (and ``.json``).

Run by hand, never in CI. Full run (about 40 minutes on 2 cores; the crash runs, each loading the real model,
take a third): ``python -m benchmarks.reliability.run_all``. A quick check of every part (about 5 minutes):
``python -m benchmarks.reliability.run_all --smoke --out /tmp/reliability.md``.

Parts: ``leaks`` (every caller × endpoint on the canary archive), ``fuzz`` (schemathesis in four auth modes),
``crash`` (SIGKILL of index runs), ``soak`` (concurrent searches while an index job commits) and, when its module
is there, ``malformed`` (a folder of broken files). leaks, fuzz and soak share one archive built once (real
model). A part that raises is reported as such and the others still run.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import shlex
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field, is_dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.metrics import machine_label
from benchmarks.reliability import crash, fuzz, leaks, soak
from benchmarks.reliability.fixture import Archive, archive

logger = logging.getLogger(__name__)

RESULTS = Path(__file__).resolve().parents[1] / "results" / "reliability.md"
PARTS = ("leaks", "fuzz", "crash", "soak", "malformed")
SIMD = ("sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512_bf16", "avx512_vnni", "amx_bf16", "amx_int8")
SMOKE = {
    "leak_requests": 8,
    "timing_samples": 20,
    "max_examples": 3,
    "draft_examples": 1,
    "kills": 3,
    "articles": 60,
    "clients": 8,
    "seconds": 15,
    "soak_articles": 10,
}


@dataclass
class Part:
    """One part's outcome: its result object (or the error it raised), its report section and timing."""

    name: str
    ok: bool = False
    headline: str = ""
    markdown: str = ""
    result: Any = None
    error: str = ""
    seconds: float = 0.0


@dataclass
class Suite:
    """Every part of one run."""

    parts: list[Part] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(p.ok for p in self.parts)


def cpu_flags() -> list[str]:
    """The flags line of /proc/cpuinfo (first CPU)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                return line.split(":", 1)[1].split()
    except OSError:
        pass
    return []


def headline(name: str, result: Any) -> str:
    """The figures of a part in one line, for the summary table."""
    if isinstance(result, leaks.LeakResult):
        total = sum(c.requests for c in result.callers)
        return (
            f"{total} requests from {len(result.callers)} callers; {result.leak_count} leaks;"
            f" {len(result.findings)} side-check findings; {len(result.server_errors)} 5xx"
        )
    if isinstance(result, fuzz.FuzzResult):
        return "; ".join(
            f"{m.mode}: {m.cases} cases, {len(m.server_errors)} 5xx, {len(m.schema_mismatches)} schema mismatches"
            for m in result.modes
        )
    if isinstance(result, crash.CrashResult):
        killed = sum(k.killed for k in result.kills)
        bad = sum(bool(k.problems) for k in result.kills)
        same = "identical to the clean build" if not result.differences else f"{len(result.differences)} differences"
        return f"{killed}/{len(result.kills)} runs killed, {bad} left a bad index; final run {same}"
    if isinstance(result, soak.SoakResult):
        return (
            f"{result.clients} clients × {result.seconds:.0f} s: {result.requests} requests, {result.errors} errors,"
            f" p50/p95 {result.p50_ms:.0f}/{result.p95_ms:.0f} ms, {result.rate:.2f} req/s,"
            f" {result.commits_during_soak} commits meanwhile, job {result.job.get('status')}"
        )
    return "ok" if getattr(result, "ok", False) else "goal missed"


def attempt(name: str, fn: Callable[[], Any]) -> Part:
    """Run one part; an exception becomes the part's error, so the suite goes on."""
    part = Part(name)
    t = time.perf_counter()
    try:
        part.result = fn()
        part.ok = bool(getattr(part.result, "ok", False))
        part.headline = headline(name, part.result)
        part.markdown = part.result.to_markdown()
    except Exception as exc:  # the report must say which part broke and how; the others still run
        logger.exception("part %s raised", name)
        part.error = f"{type(exc).__name__}: {exc}"
        part.headline = f"**raised** {part.error[:300]}"
    part.seconds = time.perf_counter() - t
    logger.info("%s: %s (%.0f s)", name, part.headline, part.seconds)
    return part


def malformed_part(embedder_kind: str) -> Callable[[], Any] | None:
    """The malformed-files check, when its module exists (another engineer's): a callable running it."""
    try:
        module = importlib.import_module("benchmarks.reliability.malformed")
    except ImportError:
        return None

    def go() -> Any:
        from indexer.config import Settings

        settings = Settings()
        if embedder_kind == "real":
            from indexer.embedding import create_embedder

            embedder = create_embedder(settings)
        else:
            embedder = module.HashEmbedder()
        with tempfile.TemporaryDirectory(prefix="thammuu-malformed-") as tmp:
            return module.run(Path(tmp) / "work", embedder, settings)

    return go


def render(suite: Suite, header: list[str]) -> str:
    """Header, summary table, then each part's own section."""
    lines = [*header, "## Summary", "", "| part | result | figures | s |", "|---|---|---|---:|"]
    lines += [
        f"| {p.name} | {'OK' if p.ok else '**FAILED**'} | {p.headline.replace('|', '/')} | {p.seconds:.0f} |"
        for p in suite.parts
    ]
    lines.append("")
    for p in suite.parts:
        lines += [f"## {p.name}", "", p.markdown or f"Raised: `{p.error}`", ""]
    return "\n".join(lines)


def to_json(value: Any) -> Any:
    return asdict(value) if is_dataclass(value) and not isinstance(value, type) else value


def main(argv: list[str] | None = None) -> int:
    """Run the selected parts and write the report and its JSON twin; exit 1 when any part missed its goal."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=RESULTS, help="Markdown report (JSON beside it).")
    ap.add_argument("--parts", default=",".join(PARTS), help=f"Comma-separated of {', '.join(PARTS)}.")
    ap.add_argument("--workdir", type=Path, help="Build the shared archive here (kept and reused).")
    ap.add_argument("--smoke", action="store_true", help=f"Tiny parameters for a quick check: {SMOKE}.")
    ap.add_argument("--leak-requests", type=int, default=40, help="leaks: requests per caller.")
    ap.add_argument("--timing-samples", type=int, default=200, help="leaks: 404 latency samples per kind.")
    ap.add_argument("--max-examples", type=int, default=200, help="fuzz: examples per operation.")
    ap.add_argument("--draft-examples", type=int, default=10, help="fuzz: examples of the drafting operations.")
    ap.add_argument("--kills", type=int, default=20, help="crash: killed index runs.")
    ap.add_argument("--articles", type=int, default=400, help="crash: ALQAC articles indexed.")
    ap.add_argument("--crash-embedder", choices=("real", "hash"), default="real", help="crash: embedder.")
    ap.add_argument("--clients", type=int, default=50, help="soak: concurrent clients.")
    ap.add_argument("--seconds", type=float, default=60, help="soak: seconds of searching.")
    ap.add_argument("--soak-articles", type=int, default=100, help="soak: ALQAC articles the job indexes.")
    ap.add_argument("--malformed-embedder", choices=("hash", "real"), default="hash", help="malformed: embedder.")
    ap.add_argument("--note", action="append", default=[], help="A line to add under the header (repeatable).")
    args = ap.parse_args(argv)
    if args.smoke:
        for key, value in SMOKE.items():  # what the command line set itself stays
            if getattr(args, key) == ap.get_default(key):
                setattr(args, key, value)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    command = shlex.join(
        ["python", "-m", "benchmarks.reliability.run_all", *(argv if argv is not None else sys.argv[1:])]
    )
    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    suite = Suite()
    t0 = time.perf_counter()
    with ExitStack() as stack:
        shared: list[Archive] = []

        def arc() -> Archive:
            if not shared:
                shared.append(stack.enter_context(archive(args.workdir)))
            return shared[0]

        if "leaks" in parts:
            suite.parts.append(
                attempt("leaks", lambda: leaks.run(arc(), args.leak_requests, timing_samples=args.timing_samples))
            )
        if "fuzz" in parts:
            suite.parts.append(
                attempt("fuzz", lambda: fuzz.run(arc(), args.max_examples, draft_examples=args.draft_examples))
            )
        if "soak" in parts:
            suite.parts.append(attempt("soak", lambda: soak.run(arc(), args.clients, args.seconds, args.soak_articles)))
    if "crash" in parts:
        suite.parts.append(attempt("crash", lambda: crash.run(args.crash_embedder, args.kills, args.articles)))
    if "malformed" in parts:
        go = malformed_part(args.malformed_embedder)
        if go is not None:
            suite.parts.append(attempt("malformed", go))
        else:
            logger.info("benchmarks.reliability.malformed is not there: skipped")
    flags = cpu_flags()
    header = [
        "# Reliability and security results",
        "",
        f"- date: {datetime.now(UTC).isoformat(timespec='minutes')}",
        f"- machine: {machine_label()}",
        f"- CPU flags (SIMD): {' '.join(f for f in SIMD if f in flags) or 'unknown'} ({len(flags)} flags in all)",
        f"- command: `{command}` ({time.perf_counter() - t0:.0f} s)",
        *[f"- note: {n}" for n in args.note],
        "",
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render(suite, header), encoding="utf-8", errors="backslashreplace")
    data = {
        "date": datetime.now(UTC).isoformat(timespec="minutes"),
        "machine": machine_label(),
        "cpu_flags": flags,
        "command": command,
        "seconds": round(time.perf_counter() - t0, 1),
        "parts": {
            p.name: {
                "ok": p.ok,
                "headline": p.headline,
                "error": p.error,
                "seconds": round(p.seconds, 1),
                "result": to_json(p.result),
            }
            for p in suite.parts
        },
    }
    text = json.dumps(data, indent=2, ensure_ascii=False, default=str)  # file names of malformed.py may hold
    args.out.with_suffix(".json").write_text(text, encoding="utf-8", errors="backslashreplace")  # lone surrogates
    logger.info("wrote %s", args.out)
    return 0 if suite.ok else 1


if __name__ == "__main__":
    sys.exit(main())
