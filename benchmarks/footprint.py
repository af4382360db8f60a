"""Memory and disk footprint: peak RSS of fresh processes and index size per 1,000 chunks.

``python -m benchmarks.footprint [--limit N] [--server-queries N]``. Each peak RSS is taken in a process of its
own, so one measurement never inflates another:

- baseline: a Python process that loads the embedding model and embeds one query (``--probe model``);
- indexing: the same, then ``IndexPipeline.run`` into a fresh index of the first N ALQAC articles
  (``--probe index``);
- API server: ``thammuu serve`` on a copy of ``var/bench/alqac`` after N searches (VmHWM from /proc).

Peaks are reported in MB (10^6 bytes) and as a ratio to the model-alone baseline. Index sizes are the bytes of
``store.sqlite`` (with its WAL, if any), ``vectors.faiss`` and all index files together, per 1,000 chunks.
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import sqlite3
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from benchmarks.metrics import machine_label

logger = logging.getLogger(__name__)

MB = 1_000_000
BENCH_INDEXES = {"alqac": Path("var/bench/alqac"), "scifact": Path("var/bench/scifact")}
BENCH_CACHES = {"query-vectors.npz", "eval.json"}  # written beside the index by the evaluations; not index data


@dataclass
class IndexFootprint:
    """Disk size of one index directory and its chunk count."""

    name: str
    path: str
    documents: int
    chunks: int
    store_bytes: int
    faiss_bytes: int
    total_bytes: int

    def per_1000(self, size: int) -> float:
        """MB per 1,000 chunks."""
        return size / MB / self.chunks * 1000 if self.chunks else 0.0

    @property
    def store_mb_per_1000(self) -> float:
        return self.per_1000(self.store_bytes)

    @property
    def faiss_mb_per_1000(self) -> float:
        return self.per_1000(self.faiss_bytes)

    @property
    def total_mb_per_1000(self) -> float:
        return self.per_1000(self.total_bytes)


def index_footprint(index_dir: Path, name: str | None = None) -> IndexFootprint | None:
    """Sizes and counts of an index directory, or None where it holds no store."""
    store = index_dir / "store.sqlite"
    if not store.is_file():
        return None
    conn = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    try:
        chunks = int(conn.execute("SELECT COUNT(*) FROM chunks").fetchone()[0])
        documents = int(conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0])
    finally:
        conn.close()
    files = [p for p in index_dir.iterdir() if p.is_file() and p.name not in BENCH_CACHES]
    store_bytes = sum(p.stat().st_size for p in files if p.name.startswith("store.sqlite"))
    faiss = index_dir / "vectors.faiss"
    return IndexFootprint(
        name=name or index_dir.name,
        path=str(index_dir),
        documents=documents,
        chunks=chunks,
        store_bytes=store_bytes,
        faiss_bytes=faiss.stat().st_size if faiss.is_file() else 0,
        total_bytes=sum(p.stat().st_size for p in files),
    )


def self_peak_rss_mb() -> float:
    """Peak resident set size of this process so far (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / MB


def proc_status_mb(pid: int | str, key: str) -> float | None:
    """A memory line of /proc/<pid>/status (VmHWM: peak RSS, VmRSS: RSS now) in MB, or None where unreadable."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024 / MB
    except (OSError, ValueError, IndexError):
        return None
    return None


def proc_peak_rss_mb(pid: int) -> float | None:
    """Peak resident set size (VmHWM) of a running process."""
    return proc_status_mb(pid, "VmHWM")


def proc_rss_mb(pid: int) -> float | None:
    """Resident set size now (VmRSS) of a running process."""
    return proc_status_mb(pid, "VmRSS")


@dataclass
class Footprint:
    """All footprint figures of one run."""

    machine: str
    model_rss_mb: float | None = None
    model_rss_end_mb: float | None = None
    index_rss_mb: float | None = None
    index_rss_end_mb: float | None = None
    index_articles: int = 0
    index_passages: int = 0
    server_rss_mb: float | None = None
    server_rss_end_mb: float | None = None
    server_queries: int = 0
    server_index: str = ""
    indexes: list[IndexFootprint] = field(default_factory=list)

    def ratio(self, value: float | None) -> str:
        if value is None or not self.model_rss_mb:
            return "–"
        return f"{value / self.model_rss_mb:.2f}×"

    def end_ratio(self, value: float | None) -> str:
        if value is None or not self.model_rss_end_mb:
            return "–"
        return f"{value / self.model_rss_end_mb:.2f}×"

    def rss_rows(self) -> list[tuple[str, float | None, str, float | None]]:
        """(label, peak MB, ratio to the model-alone baseline, RSS MB at the end) per process measured."""
        rows = [("model alone (load + 1 query)", self.model_rss_mb, "1.00×", self.model_rss_end_mb)]
        if self.index_rss_mb is not None:
            label = f"indexing {self.index_articles} ALQAC articles ({self.index_passages} passages)"
            rows.append((label, self.index_rss_mb, self.ratio(self.index_rss_mb), self.index_rss_end_mb))
        if self.server_rss_mb is not None:
            label = f"API server, {self.server_index}, after {self.server_queries} searches"
            rows.append((label, self.server_rss_mb, self.ratio(self.server_rss_mb), self.server_rss_end_mb))
        return rows

    def to_markdown(self) -> str:
        """Peak RSS and index size tables."""
        lines = [
            f"Machine: {self.machine}",
            "",
            "| process (fresh) | peak RSS MB | vs model alone | RSS at the end MB | vs model alone |",
            "|---|---:|---:|---:|---:|",
        ]
        lines += [
            f"| {label} | {_mb(mb)} | {ratio} | {_mb(end)} | {self.end_ratio(end)} |"
            for label, mb, ratio, end in self.rss_rows()
        ]
        lines += [
            "",
            "Peak RSS includes the transient of loading the model (weights read, then cast); RSS at the end is what"
            " the process holds once its work is done.",
        ]
        lines += [
            "",
            "| index | documents | chunks | store.sqlite MB / 1k chunks | vectors.faiss MB / 1k chunks"
            " | total MB / 1k chunks | total MB |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        lines += [
            f"| {f.name} ({f.path}) | {f.documents} | {f.chunks} | {f.store_mb_per_1000:.2f} | "
            f"{f.faiss_mb_per_1000:.2f} | {f.total_mb_per_1000:.2f} | {f.total_bytes / MB:.1f} |"
            for f in self.indexes
        ]
        return "\n".join(lines) + "\n"

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)


def _mb(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f}"


def probe_model() -> dict[str, float]:
    """In this (fresh) process: load the model, embed one query; the peak RSS."""
    from indexer.config import Settings
    from indexer.embedding import create_embedder

    embedder = create_embedder(Settings())
    embedder.embed_queries(["thủ tục đăng ký kết hôn"])
    return {"peak_rss_mb": self_peak_rss_mb(), "rss_end_mb": proc_status_mb("self", "VmRSS") or 0.0}


def probe_index(data: Path, limit: int) -> dict[str, float]:
    """In this (fresh) process: load the model, index the first ``limit`` ALQAC articles into a scratch index."""
    from benchmarks.index_throughput import subset_corpus
    from indexer.build.pipeline import IndexPipeline
    from indexer.config import Settings
    from indexer.embedding import create_embedder
    from indexer.storage.index import Index

    settings = Settings()
    embedder = create_embedder(settings)
    embedder.embed_queries(["thủ tục đăng ký kết hôn"])
    model_mb = self_peak_rss_mb()
    with tempfile.TemporaryDirectory(prefix="thammuu-footprint-") as tmp:
        corpus = data / "alqac-2023" / "corpus.jsonl"
        if limit:
            corpus = subset_corpus(corpus, limit, Path(tmp) / "data")
        index = Index.open_or_create(settings, embedder.name, embedder.dimension, Path(tmp) / "index")
        report = IndexPipeline(settings, embedder, index).run([corpus.resolve()])
        index.close()
    return {
        "peak_rss_mb": self_peak_rss_mb(),
        "rss_end_mb": proc_status_mb("self", "VmRSS") or 0.0,
        "model_rss_mb": model_mb,
        "articles": report.added,
        "passages": report.chunks_embedded,
    }


def run_probe(probe: str, *args: str) -> dict[str, float]:
    """Run ``--probe`` in a fresh interpreter and return the JSON it prints last."""
    cmd = [sys.executable, "-m", "benchmarks.footprint", "--probe", probe, *args]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"probe {probe} failed: {done.stderr[-2000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def server_rss(index: Path, queries: list[str], searches: int) -> tuple[float | None, float | None]:
    """(peak, current) RSS of ``thammuu serve`` on a copy of ``index`` after ``searches`` single-client searches."""
    from benchmarks import load

    with tempfile.TemporaryDirectory(prefix="thammuu-footprint-") as tmp:
        copy = Path(tmp) / "index"
        load.copy_index(index, copy)
        port = load._free_port()
        server = load.start_server(copy, port)
        try:
            load.load_level(f"http://127.0.0.1:{port}/api/v1/search", queries, 1, searches)
            return proc_peak_rss_mb(server.pid), proc_rss_mb(server.pid)
        finally:
            server.terminate()
            server.wait(30)


def measure(
    data: Path,
    limit: int,
    server_index: Path | None,
    server_queries: int,
    server_rss_mb: tuple[float | None, float | None] | None = None,
    indexes: dict[str, Path] | None = None,
) -> Footprint:
    """Every footprint figure; ``server_rss_mb`` reuses the (peak, current) RSS the load test already read."""
    from benchmarks.metrics import load_queries

    result = Footprint(machine=machine_label())
    probe = run_probe("model")
    result.model_rss_mb, result.model_rss_end_mb = probe["peak_rss_mb"], probe["rss_end_mb"]
    logger.info("model alone: %.0f MB", result.model_rss_mb)
    if limit >= 0:
        probe = run_probe("index", "--data", str(data), "--limit", str(limit))
        result.index_rss_mb, result.index_rss_end_mb = probe["peak_rss_mb"], probe["rss_end_mb"]
        result.index_articles, result.index_passages = int(probe["articles"]), int(probe["passages"])
        logger.info("indexing: %s", probe)
    if server_index is not None:
        result.server_index, result.server_queries = str(server_index), server_queries
        if server_rss_mb is None and (server_index / "manifest.json").is_file():
            queries = list(load_queries(data / "alqac-2023" / "queries_train.jsonl").values())
            server_rss_mb = server_rss(server_index, queries, server_queries)
        if server_rss_mb is not None:
            result.server_rss_mb, result.server_rss_end_mb = server_rss_mb
    for name, path in (indexes if indexes is not None else BENCH_INDEXES).items():
        fp = index_footprint(path, name)
        if fp is not None:
            result.indexes.append(fp)
    return result


def main(argv: list[str] | None = None) -> Footprint | None:
    """Command-line entry point: prints the footprint tables (or, with ``--probe``, one JSON line)."""
    from indexer.config import Settings

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=None, help="Folder holding alqac-2023/ (default: settings).")
    ap.add_argument("--limit", type=int, default=100, help="ALQAC articles indexed for the indexing peak (-1 = skip).")
    ap.add_argument("--server-index", type=Path, default=BENCH_INDEXES["alqac"], help="Index the API server serves.")
    ap.add_argument("--server-queries", type=int, default=40, help="Searches sent before reading the server peak.")
    ap.add_argument("--no-server", action="store_true", help="Do not start the API server.")
    ap.add_argument("--probe", choices=["model", "index"], help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    data = args.data or Settings().data_dir
    if args.probe:
        out = probe_model() if args.probe == "model" else probe_index(data, args.limit)
        sys.stdout.write(json.dumps(out) + "\n")
        return None
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    result = measure(data, args.limit, None if args.no_server else args.server_index, args.server_queries)
    sys.stdout.write(result.to_markdown())
    return result


if __name__ == "__main__":
    main()
