"""The API half of ``benchmarks.postgres``: real ``thammuu serve`` processes over one index or one database, and
search latency at several concurrency levels, against one server or round robin over several replicas."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from itertools import cycle
from pathlib import Path

import httpx

from benchmarks.load import _free_port, _pct


def serve(index: Path, port: int, storage: str | None) -> subprocess.Popen[bytes]:
    """``thammuu serve`` in a subprocess (over ``storage`` when given); returns once it reports its index."""
    env = dict(os.environ)
    env.pop("THAMMUU_STORAGE__URL", None)
    if storage:
        env["THAMMUU_STORAGE__URL"] = storage
    cmd = [sys.executable, "-c", "from search_api.cli import main; main()", "serve", "--index", str(index)]
    proc = subprocess.Popen([*cmd, "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.stderr.read().decode()[-2000:] if proc.stderr else ''}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=5).json().get("status") == "ok":
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(1)
    proc.kill()
    raise RuntimeError("server did not come up in 10 minutes")


def replicas_level(urls: list[str], queries: list[str], clients: int, requests: int) -> tuple[list[float], float, int]:
    """Like ``load_level``, the requests alternating between several servers (a round-robin balancer)."""
    from concurrent.futures import ThreadPoolExecutor

    http = httpx.Client(timeout=120, limits=httpx.Limits(max_connections=clients * len(urls)))
    targets = [u for u, _ in zip(cycle(urls), range(requests), strict=False)]

    def one(i: int) -> tuple[float, bool]:
        t = time.perf_counter()
        resp = http.post(targets[i], json={"query": queries[i % len(queries)], "k": 10})
        return (time.perf_counter() - t) * 1000, resp.status_code == 200 and bool(resp.json()["hits"])

    t0 = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(one, range(requests)))
    wall = time.perf_counter() - t0
    http.close()
    return [r[0] for r in results], requests / wall, sum(1 for _, ok in results if not ok)


def api_levels(urls: list[str], queries: list[str], clients: list[int], requests: int) -> list[dict[str, float]]:
    """p50/p95/throughput/errors per concurrency level against one server or several."""
    replicas_level(urls, queries, 1, 3)  # warm-up
    rows = []
    for n in clients:
        lat, rate, errors = replicas_level(urls, queries, n, max(requests, n * 2))
        rows.append({"clients": n, "requests": len(lat), "p50_ms": _pct(lat, 0.5), "p95_ms": _pct(lat, 0.95),
                     "req_per_s": rate, "errors": errors})  # fmt: skip
    return rows


def api_run(index: Path, storage: str | None, queries: list[str], clients: list[int], requests: int, replicas: int):  # type: ignore[no-untyped-def]
    """Serve ``replicas`` processes over one index (or database) and measure each concurrency level."""
    ports = [_free_port() for _ in range(replicas)]
    procs = [serve(index, port, storage) for port in ports]
    try:
        return api_levels([f"http://127.0.0.1:{p}/api/v1/search" for p in ports], queries, clients, requests)
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(30)
