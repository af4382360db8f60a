"""Crash safety of indexing: SIGKILL an index run at random points, then check what survived.

``python -m benchmarks.reliability.crash [--kills 20] [--articles 400] [--flush-chunks 32] [--embedder real|hash]``.
A clean build of the first N ALQAC articles (read from the data folder, written only to a scratch folder) gives
the reference and the commit timeline. Then the same corpus is indexed into another folder, with
``THAMMUU_INDEXING__FLUSH_CHUNKS`` small so a run commits many batches, and each run is killed with SIGKILL: a
few while the model loads, most a random time after some batch committed (so during the next embedding or
commit), one as the last batch lands (final vector-index save). After every kill: ``thammuu info --json``
succeeds, every document has a passage, the vector index rebuilt by ``Index.refresh`` holds one vector per
passage, and documents and passages never go down. Then a run without a kill must finish and equal the clean
build: documents, passages, every table's row count, passage texts and vocabulary. ``--embedder real`` (the
default) runs the real CLI and model; ``hash`` a deterministic stand-in through ``IndexPipeline`` (fast, the
crash logic is the same).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.index_throughput import subset_corpus
from benchmarks.metrics import machine_label
from benchmarks.reliability.fixture import env_with, finish, setup_logging, thammuu

logger = logging.getLogger(__name__)

TRANSIENT_TABLES = ("audit_log", "principals", "api_keys", "meta")  # not index content
# FTS5 segment tables: their rows follow the history of inserts and merges, not the content.
FTS_SEGMENTS = ("_data", "_idx", "_config")
Kill = tuple[str, float, int, float]  # kind ("time" or "docs"), seconds, target documents, extra delay


@dataclass
class KillPoint:
    """One killed run and the state it left."""

    n: int
    plan: str
    at_s: float = 0.0
    killed: bool = True  # False: the run finished before its kill point
    documents: int = 0
    chunks: int = 0
    problems: list[str] = field(default_factory=list)


@dataclass
class CrashResult:
    """Reference build, every kill, the final run."""

    machine: str
    embedder: str
    articles: int
    flush_chunks: int
    reference: dict[str, Any] = field(default_factory=dict)
    reference_seconds: float = 0.0
    commits: int = 0
    kills: list[KillPoint] = field(default_factory=list)
    final: dict[str, Any] = field(default_factory=dict)
    final_ok: bool = False
    differences: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.final_ok and not self.differences and not any(k.problems for k in self.kills)

    def to_markdown(self) -> str:
        """The reference, a row per kill, the comparison of the final run with the reference."""
        ref = self.reference
        lines = [
            f"Crash safety — {len(self.kills)} SIGKILLs of `index` ({self.embedder} embedder) over {self.articles}"
            f" ALQAC articles, flush every {self.flush_chunks} passages; {self.seconds:.0f} s; machine: {self.machine}",
            "",
            f"Clean build: {ref.get('documents')} documents, {ref.get('chunks')} passages,"
            f" {self.commits} commits seen, {self.reference_seconds:.1f} s.",
            "",
            "| kill | plan | at s | killed | documents | passages | problems |",
            "|---:|---|---:|---|---:|---:|---|",
            *(
                f"| {k.n} | {k.plan} | {k.at_s:.1f} | {'yes' if k.killed else 'finished first'} | {k.documents} |"
                f" {k.chunks} | {'; '.join(k.problems) or '–'} |"
                for k in self.kills
            ),
            "",
            f"Final run: {'finished' if self.final_ok else '**FAILED**'}; {self.final.get('documents')} documents,"
            f" {self.final.get('chunks')} passages;"
            f" {'identical to the clean build' if not self.differences else 'differs: ' + '; '.join(self.differences)}"
            f" → {'OK' if self.ok else 'FAILED'}",
        ]
        return "\n".join(lines) + "\n"


# ---- the index state ------------------------------------------------------------------------------------------------
def _ro(index: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{index / 'store.sqlite'}?mode=ro", uri=True, timeout=30)


def counts(index: Path) -> tuple[int, int]:
    """(documents, chunks) committed so far; (0, 0) while there is no store (or it is not readable yet)."""
    if not (index / "store.sqlite").is_file():
        return 0, 0
    try:
        conn = _ro(index)
        try:
            docs = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
            chunks = conn.execute("SELECT count(*) FROM chunks").fetchone()[0]
            return int(docs), int(chunks)
        finally:
            conn.close()
    except sqlite3.Error:
        return 0, 0


def fingerprint(index: Path) -> dict[str, Any]:
    """Counts, orphans, every table's rows (FTS segment tables aside) and hashes of passages and vocabulary."""
    conn = _ro(index)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        rows = {
            t: int(conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0])
            for t in sorted(tables)
            if not t.startswith("sqlite_") and t not in TRANSIENT_TABLES and not t.endswith(FTS_SEGMENTS)
        }
        orphans = conn.execute(
            "SELECT count(*) FROM documents d WHERE NOT EXISTS (SELECT 1 FROM chunks c WHERE c.doc_id = d.doc_id)"
        ).fetchone()[0]
        passages = hashlib.sha256()
        for doc_id, ordinal, text in conn.execute("SELECT doc_id, ordinal, text FROM chunks ORDER BY doc_id, ordinal"):
            passages.update(f"{doc_id}\x00{ordinal}\x00{text}\x01".encode())
        vocab = hashlib.sha256()
        for table in sorted(t for t in tables if t.startswith("vocab")):  # the vocabulary, however it is split
            for row in conn.execute(f'SELECT * FROM "{table}" ORDER BY 1, 2, 3'):
                vocab.update(repr((table, *row)).encode())
    finally:
        conn.close()
    return {
        "documents": rows.get("documents", 0),
        "chunks": rows.get("chunks", 0),
        "documents_without_chunks": int(orphans),
        "tables": rows,
        "passages_sha256": passages.hexdigest(),
        "vocab_sha256": vocab.hexdigest(),
    }


def vector_count(index: Path) -> int:
    """Vectors in the index ``Index.refresh`` loads or rebuilds from the store (as a reader would)."""
    from indexer.config import Settings
    from indexer.storage.index import Index

    idx = Index.open(Settings(), index)
    try:
        idx.refresh()
        return idx.vectors.size
    finally:
        idx.close()


def check_state(index: Path, before: tuple[int, int]) -> tuple[tuple[int, int], list[str]]:
    """(documents, chunks) after a kill and what is wrong with the index, if anything."""
    if not (index / "manifest.json").is_file():
        return (0, 0), [] if before == (0, 0) else ["manifest gone"]
    problems: list[str] = []
    done = subprocess.run(thammuu("info", "--json", "--index", str(index)), capture_output=True, text=True, check=False)
    info: dict[str, Any] = {}
    if done.returncode != 0:
        problems.append(f"info failed: {done.stderr.strip()[-300:]}")
    else:
        try:
            info = json.loads(done.stdout)
        except ValueError:
            problems.append(f"info printed no JSON: {done.stdout[:200]!r}")
    fp = fingerprint(index)
    now = (fp["documents"], fp["chunks"])
    if info and (info.get("documents"), info.get("chunks")) != now:
        problems.append(f"info says {info.get('documents')}/{info.get('chunks')}, the store {now}")
    if fp["documents_without_chunks"]:
        problems.append(f"{fp['documents_without_chunks']} documents without passages")
    try:
        vectors = vector_count(index)
        if vectors != fp["chunks"]:
            problems.append(f"vector index holds {vectors} vectors for {fp['chunks']} passages")
    except Exception as exc:  # any failure to open is the finding
        problems.append(f"index does not open: {type(exc).__name__}: {exc}")
    if now[0] < before[0] or now[1] < before[1]:
        problems.append(f"lost committed work: {before} → {now}")
    return now, problems


# ---- running and killing --------------------------------------------------------------------------------------------
def index_command(embedder: str, corpus: Path, index: Path) -> list[str]:
    """The real CLI, or the hash-embedder driver of this module."""
    if embedder == "hash":
        return [sys.executable, "-m", "benchmarks.reliability.crash", "--driver", str(index), str(corpus)]
    return thammuu("index", str(corpus), "--index", str(index), "--json")


def drive(index: Path, corpus: Path) -> int:
    """``--driver``: IndexPipeline with the deterministic hash embedder (no model)."""
    from benchmarks.reliability.malformed import HashEmbedder
    from indexer.build.pipeline import IndexPipeline
    from indexer.config import Settings
    from indexer.storage.index import Index

    settings = Settings().model_copy(update={"index_dir": index})
    embedder = HashEmbedder()
    idx = Index.open_or_create(settings, embedder.name, embedder.dimension)
    report = IndexPipeline(settings, embedder, idx).run([corpus])
    idx.close()
    sys.stdout.write(json.dumps(report.to_dict()) + "\n")
    return 0 if report.ok else 1


def timed_build(cmd: list[str], env: dict[str, str], index: Path, log: Path, timeout: float) -> list[float]:
    """Run to the end; the seconds (from start) at which the committed document count rose."""
    t0 = time.monotonic()
    commits: list[float] = []
    last = 0
    with log.open("ab") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
        while proc.poll() is None:
            if time.monotonic() - t0 > timeout:
                proc.kill()
                raise RuntimeError(f"clean build ran past {timeout:.0f} s")
            docs = counts(index)[0]
            if docs > last:
                commits.append(time.monotonic() - t0)
                last = docs
            time.sleep(0.05)
    if proc.returncode != 0:
        raise RuntimeError(f"clean build failed ({proc.returncode}); see {log}")
    return commits


def run_and_kill(
    cmd: list[str], env: dict[str, str], index: Path, log: Path, kill: Kill, timeout: float
) -> tuple[bool, float]:
    """Start a run and SIGKILL it: ``kill`` = (kind, seconds, target documents, extra delay)."""
    kind, seconds, target, extra = kill
    t0 = time.monotonic()
    reached: float | None = None
    with log.open("ab") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
        while proc.poll() is None:
            now = time.monotonic() - t0
            if kind == "time":
                due = now >= seconds
            else:
                if reached is None and counts(index)[0] >= target:
                    reached = now
                due = reached is not None and now >= reached + extra
            if due or now > timeout:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
                return True, now
            time.sleep(0.02)
    return False, time.monotonic() - t0


def plan_kill(rng: random.Random, n: int, kills: int, done: int, total: int, commits: list[float]) -> tuple[str, Kill]:
    """(description, kill) of the ``n``-th run: a start-up time, or a delay after some batch committed."""
    startup = commits[0] if commits else 5.0
    gap = (commits[-1] - commits[0]) / max(1, len(commits) - 1) if len(commits) > 1 else 1.0
    if n == kills - 1:  # as the last batch lands: its commit, then the vector index saved
        extra = rng.uniform(0, min(gap, 0.5))
        return f"{extra:.2f} s after all {total} documents", ("docs", 0.0, total, extra)
    if rng.random() < 0.2:
        at = rng.uniform(0.1, startup)
        return f"at {at:.1f} s (start-up)", ("time", at, 0, 0.0)
    step = max(1, round((total - done) / max(1, kills - n) * rng.uniform(0.5, 1.5)))
    target, extra = min(total, done + step), rng.uniform(0, gap)
    return f"{extra:.1f} s after ≥ {target} documents", ("docs", 0.0, target, extra)


def run(
    embedder: str = "real",
    kills: int = 20,
    articles: int = 400,
    flush_chunks: int = 32,
    data: Path | None = None,
    workdir: Path | None = None,
    seed: int = 3,
    timeout: float = 3600,
) -> CrashResult:
    """Reference build, ``kills`` killed runs with checks after each, a final run compared to the reference."""
    import tempfile

    from indexer.config import Settings

    data = data or Settings().data_dir
    t0 = time.perf_counter()
    root = workdir or Path(tempfile.mkdtemp(prefix="thammuu-crash-"))
    root.mkdir(parents=True, exist_ok=True)
    corpus = subset_corpus(data / "alqac-2023" / "corpus.jsonl", articles, root / "corpus")
    env = env_with(THAMMUU_INDEXING__FLUSH_CHUNKS=str(flush_chunks))
    result = CrashResult(machine_label(), embedder, articles, flush_chunks)
    reference, target = root / "reference", root / "crashed"
    subprocess.run(["rm", "-rf", str(reference), str(target)], check=True)
    t = time.perf_counter()
    commits = timed_build(index_command(embedder, corpus, reference), env, reference, root / "reference.log", timeout)
    result.reference_seconds, result.commits, result.reference = (
        time.perf_counter() - t,
        len(commits),
        fingerprint(reference),
    )
    total = result.reference["documents"]
    logger.info(
        "clean build: %s in %.1f s, %d commits", result.reference["tables"], result.reference_seconds, len(commits)
    )
    rng = random.Random(seed)
    state = (0, 0)
    cmd = index_command(embedder, corpus, target)
    for n in range(kills):
        plan, kill = plan_kill(rng, n, kills, state[0], total, commits)
        killed, at = run_and_kill(cmd, env, target, root / "crashed.log", kill, timeout)
        state, problems = check_state(target, state)
        result.kills.append(KillPoint(n + 1, plan, at, killed, state[0], state[1], problems))
        logger.info("kill %d (%s) at %.1f s: %s %s", n + 1, plan, at, state, problems or "ok")
    final = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout, check=False)
    result.final_ok = final.returncode == 0
    if not result.final_ok:
        result.differences.append(f"final run exit {final.returncode}: {final.stderr[-300:]}")
    state, problems = check_state(target, state)
    result.differences += problems
    result.final = fingerprint(target)
    for key in ("documents", "chunks", "documents_without_chunks", "tables", "passages_sha256", "vocab_sha256"):
        if result.final.get(key) != result.reference.get(key):
            result.differences.append(f"{key}: {result.final.get(key)} vs clean {result.reference.get(key)}")
    result.seconds = time.perf_counter() - t0
    if workdir is None:
        subprocess.run(["rm", "-rf", str(root)], check=False)
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kills", type=int, default=20, help="Killed runs before the final one.")
    ap.add_argument("--articles", type=int, default=400, help="First N ALQAC articles (one document each).")
    ap.add_argument("--flush-chunks", type=int, default=32, help="THAMMUU_INDEXING__FLUSH_CHUNKS for every run.")
    ap.add_argument("--embedder", choices=("real", "hash"), default="real", help="hash: stand-in, no model.")
    ap.add_argument("--data", type=Path, help="Folder holding alqac-2023/ (default: settings).")
    ap.add_argument("--workdir", type=Path, help="Scratch folder (kept); a temporary one by default.")
    ap.add_argument("--seed", type=int, default=3, help="Seed of the kill points.")
    ap.add_argument("--json", type=Path, help="Also write the result as JSON here.")
    ap.add_argument("--driver", nargs=2, type=Path, metavar=("INDEX", "CORPUS"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.driver:
        return drive(*args.driver)
    setup_logging()
    result = run(args.embedder, args.kills, args.articles, args.flush_chunks, args.data, args.workdir, args.seed)
    return finish(result, args.json)


if __name__ == "__main__":
    sys.exit(main())
