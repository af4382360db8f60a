"""Load test of the search API: a real uvicorn server, 1/4/16 concurrent clients, next to the raw query cost.

``python -m benchmarks.load [--index DIR] [--build-small]``: p50/p95 latency and throughput of
``POST /api/v1/search`` with ALQAC train questions, and the in-process cost of one query (embed + lexical +
vector) measured in the same run, and the server's peak RSS. The index is copied (SQLite backup) so the server
never writes into it.
"""

from __future__ import annotations

import argparse
import logging
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx

from benchmarks.footprint import proc_peak_rss_mb, proc_rss_mb
from benchmarks.metrics import load_queries, machine_label
from indexer.config import Settings

logger = logging.getLogger(__name__)

DEFAULT_INDEX = Path("var/bench/alqac")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def build_small(settings: Settings, target: Path, data: Path) -> None:
    """Index the ALQAC articles (2,249) into ``target`` (tens of minutes on 2 cores)."""
    from indexer.build.pipeline import IndexPipeline
    from indexer.embedding import shared_embedder
    from indexer.storage.index import Index

    s = settings.model_copy(update={"index_dir": target})
    embedder = shared_embedder(s)
    idx = Index.open_or_create(s, embedder.name, embedder.dimension)
    report = IndexPipeline(s, embedder, idx).run([data / "alqac-2023" / "corpus.jsonl"])
    idx.close()
    logger.info("built %s: %s", target, report.to_dict())


def copy_index(source: Path, target: Path) -> None:
    """A consistent copy of an index (even one being written): SQLite backup plus the manifest."""
    target.mkdir(parents=True)
    (target / "manifest.json").write_bytes((source / "manifest.json").read_bytes())
    src = sqlite3.connect(f"file:{source / 'store.sqlite'}?mode=ro", uri=True)
    dst = sqlite3.connect(target / "store.sqlite")
    with dst:
        src.backup(dst)
    src.close()
    dst.close()


def raw_costs(settings: Settings, queries: list[str]) -> list[float]:
    """Milliseconds of one in-process retrieval per query (embedding, lexical and vector search, fusion)."""
    from indexer.embedding import shared_embedder
    from indexer.retrieval.hybrid import HybridRetriever
    from indexer.storage.index import Index

    retriever = HybridRetriever(Index.open(settings), shared_embedder(settings), settings)
    retriever.search(queries[0], 10)  # warm-up: vectors loaded, first-call costs paid
    out = []
    for q in queries:
        t = time.perf_counter()
        retriever.search(q, 10)
        out.append((time.perf_counter() - t) * 1000)
    return out


def start_server(index: Path, port: int) -> subprocess.Popen[bytes]:
    """``thammuu serve`` in a subprocess; returns once /api/v1/health reports the index loaded."""
    cmd = [sys.executable, "-c", "from search_api.cli import main; main()", "serve", "--index", str(index)]
    proc = subprocess.Popen([*cmd, "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.stderr.read().decode()[-2000:] if proc.stderr else ''}")
        try:
            health = httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=5).json()
            if health.get("index_loaded"):
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(1)
    proc.kill()
    raise RuntimeError("server did not come up in 10 minutes")


def load_level(url: str, queries: list[str], clients: int, requests: int) -> tuple[list[float], float, int]:
    """(latencies ms, throughput req/s, errors) for ``requests`` searches spread over ``clients`` threads."""
    http = httpx.Client(timeout=120, limits=httpx.Limits(max_connections=clients))

    def one(i: int) -> tuple[float, bool]:
        t = time.perf_counter()
        resp = http.post(url, json={"query": queries[i % len(queries)], "k": 10})
        return (time.perf_counter() - t) * 1000, resp.status_code == 200 and bool(resp.json()["hits"])

    t0 = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(one, range(requests)))
    wall = time.perf_counter() - t0
    http.close()
    return [r[0] for r in results], requests / wall, sum(1 for _, ok in results if not ok)


@dataclass
class LoadResult:
    """Latency of the raw in-process query next to the API under each concurrency level."""

    machine: str
    index: str
    queries: int
    raw_ms: list[float]
    levels: list[tuple[int, int, float, float, float, int]]  # clients, requests, p50, p95, req/s, errors
    server_peak_rss_mb: float | None = None
    server_rss_mb: float | None = None  # at the end of the run

    @property
    def raw_p50(self) -> float:
        return statistics.median(self.raw_ms)

    @property
    def raw_p95(self) -> float:
        return _pct(self.raw_ms, 0.95)

    @property
    def errors(self) -> int:
        return sum(level[5] for level in self.levels)

    def to_markdown(self) -> str:
        """The load table with p50 ratios to the raw in-process query."""
        raw_p50 = self.raw_p50
        lines = [
            f"Search API load test — machine: {self.machine}; index {self.index} ({self.queries} ALQAC questions)",
            "",
            "| clients | requests | p50 ms | p95 ms | p50 / raw p50 | throughput req/s | errors |",
            "|---:|---:|---:|---:|---:|---:|---:|",
            f"| raw in-process (embed+lexical+vector) | {len(self.raw_ms)} | {raw_p50:.1f} | {self.raw_p95:.1f} | "
            f"1.00 | {1000 / raw_p50:.1f} | 0 |",
            *(
                f"| {c} | {n} | {p50:.1f} | {p95:.1f} | {p50 / raw_p50:.2f} | {rate:.2f} | {e} |"
                for c, n, p50, p95, rate, e in self.levels
            ),
            "",
            f"p50 at 1 client / raw p50 = {self.levels[0][2] / raw_p50:.2f} (goal ≤ 1.3)" if self.levels else "",
        ]
        if self.server_peak_rss_mb is not None:
            now = f", {self.server_rss_mb:,.0f} MB now (VmRSS)" if self.server_rss_mb is not None else ""
            lines.append(f"Server peak RSS (VmHWM) after the run: {self.server_peak_rss_mb:,.0f} MB{now}")
        return "\n".join(lines) + "\n"


def run_load(settings: Settings, index_dir: Path, queries: list[str], requests: int, clients: list[int]) -> LoadResult:
    """Serve a copy of ``index_dir``, measure the raw query cost in this process, then each concurrency level."""
    with tempfile.TemporaryDirectory(prefix="thammuu-load-") as tmp:
        index = Path(tmp) / "index"
        copy_index(index_dir, index)
        port = _free_port()
        server = start_server(index, port)
        try:
            raw = raw_costs(settings.model_copy(update={"index_dir": index}), queries)
            url = f"http://127.0.0.1:{port}/api/v1/search"
            load_level(url, queries, 1, 3)  # warm-up of the server's own first-call costs
            rows = []
            for n in clients:
                lat, rate, errors = load_level(url, queries, n, max(requests, n * 2))
                rows.append((n, len(lat), _pct(lat, 0.5), _pct(lat, 0.95), rate, errors))
            peak, now = proc_peak_rss_mb(server.pid), proc_rss_mb(server.pid)
        finally:
            server.terminate()
            server.wait(30)
    return LoadResult(machine_label(), str(index_dir), len(queries), raw, rows, peak, now)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    settings = Settings()
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--index", type=Path, default=DEFAULT_INDEX, help="Index to serve (copied first).")
    ap.add_argument("--build-small", action="store_true", help="Index the ALQAC articles into --index if missing.")
    ap.add_argument("--data", type=Path, default=settings.data_dir, help="Folder holding the public data sets.")
    ap.add_argument("--queries", type=int, default=40, help="ALQAC train questions used.")
    ap.add_argument("--requests", type=int, default=48, help="Requests per concurrency level.")
    ap.add_argument("--clients", default="1,4,16", help="Concurrency levels, comma-separated.")
    args = ap.parse_args(argv)
    if not (args.index / "manifest.json").is_file():
        if not args.build_small:
            logger.error("no index at %s; pass --index DIR or --build-small", args.index)
            return 2
        build_small(settings, args.index, args.data)
    queries = list(load_queries(args.data / "alqac-2023" / "queries_train.jsonl").values())[: args.queries]
    clients = [int(c) for c in args.clients.split(",")]
    result = run_load(settings, args.index, queries, args.requests, clients)
    sys.stdout.write(result.to_markdown())
    return 1 if result.errors else 0


if __name__ == "__main__":
    sys.exit(main())
