"""Soak: many concurrent searching clients for a minute while an indexing job commits into the served index.

``python -m benchmarks.reliability.soak [--clients 50] [--seconds 60] [--articles 100]``. On the keyed archive of
``benchmarks.reliability.fixture`` (real model), an admin starts ``POST /api/v1/index`` on a folder of new
documents (the first N ALQAC articles, written to the scratch folder; ``THAMMUU_INDEXING__FLUSH_CHUNKS`` small so
the job commits many batches while the clients search); then every client searches in a loop until the time is
up: ALQAC questions and the fixture's canaries, as readers of every clearance and unit scope. Any non-2xx answer
or connection error counts as an error (0 expected); every answer also goes through the leak detector. Then the
job is polled until it ends (it must finish: ``done``). Reported: requests, errors, p50/p95 latency (queueing
included), requests/s, commits during the soak, the job's outcome and report.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from benchmarks.index_throughput import subset_corpus
from benchmarks.load import _pct
from benchmarks.metrics import load_queries, machine_label
from benchmarks.reliability.fixture import (
    Archive,
    FixturePrincipal,
    archive,
    copy_served_index,
    finish,
    index_env,
    serve,
    setup_logging,
)
from benchmarks.reliability.leaks import describe, find_leaks, query_forms, response_text

logger = logging.getLogger(__name__)

ADMIN = "admin-tuyet-mat-all"


@dataclass
class SoakResult:
    """What the clients saw and what became of the indexing job."""

    machine: str
    clients: int
    seconds: float
    requests: int = 0
    errors: int = 0
    error_examples: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    max_ms: float = 0.0
    rate: float = 0.0
    job: dict[str, Any] = field(default_factory=dict)
    job_seconds: float = 0.0
    commits_during_soak: int = 0
    commits: int = 0  # by the end of the job
    documents: tuple[int, int] = (0, 0)  # the admin's count before the job and at the end

    @property
    def job_done(self) -> bool:
        return self.job.get("status") == "done"

    @property
    def ok(self) -> bool:
        return not self.errors and not self.leaks and self.job_done and self.requests > 0

    def to_markdown(self) -> str:
        """One summary table, then errors and leaks if any."""
        report = self.job.get("report") or {}
        lines = [
            f"Soak — {self.clients} concurrent clients searching for {self.seconds:.0f} s while an index job"
            f" commits; machine: {self.machine}",
            "",
            "| requests | errors | leaks | p50 ms | p95 ms | max ms | req/s | commits meanwhile | job | job s |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|",
            f"| {self.requests} | {self.errors} | {len(self.leaks)} | {self.p50_ms:.0f} | {self.p95_ms:.0f} |"
            f" {self.max_ms:.0f} | {self.rate:.2f} | {self.commits_during_soak} | {self.job.get('status')} |"
            f" {self.job_seconds:.0f} |",
            "",
            f"Job: added {report.get('added')}, embedded {report.get('chunks_embedded')} passages in {self.commits}"
            f" commits ({self.commits_during_soak} while the clients searched), failed"
            f" {len(report.get('failed') or [])}; the admin's document count {self.documents[0]} → {self.documents[1]}."
            f" Latency includes queueing: on 2 cores the server answers about 7 searches/s in all."
            f" → {'OK' if self.ok else 'FAILED'}",
        ]
        lines += [f"- error: {e}" for e in self.error_examples]
        lines += [f"- leak: {x}" for x in self.leaks[:50]]
        if self.job.get("error"):
            lines.append(f"- job error: {self.job['error']}")
        return "\n".join(lines) + "\n"


def _admin_health(http: httpx.Client, admin: FixturePrincipal) -> dict[str, Any]:
    data: dict[str, Any] = http.get("/api/v1/health", headers=admin.headers).json()
    return data


def search_loop(
    http: httpx.Client, arc: Archive, callers: list[FixturePrincipal], queries: list[str], n: int, until: float
) -> list[tuple[float, str | None, str | None]]:
    """Client ``n``: searches until ``until``; (ms, error, leak) per request (bounded: at most 10,000)."""
    out: list[tuple[float, str | None, str | None]] = []
    who = callers[n % len(callers)]
    hidden = arc.hidden_from(who)
    i = 0
    while time.monotonic() < until and i < 10_000:
        body = {"query": queries[(n * 7 + i) % len(queries)], "k": 10}
        t = time.perf_counter()
        error = leak = None
        try:
            resp = http.post("/api/v1/search", json=body, headers=who.headers)
            if not 200 <= resp.status_code < 300:
                error = f"{who.name}: {resp.status_code} {resp.text[:150]}"
            else:
                found = find_leaks(response_text(resp), describe("POST", "/api/v1/search", body), hidden)
                leak = f"{who.name} ← {found[0][0]} {found[0][1]} via {body}" if found else None
        except httpx.HTTPError as exc:
            error = f"{who.name}: {type(exc).__name__}: {exc}"
        out.append(((time.perf_counter() - t) * 1000, error, leak))
        i += 1
    return out


def run(
    arc: Archive | None = None,
    clients: int = 50,
    seconds: float = 60,
    articles: int = 100,
    flush_chunks: int = 16,
    data: Path | None = None,
    workdir: Path | None = None,
    job_timeout: float = 1800,
) -> SoakResult:
    """Serve the keyed archive, start the job, soak, wait for the job."""
    from indexer.config import Settings

    data = data or Settings().data_dir
    result = SoakResult(machine_label(), clients, seconds)
    questions = list(load_queries(data / "alqac-2023" / "queries_train.jsonl").values())
    with ExitStack() as stack:
        arc = arc or stack.enter_context(archive(workdir))
        queries = questions + [q for d in arc.docs for q in query_forms(d)[:4]]
        scratch = arc.root / f"soak-{int(time.time())}"  # a copy of the index (principals included): the archive
        stack.callback(shutil.rmtree, scratch, True)  # stays as it was for the other checks
        copy_served_index(arc.index, scratch / "index")
        folder = scratch / "corpus"
        subset_corpus(data / "alqac-2023" / "corpus.jsonl", articles, folder)
        env = index_env(scratch / "index", THAMMUU_INDEXING__FLUSH_CHUNKS=str(flush_chunks))
        srv = stack.enter_context(serve(scratch / "index", env))
        http = stack.enter_context(
            httpx.Client(base_url=srv.url, timeout=120, limits=httpx.Limits(max_connections=clients + 2))
        )
        admin = arc.principal(ADMIN)
        readers = [p for p in arc.principals if p.roles == ("reader",)]
        search_loop(http, arc, readers, queries, 0, time.monotonic() + 3)  # warm-up: first-call costs
        before = _admin_health(http, admin)
        started = time.monotonic()
        job = http.post("/api/v1/index", json={"path": str(folder.resolve())}, headers=admin.headers)
        if job.status_code != 202:
            raise RuntimeError(f"index job refused: {job.status_code} {job.text[:300]}")
        job_id = job.json()["id"]
        until = time.monotonic() + seconds
        t0 = time.perf_counter()
        with ThreadPoolExecutor(clients) as pool:
            rows = [
                r
                for part in pool.map(lambda n: search_loop(http, arc, readers, queries, n, until), range(clients))
                for r in part
            ]
        wall = time.perf_counter() - t0
        result.commits_during_soak = int(_admin_health(http, admin).get("generation") or 0) - int(
            before.get("generation") or 0
        )
        state: dict[str, Any] = {}
        while time.monotonic() - started < job_timeout:
            state = http.get(f"/api/v1/index/jobs/{job_id}", headers=admin.headers).json()
            if state.get("status") in ("done", "failed"):
                break
            time.sleep(2)
        result.job, result.job_seconds = state, time.monotonic() - started
        after = _admin_health(http, admin)
        result.documents = (int(before.get("documents") or 0), int(after.get("documents") or 0))
        result.commits = int(after.get("generation") or 0) - int(before.get("generation") or 0)
    latencies = [ms for ms, _, _ in rows]
    result.requests, result.rate = len(rows), len(rows) / wall if wall else 0.0
    result.errors = sum(1 for _, e, _ in rows if e)
    result.error_examples = list(dict.fromkeys(e for _, e, _ in rows if e))[:20]
    result.leaks = [x for _, _, x in rows if x]
    if latencies:
        result.p50_ms, result.p95_ms, result.max_ms = (
            statistics.median(latencies),
            _pct(latencies, 0.95),
            max(latencies),
        )
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=50, help="Concurrent searching clients.")
    ap.add_argument("--seconds", type=float, default=60, help="How long they search.")
    ap.add_argument("--articles", type=int, default=100, help="ALQAC articles the job indexes.")
    ap.add_argument("--flush-chunks", type=int, default=16, help="The server's THAMMUU_INDEXING__FLUSH_CHUNKS.")
    ap.add_argument("--data", type=Path, help="Folder holding alqac-2023/ (default: settings).")
    ap.add_argument("--workdir", type=Path, help="Build the archive here (kept) instead of a temporary folder.")
    ap.add_argument("--json", type=Path, help="Also write the result as JSON here.")
    args = ap.parse_args(argv)
    setup_logging()
    result = run(None, args.clients, args.seconds, args.articles, args.flush_chunks, args.data, args.workdir)
    return finish(result, args.json)


if __name__ == "__main__":
    sys.exit(main())
