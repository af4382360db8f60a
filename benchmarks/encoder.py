"""Encoder speed and quality: the torch backend (as it runs today) against the fast int8 backend, in one process.

Run ``python -m benchmarks.encoder --json`` (``--passages N`` to use fewer ALQAC articles, ``--index-articles N``
for the indexing check, ``--scifact N`` to add N SciFact abstracts and the train claims they answer). Both
backends encode the same ALQAC articles, interleaved in blocks so that other load on the machine falls on both
alike; the figures are passages/s of each, their ratio, the cosine between the two
vectors of every passage, dense nDCG@10 of each on the ALQAC train questions (over the benchmark's articles, which
include every article a train question needs), cross-backend retrieval (passages of one, queries of the other),
and the wall time of indexing the first articles through the real pipeline with each backend.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import ir_measures
import numpy as np
from ir_measures import nDCG

from benchmarks.index_throughput import subset_corpus
from benchmarks.metrics import docs_from_chunks, machine_label
from indexer.build.pipeline import IndexPipeline
from indexer.config import EmbeddingSettings, Settings
from indexer.embedding import create_embedder
from indexer.interfaces import Embedder
from indexer.storage.filters import SearchFilter
from indexer.storage.index import Index

logger = logging.getLogger(__name__)
BLOCK = 128
"""Passages per interleaved block: one ``embed_documents`` call of each backend in turn. Indexing hands the
encoder up to ``indexing.flush_chunks`` (1,024) passages per call; a block of 32 is two batches of 16, one per
CPU stream of the OpenVINO backend, and the stream with the shorter batch idles while the other finishes (1.89×
with blocks of 32 against indexing at 0.46 of torch's time in the same run)."""


def _embedder(settings: Settings, backend: str) -> Embedder:
    """An embedder of one backend, without the query cache (every query must reach the encoder)."""
    emb = settings.embedding.model_dump() | {"backend": backend, "query_cache": 0}
    return create_embedder(settings.model_copy(update={"embedding": EmbeddingSettings(**emb)}))


def select_articles(alqac: Path, n: int) -> tuple[list[dict[str, str]], dict[str, str], dict[str, dict[str, int]]]:
    """``n`` articles: every one a train question needs, then the corpus in order; and the questions kept."""
    rows = [json.loads(line) for line in (alqac / "corpus.jsonl").open(encoding="utf-8")]
    qrels: dict[str, dict[str, int]] = {}
    for line in (alqac / "qrels_train.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        qid, did, score = line.split("\t")
        qrels.setdefault(qid, {})[did] = int(score)
    needed = {d for rel in qrels.values() for d in rel}
    chosen = [r for r in rows if r["_id"] in needed][:n]
    chosen += [r for r in rows if r["_id"] not in needed][: max(0, n - len(chosen))]
    ids = {r["_id"] for r in chosen}
    queries = {}
    for line in (alqac / "queries_train.jsonl").open(encoding="utf-8"):
        q = json.loads(line)
        if q["_id"] in qrels and set(qrels[q["_id"]]) <= ids:
            queries[q["_id"]] = q["text"]
    return chosen, queries, {q: qrels[q] for q in queries}


def timed_encode(
    backends: dict[str, Embedder], texts: list[str], titles: list[str], block: int = BLOCK
) -> dict[str, Any]:
    """Vectors and seconds of each backend, the blocks interleaved so both see the same background load."""
    for e in backends.values():  # warm-up: first-call allocations and graph compilation count for neither
        e.embed_documents(texts[:4], titles[:4])
    seconds = dict.fromkeys(backends, 0.0)
    parts: dict[str, list[np.ndarray]] = {k: [] for k in backends}
    for start in range(0, len(texts), block):
        for name, e in backends.items():
            t = time.perf_counter()
            parts[name].append(e.embed_documents(texts[start : start + block], titles[start : start + block]))
            seconds[name] += time.perf_counter() - t
        logger.info("encoded %d/%d passages", min(start + block, len(texts)), len(texts))
    return {"seconds": seconds, "vectors": {k: np.vstack(v) for k, v in parts.items()}}


def ndcg10(doc_vecs: np.ndarray, query_vecs: np.ndarray, doc_ids: list[str], qids: list[str], qrels: Any) -> float:
    """Dense nDCG@10 by exact inner product (vectors are unit length)."""
    scores = query_vecs @ doc_vecs.T
    run = {}
    for i, qid in enumerate(qids):
        top = np.argsort(-scores[i])[:10]
        run[qid] = {doc_ids[j]: float(scores[i, j]) for j in top}
    return float(ir_measures.calc_aggregate([nDCG @ 10], qrels, run)[nDCG @ 10])


def index_check(
    settings: Settings, backends: dict[str, Embedder], corpus: Path, queries: list[str], out: Path
) -> dict[str, Any]:
    """Index the same articles with each backend (fresh index each); wall time and dense top documents."""
    result: dict[str, Any] = {"seconds": {}, "top": {}}
    for name, e in backends.items():
        index_dir = out / f"encoder-index-{name}"
        if index_dir.exists():
            shutil.rmtree(index_dir)
        index = Index.open_or_create(settings, e.name, e.dimension, index_dir)
        t = time.perf_counter()
        report = IndexPipeline(settings, e, index).run([corpus])
        result["seconds"][name] = time.perf_counter() - t
        logger.info("%s indexed %d passages in %.1f s", name, report.chunks_embedded, result["seconds"][name])
        chunk_doc = index.store.chunk_doc_ids()
        tops = []
        for qv in e.embed_queries(queries):
            hits = index.dense_search(qv, SearchFilter(), 50)
            tops.append(docs_from_chunks(hits, chunk_doc)[:10])
        result["top"][name] = tops
        result["backends_in_manifest"] = {**result.get("backends_in_manifest", {}), name: index.manifest.backends}
        index.close()
    a, b = (result["top"][k] for k in backends)
    result["same_top1"] = sum(x[:1] == y[:1] for x, y in zip(a, b, strict=True)) / max(1, len(a))
    result["top10_overlap"] = float(np.mean([len(set(x) & set(y)) / max(1, len(x)) for x, y in zip(a, b, strict=True)]))
    del result["top"]
    return result


def scifact_quality(backends: dict[str, Embedder], folder: Path, abstracts: int, block: int = BLOCK) -> dict[str, Any]:
    """Both backends on SciFact (English): ``abstracts`` abstracts (every one the kept train claims cite, then
    the corpus in order), dense nDCG@10 of each on the train claims they answer, and the cosine per abstract."""
    rows, queries, qrels = select_articles(folder, abstracts)
    enc = timed_encode(backends, [r["text"] for r in rows], [r.get("title") or "none" for r in rows], block)
    vt, vf = enc["vectors"]["torch"], enc["vectors"]["fast"]
    qids = list(queries)
    qt = backends["torch"].embed_queries([queries[q] for q in qids])
    qf = backends["fast"].embed_queries([queries[q] for q in qids])
    ids = [r["_id"] for r in rows]
    out = {
        "abstracts": len(rows),
        "train_claims": len(qids),
        "ratio": enc["seconds"]["torch"] / enc["seconds"]["fast"],
        "cosine_min": float((vt * vf).sum(axis=1).min()),
        "cosine_mean": float((vt * vf).sum(axis=1).mean()),
        "ndcg10_torch": ndcg10(vt, qt, ids, qids, qrels),
        "ndcg10_fast": ndcg10(vf, qf, ids, qids, qrels),
    }
    out["ndcg10_delta"] = out["ndcg10_fast"] - out["ndcg10_torch"]
    return out


def run(
    settings: Settings, passages: int, index_articles: int, out: Path, scifact: int = 0, block: int = BLOCK
) -> dict[str, Any]:
    """The whole benchmark; returns the record written as JSON."""
    alqac = settings.data_dir / "alqac-2023"
    rows, queries, qrels = select_articles(alqac, passages)
    load_before = os.getloadavg()
    backends = {"torch": _embedder(settings, "torch"), "fast": _embedder(settings, "auto")}
    fast_backend = getattr(backends["fast"], "backend", "?")
    if fast_backend == "torch":
        raise SystemExit("the default backend is torch here: nothing to compare (run `thammuu models fetch`)")
    texts, titles = [r["text"] for r in rows], [r["title"] for r in rows]
    enc = timed_encode(backends, texts, titles, block)
    vt, vf = enc["vectors"]["torch"], enc["vectors"]["fast"]
    cos = (vt * vf).sum(axis=1)
    qids = list(queries)
    qt = backends["torch"].embed_queries([queries[q] for q in qids])
    qf = backends["fast"].embed_queries([queries[q] for q in qids])
    ids = [r["_id"] for r in rows]
    record: dict[str, Any] = {
        "machine": machine_label(),
        "fast_backend": fast_backend,
        "passages": len(texts),
        "block": block,
        "train_questions": len(qids),
        "torch_passages_per_s": len(texts) / enc["seconds"]["torch"],
        "fast_passages_per_s": len(texts) / enc["seconds"]["fast"],
        "ratio": enc["seconds"]["torch"] / enc["seconds"]["fast"],
        "cosine_min": float(cos.min()),
        "cosine_mean": float(cos.mean()),
        "query_cosine_min": float((qt * qf).sum(axis=1).min()),
        "ndcg10_torch": ndcg10(vt, qt, ids, qids, qrels),
        "ndcg10_fast": ndcg10(vf, qf, ids, qids, qrels),
        "ndcg10_torch_passages_fast_queries": ndcg10(vt, qf, ids, qids, qrels),
        "ndcg10_fast_passages_torch_queries": ndcg10(vf, qt, ids, qids, qrels),
    }
    record["ndcg10_delta"] = record["ndcg10_fast"] - record["ndcg10_torch"]
    if scifact:
        record["scifact"] = scifact_quality(backends, settings.data_dir / "scifact", scifact, block)
    if index_articles:
        corpus = subset_corpus(alqac / "corpus.jsonl", index_articles, out / f"alqac-subset-{index_articles}")
        kept = [queries[q] for q in qids]
        check = index_check(settings, backends, corpus.resolve(), kept, out)
        record["index_articles"] = index_articles
        record["index_seconds"] = check["seconds"]
        record["index_time_fast_over_torch"] = check["seconds"]["fast"] / check["seconds"]["torch"]
        record["index_same_top1_document"] = check["same_top1"]
        record["index_top10_overlap"] = check["top10_overlap"]
        record["index_manifest_backends"] = check["backends_in_manifest"]
    record["load_average_before"] = list(load_before)
    record["load_average_after"] = list(os.getloadavg())
    record["threads"] = settings.embedding.threads or os.cpu_count()
    return record


def to_markdown(r: dict[str, Any]) -> str:
    """The record as a Markdown table."""
    rows = [
        (
            "passages (ALQAC articles) / train questions / passages per call",
            f"{r['passages']} / {r['train_questions']} / {r.get('block', 32)}",
        ),
        ("torch (bf16 here) passages/s", f"{r['torch_passages_per_s']:.2f}"),
        (f"{r['fast_backend']} int8 passages/s", f"{r['fast_passages_per_s']:.2f}"),
        ("ratio fast / torch", f"{r['ratio']:.2f}"),
        ("cosine per passage min / mean", f"{r['cosine_min']:.4f} / {r['cosine_mean']:.4f}"),
        ("cosine per query min", f"{r['query_cosine_min']:.4f}"),
        ("nDCG@10 torch / fast (Δ)", f"{r['ndcg10_torch']:.4f} / {r['ndcg10_fast']:.4f} ({r['ndcg10_delta']:+.4f})"),
        (
            "nDCG@10 cross: torch passages + fast queries / fast passages + torch queries",
            f"{r['ndcg10_torch_passages_fast_queries']:.4f} / {r['ndcg10_fast_passages_torch_queries']:.4f}",
        ),
    ]
    if "scifact" in r:
        sf = r["scifact"]
        rows += [
            (
                f"SciFact: {sf['abstracts']} abstracts / {sf['train_claims']} train claims, ratio fast / torch",
                f"{sf['ratio']:.2f}",
            ),
            ("SciFact cosine per abstract min / mean", f"{sf['cosine_min']:.4f} / {sf['cosine_mean']:.4f}"),
            (
                "SciFact nDCG@10 torch / fast (Δ)",
                f"{sf['ndcg10_torch']:.4f} / {sf['ndcg10_fast']:.4f} ({sf['ndcg10_delta']:+.4f})",
            ),
        ]
    if "index_seconds" in r:
        s = r["index_seconds"]
        rows += [
            (
                f"indexing {r['index_articles']} articles: torch / fast seconds",
                f"{s['torch']:.1f} / {s['fast']:.1f} (fast/torch {r['index_time_fast_over_torch']:.2f})",
            ),
            (
                "same top-1 document / top-10 overlap",
                f"{r['index_same_top1_document']:.3f} / {r['index_top10_overlap']:.3f}",
            ),
        ]
    rows.append(
        ("load average before / after", f"{r['load_average_before'][0]:.2f} / {r['load_average_after'][0]:.2f}")
    )
    lines = [f"Machine: {r['machine']}", "", "| measure | value |", "|---|---|"]
    return "\n".join(lines + [f"| {a} | {b} |" for a, b in rows]) + "\n"


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Command-line entry point: prints Markdown (or JSON with --json) and saves var/bench/encoder.json."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--passages", type=int, default=1000, help="ALQAC articles to encode with both backends.")
    ap.add_argument("--index-articles", type=int, default=150, help="Articles indexed with each backend (0 = skip).")
    ap.add_argument("--scifact", type=int, default=0, help="SciFact abstracts to encode with both (0 = skip).")
    ap.add_argument("--block", type=int, default=BLOCK, help="Passages per interleaved call of each backend.")
    ap.add_argument("--out", type=Path, default=Path("var/bench"), help="Scratch indexes and encoder.json go here.")
    ap.add_argument("--json", action="store_true", help="Print the JSON record instead of Markdown.")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    record = run(Settings(), args.passages, args.index_articles, args.out, args.scifact, args.block)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "encoder.json").write_text(json.dumps(record, indent=2))
    sys.stdout.write(json.dumps(record, indent=2) + "\n" if args.json else to_markdown(record))
    return record


if __name__ == "__main__":
    main()
