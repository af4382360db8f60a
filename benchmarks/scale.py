"""Search at archive scale on the embedded default (SQLite + faiss): N chunks of real text with real vectors.

    python -m benchmarks.scale --chunks 200000 [--json] [--seed-from var/eval/alqac-2023-…] [--ef-construction 100]

Builds (once, cached under ``var/bench/scale-N``) an index of N chunks from real passages, perturbed, with real
vectors plus small noise (see ``benchmarks.scale_data``: no N passages are embedded), then, in a fresh child
process (clean RSS): time to open, search p50/p95 for an unrestricted and a restricted principal (MẬT clearance,
units Ban 1 and Ban 2: about half the chunks) — vector search, lexical search (three words of the passage) and the
hybrid retriever with a precomputed query vector — recall@10 of the vector search against exact numpy search,
RSS, disk per 1,000 chunks, and the time until the running reader finds 1,000 chunks a second handle committed.
The old per-query path (every allowed id from SQLite into a faiss ``IDSelectorBatch``) runs in the same process on
the same queries as the baseline of a ratio. Query vectors are seed passage vectors with noise of norm 0.6.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from benchmarks.metrics import machine_label
from benchmarks.scale_data import load_seed, perturb_vectors, synthetic_items
from indexer.config import Settings
from indexer.models import Classification
from indexer.retrieval.hybrid import HybridRetriever
from indexer.storage.filters import SearchFilter
from indexer.storage.index import Index
from indexer.storage.sqlite_store import SQLiteStore
from indexer.understanding.text import tokenize

logger = logging.getLogger(__name__)

MODEL = "embeddinggemma-300m"
RESTRICTED = SearchFilter().with_access(Classification.MAT, ("Ban 1", "Ban 2"))
NARROW = SearchFilter(doc_types=("Báo cáo",), date_from="2024-01-01").with_access(Classification.MAT, ("Ban 1",))
BROAD = SearchFilter(doc_types=("Thông tư",)).with_access(Classification.MAT, ("Ban 1", "Ban 2"))
FILTERS = (("unrestricted", SearchFilter()), ("restricted", RESTRICTED), ("narrow", NARROW), ("broad", BROAD))
QUERY_NOISE = 0.6


class Precomputed:
    """An ``Embedder`` whose query vector was computed beforehand (timing the search, not the encoder): set
    ``current`` before each search (a restored query text gets the same vector)."""

    name = MODEL

    def __init__(self, dimension: int) -> None:
        self.dimension = dimension
        self.current = np.zeros(dimension, dtype=np.float32)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return np.vstack([self.current for _ in texts])

    def embed_documents(self, texts: Sequence[str], titles: Sequence[str | None] | None = None) -> np.ndarray:
        raise NotImplementedError("queries only")


def rss_mb() -> tuple[float, float]:
    """(current, peak) resident memory of this process in MB."""
    status = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    return int(status["VmRSS"].split()[0]) / 1024, int(status["VmHWM"].split()[0]) / 1024


def build(settings: Settings, directory: Path, n: int, texts: list[str], vectors: np.ndarray) -> dict[str, float]:
    """The index of n synthetic chunks (reused when already built)."""
    if (directory / "manifest.json").is_file():
        idx = Index.open(settings, directory)
        try:
            if idx.store.stats()["chunks"] == n:
                return {}
        finally:
            idx.close()
        raise SystemExit(f"{directory} holds another index; remove it or use --rebuild")
    idx = Index.open_or_create(settings, MODEL, vectors.shape[1], directory)
    t0 = time.perf_counter()
    done = 0
    for batch in synthetic_items(texts, vectors, 0, n, seed=1):
        idx.store.write_documents(batch)
        done += sum(len(b[2]) for b in batch)
        logger.info("written %d/%d chunks", done, n)
    t1 = time.perf_counter()
    idx.commit_vectors()  # the HNSW build and the saved file
    t2 = time.perf_counter()
    idx.close()
    return {"store_write_s": round(t1 - t0, 1), "vector_build_s": round(t2 - t1, 1)}


def timed(fn: Callable[[int], object], count: int) -> list[float]:
    """Milliseconds of fn(i) for i in range(count), after 5 warm-up calls."""
    for i in range(min(5, count)):
        fn(i)
    out = []
    for i in range(count):
        t = time.perf_counter()
        fn(i)
        out.append((time.perf_counter() - t) * 1000)
    return out


def pct(values: list[float], q: float) -> float:
    return round(float(np.percentile(values, q)), 2)


def measure(
    settings: Settings,
    directory: Path,
    texts: list[str],
    seed_vecs: np.ndarray,
    queries: int,
    lexical: bool = True,
    lexical_queries: int = 0,
) -> dict[str, Any]:
    """Everything measured on an existing index, in this (fresh) process (``lexical``: the lexical and hybrid
    timings too, the slow part at scale, over the first ``lexical_queries`` queries: 0 = all of them)."""
    rng = np.random.default_rng(7)
    t0 = time.perf_counter()
    idx = Index.open(settings, directory)
    idx.refresh()
    out: dict[str, Any] = {"open_s": round(time.perf_counter() - t0, 2), "kind": idx.vectors.kind}
    n = idx.store.stats()["chunks"]
    out["disk_mb_per_1000"] = round(idx.size_on_disk() / 1e6 / n * 1000, 2)
    picks = rng.integers(0, len(texts), size=queries)
    qvecs = perturb_vectors(seed_vecs[picks], rng, QUERY_NOISE)
    words = [texts[p].split() for p in picks]
    qtexts = [" ".join(w[len(w) // 2 : len(w) // 2 + 3]) for w in words]
    tokens = [tokenize(t) for t in qtexts]
    embedder = Precomputed(qvecs.shape[1])
    retriever = HybridRetriever(idx, embedder, settings)

    def hybrid_search(i: int, flt: SearchFilter) -> object:
        embedder.current = qvecs[i]
        return retriever.search(qtexts[i], 10, "hybrid", flt)

    cands = settings.search.candidates
    for name, flt in FILTERS:
        dense = timed(lambda i, f=flt: idx.dense_search(qvecs[i], f, 10), queries)  # type: ignore[misc]
        out[f"p50_ms_{name}"], out[f"p95_ms_{name}"] = pct(dense, 50), pct(dense, 95)
        if lexical and name != "broad":
            nlex = min(lexical_queries or queries, queries)
            lex = timed(lambda i, f=flt: idx.store.lexical_search(tokens[i], f, cands, bigrams=True), nlex)  # type: ignore[misc]
            hybrid = timed(lambda i, f=flt: hybrid_search(i, f), nlex)  # type: ignore[misc]
            out[f"lexical_p50_ms_{name}"], out[f"lexical_p95_ms_{name}"] = pct(lex, 50), pct(lex, 95)
            out["lexical_queries"] = nlex
            out[f"hybrid_p50_ms_{name}"], out[f"hybrid_p95_ms_{name}"] = pct(hybrid, 50), pct(hybrid, 95)
    # Baseline in the same process: the per-query path this replaces (every allowed id from SQL, IDSelectorBatch).
    raw = idx.vectors.index.raw  # type: ignore[attr-defined]
    ef = settings.vectors.hnsw_ef_search

    def old_path(i: int) -> object:
        sel = faiss.IDSelectorBatch(idx.store.allowed_chunk_ids(RESTRICTED))
        params = faiss.SearchParametersHNSW(sel=sel, efSearch=ef)  # type: ignore[attr-defined]
        return raw.search(qvecs[i].reshape(1, -1), 10, params=params)

    old = timed(old_path, 20)
    out["baseline_p50_ms_restricted"] = pct(old, 50)
    out["speedup_restricted"] = round(out["baseline_p50_ms_restricted"] / max(out["p50_ms_restricted"], 1e-6), 1)
    out["rss_mb"], out["peak_rss_mb"] = (round(v) for v in rss_mb())
    out.update(commit_visible(idx, directory, texts, seed_vecs, n))
    # Recall against exact search (loads every vector once more: after the RSS reading).
    ids, vecs = idx.store.all_vectors()
    for name, flt in FILTERS:
        mask = np.isin(ids, idx.store.allowed_chunk_ids(flt))
        sub_ids, sub = ids[mask], vecs[mask]
        found = wanted = 0
        for i in range(queries):
            scores = sub @ qvecs[i]
            top = np.argpartition(-scores, 10)[:10] if len(scores) > 10 else np.arange(len(scores))
            exact = set(sub_ids[top].tolist())
            found += len(exact & {c for c, _ in idx.dense_search(qvecs[i], flt, 10)})
            wanted += len(exact)
        key = "recall_at_10" if name == "restricted" else f"recall_at_10_{name}"
        out[key] = round(found / max(wanted, 1), 4)
        out[f"allowed_share_{name}"] = round(float(mask.mean()), 4)
    out["chunks"] = n
    idx.close()
    return out


def commit_visible(idx: Index, directory: Path, texts: list[str], vecs: np.ndarray, n: int) -> dict[str, float]:
    """A second handle commits 1,000 chunks (one batch); the running reader polls until a restricted search
    finds them. Then they are deleted again and the same is timed for the deletion."""
    writer = SQLiteStore(directory / "store.sqlite")
    batch = [it for b in synthetic_items(texts, vecs, n + 10_000_000, 1000, seed=99, batch=1000) for it in b]
    for doc, *_ in batch:  # visible to the restricted principal
        doc.identity.classification, doc.identity.unit = Classification.UNCLASSIFIED, None
    probe = batch[-1][4][-1]
    t0 = time.perf_counter()
    writer.write_documents(batch)
    t_commit = time.perf_counter()
    new_ids = {c.chunk_id for c in writer.document_chunks(batch[-1][0].doc_id)}
    while not new_ids & {c for c, _ in idx.dense_search(probe, RESTRICTED, 1)}:
        time.sleep(0.01)
    t_visible = time.perf_counter()
    writer.delete_documents([d.doc_id for d, *_ in batch])
    t_deleted = time.perf_counter()
    while new_ids & {c for c, _ in idx.dense_search(probe, RESTRICTED, 10)}:
        time.sleep(0.01)
    t_gone = time.perf_counter()
    writer.close()
    return {
        "commit_s": round(t_commit - t0, 2),
        "commit_visible_s": round(t_visible - t0, 2),
        "delete_commit_s": round(t_deleted - t_visible, 2),
        "delete_visible_s": round(t_gone - t_visible, 2),
    }


def markdown(result: dict[str, Any]) -> str:
    """The result as a Markdown table (benchmarks/results/scale-N.md); measures not taken read "–"."""
    r: dict[str, Any] = _Dash(result)
    rows = [
        ("vector search p50 / p95, unrestricted", f"{r['p50_ms_unrestricted']} / {r['p95_ms_unrestricted']} ms"),
        ("vector search p50 / p95, restricted", f"{r['p50_ms_restricted']} / {r['p95_ms_restricted']} ms"),
        ("vector search p50 / p95, restricted + narrow user filter", f"{r['p50_ms_narrow']} / {r['p95_ms_narrow']} ms"),
        ("vector search p50 / p95, restricted + broad user filter", f"{r['p50_ms_broad']} / {r['p95_ms_broad']} ms"),
        (
            "baseline (same process): restricted, every allowed id from SQL per query",
            f"{r['baseline_p50_ms_restricted']} ms p50 ({r['speedup_restricted']}× slower)",
        ),
        (
            f"lexical p50 / p95 (unrestricted, restricted; {r['lexical_queries']} queries)",
            f"{r['lexical_p50_ms_unrestricted']} / {r['lexical_p95_ms_unrestricted']},"
            f" {r['lexical_p50_ms_restricted']} / {r['lexical_p95_ms_restricted']} ms",
        ),
        (
            f"hybrid retriever p50 / p95 (unrestricted, restricted; {r['lexical_queries']} queries), query vector"
            " precomputed",
            f"{r['hybrid_p50_ms_unrestricted']} / {r['hybrid_p95_ms_unrestricted']},"
            f" {r['hybrid_p50_ms_restricted']} / {r['hybrid_p95_ms_restricted']} ms",
        ),
        (
            "recall@10 vs exact (unrestricted, restricted, narrow, broad)",
            f"{r['recall_at_10_unrestricted']}, {r['recall_at_10']}, {r['recall_at_10_narrow']},"
            f" {r['recall_at_10_broad']}",
        ),
        (
            "commit of 1,000 chunks / until the running reader finds them",
            f"{r['commit_s']} / {r['commit_visible_s']} s",
        ),
        (
            "delete of them / until the reader no longer returns them",
            f"{r['delete_commit_s']} / {r['delete_visible_s']} s",
        ),
        ("time to open (store + faiss file + access labels)", f"{r['open_s']} s"),
        ("RSS after open and the searches (peak)", f"{r['rss_mb']} MB ({r['peak_rss_mb']} MB)"),
        ("disk per 1,000 chunks", f"{r['disk_mb_per_1000']} MB"),
        ("build: store write / HNSW build and save", f"{r['store_write_s']} / {r['vector_build_s']} s"),
    ]
    head = [
        f"# Scale: {r['chunks']:,} chunks ({r['kind']})",
        "",
        f"- machine: {r['machine']}; faiss threads {r['threads']}; load average {r['load_before']} before,"
        f" {r['load_after']} after (other jobs shared the 2 cores)",
        f"- command: `{r['command']}`; seed: {r['seed_passages']} real passages and vectors (see scale_data.py)",
        f"- restricted principal: MẬT, units Ban 1 + Ban 2 ({r['allowed_share_restricted']} of the chunks);"
        f" narrow: + Báo cáo since 2024 ({r['allowed_share_narrow']}); broad: + Thông tư ({r['allowed_share_broad']})",
        "",
        "| measure | value |",
        "|---|---|",
    ]
    return "\n".join(head + [f"| {a} | {b} |" for a, b in rows]) + "\n"


class _Dash(dict[str, Any]):
    """A result whose missing measures read "–"."""

    def __missing__(self, key: str) -> str:
        return "–"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--chunks", type=int, default=200_000)
    ap.add_argument("--json", action="store_true", help="Print one JSON object.")
    ap.add_argument("--seed-from", type=Path, help="An index built by the model, whose passages seed the data.")
    ap.add_argument("--seed-count", type=int, default=2000, help="Passages to embed when there is no seed index.")
    ap.add_argument("--ef-construction", type=int, default=0, help="HNSW build beam (0: the configured one).")
    ap.add_argument("--threads", type=int, default=2, help="OpenMP threads of faiss.")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--lexical-queries", type=int, default=0, help="Queries timed lexically (0: --queries).")
    ap.add_argument("--out", type=Path, help="Also write the JSON here.")
    ap.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--skip-lexical", action="store_true", help="Time the vector side only.")
    ap.add_argument("--from-json", type=Path, help="Only write the Markdown of a saved JSON result.")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    faiss.omp_set_num_threads(args.threads)
    settings = Settings()
    if args.ef_construction:
        settings.vectors.hnsw_ef_construction = args.ef_construction
    directory = Path("var/bench") / f"scale-{args.chunks}"
    texts, seed_vecs = load_seed(Path("var/bench/scale/seed.npz"), args.seed_from, args.seed_count, settings)
    if args.measure_only:
        result = measure(
            settings, directory, texts, seed_vecs, args.queries, not args.skip_lexical, args.lexical_queries
        )
        sys.stdout.write(json.dumps(result) + "\n")
        return
    if args.from_json:  # re-render a saved result
        saved = json.loads(args.from_json.read_text())
        args.from_json.with_suffix(".md").write_text(markdown(saved), encoding="utf-8")
        return
    result: dict[str, Any] = {"machine": machine_label(), "seed_passages": len(texts), "threads": args.threads}
    result["load_before"] = round(os.getloadavg()[0], 2)
    result.update(build(settings, directory, args.chunks, texts, seed_vecs))
    child = [sys.executable, "-m", "benchmarks.scale", "--chunks", str(args.chunks), "--measure-only"]
    child += ["--threads", str(args.threads), "--queries", str(args.queries)]
    child += ["--lexical-queries", str(args.lexical_queries)]
    child += ["--skip-lexical"] if args.skip_lexical else []
    done = subprocess.run(child, check=True, stdout=subprocess.PIPE, text=True)
    result.update(json.loads(done.stdout.strip().splitlines()[-1]))
    result["load_after"] = round(os.getloadavg()[0], 2)
    result["hnsw_ef_construction"] = settings.vectors.hnsw_ef_construction
    result["command"] = "python -m benchmarks.scale " + " ".join(argv if argv is not None else sys.argv[1:])
    text = json.dumps(result, ensure_ascii=False)
    if args.out:
        args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n")
        args.out.with_suffix(".md").write_text(markdown(result), encoding="utf-8")
    if args.json:
        sys.stdout.write(text + "\n")
    else:
        for key, value in result.items():
            logger.info("%s: %s", key, value)


if __name__ == "__main__":
    main()
