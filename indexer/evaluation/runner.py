"""Retrieval quality of the real pipeline on a BEIR-layout dataset: the engine behind ``thammuu eval``.

A dataset folder holds ``corpus.jsonl`` (``_id``, ``title``, ``text``), ``queries_<split>.jsonl`` (``_id``,
``text``) and ``qrels_<split>.tsv`` (query id, corpus id, score; a header line allowed). The corpus is indexed
with the normal pipeline (or an index built before from the same corpus bytes is reused), every judged query
is ranked by ``rank_documents`` exactly as the search API groups hits by document, and the run is scored with
ir-measures (pytrec_eval): nDCG@10, recall@10, recall@100 and MRR@10, averaged over the judged queries.
"""

from __future__ import annotations

import csv
import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import ir_measures
import numpy as np
from ir_measures import RR, R, nDCG

from indexer.build.pipeline import PIPELINE_VERSION, IndexPipeline
from indexer.config import Settings
from indexer.errors import InvalidDataset
from indexer.hashing import sha256_file
from indexer.interfaces import Embedder
from indexer.retrieval.documents_rank import rank_documents
from indexer.retrieval.hybrid import HybridRetriever, Mode
from indexer.storage.backends import backend_exists
from indexer.storage.index import Index

logger = logging.getLogger(__name__)

EVAL_ROOT = Path("var/eval")  # default parent of evaluation indexes, relative to the working directory
MARKER = "eval.json"  # beside the index: which corpus bytes and model built it
DEPTH = 100  # documents ranked per query (recall@100)

# Reported name → ir-measures measure (graded gains for nDCG, as BEIR and pytrec_eval define it).
MEASURES = {"ndcg@10": nDCG @ 10, "recall@10": R @ 10, "recall@100": R @ 100, "mrr@10": RR @ 10}

QueryProgress = Callable[[int, int], None]  # (queries done, queries in all)


# ---- loading ----------------------------------------------------------------------------------------------
def _require(path: Path) -> Path:
    if not path.is_file():
        raise InvalidDataset(f"{path}: file not found")
    return path


def load_queries(path: Path) -> dict[str, str]:
    """BEIR queries: one JSON object per line with ``_id`` and ``text``; blank lines are ignored."""
    out: dict[str, str] = {}
    with _require(path).open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InvalidDataset(f"{path}: line {lineno}: invalid JSON ({exc.msg})") from exc
            if not isinstance(record, dict) or "_id" not in record or not isinstance(record.get("text"), str):
                raise InvalidDataset(f"{path}: line {lineno}: expected an object with '_id' and a 'text' string")
            out[str(record["_id"])] = record["text"]
    return out


def _int(value: str) -> int | None:
    try:
        return int(value.strip())
    except ValueError:
        return None


def load_qrels(path: Path) -> dict[str, dict[str, int]]:
    """BEIR qrels: tab-separated query id, corpus id, score; a first line whose score is not an integer is a
    header. Only judgments with score > 0 (relevant) are kept."""
    out: dict[str, dict[str, int]] = {}
    with _require(path).open(encoding="utf-8", newline="") as fh:
        for lineno, row in enumerate(csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE), 1):
            if not row or not "".join(row).strip():
                continue
            if len(row) != 3:
                raise InvalidDataset(
                    f"{path}: line {lineno}: expected 3 tab-separated columns (query id, corpus id, score),"
                    f" found {len(row)}"
                )
            score = _int(row[2])
            if score is None:
                if lineno == 1:
                    continue  # header
                raise InvalidDataset(f"{path}: line {lineno}: score {row[2]!r} is not an integer")
            if score > 0:
                out.setdefault(row[0].strip(), {})[row[1].strip()] = score
    return out


@dataclass(frozen=True)
class Dataset:
    """A BEIR-layout evaluation set: its corpus file and the judged queries of one split."""

    name: str
    folder: Path
    split: str
    corpus: Path
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]  # only queries present in ``queries``, only relevant documents


def load_dataset(folder: Path, split: str = "train") -> Dataset:
    """Read a dataset folder; qrels of queries the queries file lacks are dropped (with a warning)."""
    folder = folder.resolve()
    if not folder.is_dir():
        raise InvalidDataset(f"{folder}: not a dataset folder")
    corpus = _require(folder / "corpus.jsonl")
    queries = load_queries(folder / f"queries_{split}.jsonl")
    qrels_path = folder / f"qrels_{split}.tsv"
    qrels = load_qrels(qrels_path)
    judged = {q: rels for q, rels in qrels.items() if q in queries}
    if len(judged) < len(qrels):
        logger.warning("%s: %d judged query ids are not in the queries file", qrels_path, len(qrels) - len(judged))
    if not judged:
        raise InvalidDataset(f"{qrels_path}: no relevant judgment for any query of queries_{split}.jsonl")
    return Dataset(folder.name, folder, split, corpus, queries, judged)


# ---- scoring ----------------------------------------------------------------------------------------------
def score_run(run: Mapping[str, Sequence[str]], qrels: Mapping[str, Mapping[str, int]]) -> dict[str, float]:
    """Mean nDCG@10, recall@10, recall@100 and MRR@10 over the judged queries (those with a relevant document).

    ``run`` maps a query id to its documents, best first. A judged query missing from the run (or with no
    documents) counts as 0; run entries of unjudged queries are ignored.
    """
    judged = [q for q, rels in qrels.items() if any(v > 0 for v in rels.values())]
    if not judged:
        raise ValueError("no judged query: qrels hold no relevant document")
    ir_qrels = {q: {d: int(v) for d, v in qrels[q].items()} for q in judged}
    # Scores strictly decreasing with rank, so the evaluator keeps our order (it sorts by score, ties by id).
    ir_run: dict[str, dict[str, float]] = {}
    for q in judged:
        docs = list(dict.fromkeys(run.get(q, ())))
        ir_run[q] = {d: float(len(docs) - i) for i, d in enumerate(docs)}
    per_query: dict[Any, dict[str, float]] = {m: {} for m in MEASURES.values()}
    for metric in ir_measures.iter_calc(list(MEASURES.values()), ir_qrels, ir_run):
        per_query[metric.measure][metric.query_id] = float(metric.value)
    # Averaged here over every judged query, whatever the evaluator does with empty runs.
    return {name: sum(per_query[m].get(q, 0.0) for q in judged) / len(judged) for name, m in MEASURES.items()}


# ---- index ------------------------------------------------------------------------------------------------
def default_index_dir(dataset: Dataset, digest: str) -> Path:
    """``var/eval/<dataset folder>-<first 12 hex of the corpus sha256>``, relative to the working directory."""
    return EVAL_ROOT / f"{dataset.name}-{digest[:12]}"


def _read_marker(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def ensure_index(dataset: Dataset, settings: Settings, embedder: Embedder, index_dir: Path | None = None) -> Path:
    """The directory of an index of the dataset's corpus, built (incrementally) unless ``eval.json`` shows it
    was already built from the same corpus bytes with the same model and pipeline."""
    digest = sha256_file(dataset.corpus)
    directory = index_dir or default_index_dir(dataset, digest)
    stamp = {"corpus_sha256": digest, "model": embedder.name, "pipeline": PIPELINE_VERSION}
    marker = directory / MARKER
    old = _read_marker(marker)
    if all(old.get(key) == value for key, value in stamp.items()) and backend_exists(settings, directory):
        logger.info("reusing the index at %s (corpus sha256 %s)", directory, digest[:12])
        return directory
    logger.info("indexing %s into %s", dataset.corpus, directory)
    idx = Index.open_or_create(settings, embedder.name, embedder.dimension, directory)
    try:
        report = IndexPipeline(settings, embedder, idx).run([dataset.corpus])
    finally:
        idx.close()
    if not report.added + report.updated + report.unchanged:
        reason = report.failed[0][1] if report.failed else "no record"
        raise InvalidDataset(f"{dataset.corpus}: nothing could be indexed ({reason})")
    for source, reason in report.failed:
        logger.warning("%s: record skipped: %s", source, reason)
    logger.info("indexed %s: %s", dataset.corpus, report.to_dict())
    marker.write_text(
        json.dumps({**stamp, "corpus": str(dataset.corpus), "skipped": len(report.failed)}, indent=2) + "\n",
        encoding="utf-8",
    )
    return directory


# ---- evaluation -------------------------------------------------------------------------------------------
@dataclass
class EvalResult:
    """Quality and speed of one mode on one dataset split."""

    dataset: str
    split: str
    mode: str
    queries: int
    documents: int
    passages: int
    ndcg_at_10: float
    recall_at_10: float
    recall_at_100: float
    mrr_at_10: float
    latency_p50_ms: float
    latency_p95_ms: float
    index_dir: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: metrics as computed, latencies rounded to 0.01 ms."""
        out = asdict(self)
        out["latency_p50_ms"] = round(self.latency_p50_ms, 2)
        out["latency_p95_ms"] = round(self.latency_p95_ms, 2)
        return out


def evaluate(
    dataset: Dataset,
    settings: Settings,
    embedder: Embedder,
    mode: Mode = "hybrid",
    index_dir: Path | None = None,
    k: int = DEPTH,
    progress: QueryProgress | None = None,
) -> EvalResult:
    """Index (or reuse) the corpus, rank the top k documents of every judged query as the API does, score the run.

    Latency is the wall time of ``rank_documents`` per query, query embedding included; one untimed query first
    loads the vector index.
    """
    directory = ensure_index(dataset, settings, embedder, index_dir)
    prefix = f"{dataset.corpus.stem}:"  # record ids are "<file stem>:<_id>"; judgments name the bare _id
    qids = list(dataset.qrels)
    run: dict[str, list[str]] = {}
    latencies: list[float] = []
    idx = Index.open(settings, directory)
    try:
        retriever = HybridRetriever(idx, embedder, settings)
        rank_documents(retriever, dataset.queries[qids[0]], k, mode)  # warm-up: faiss load, first-call costs
        for done, qid in enumerate(qids, 1):
            t = time.perf_counter()
            ranked, _ = rank_documents(retriever, dataset.queries[qid], k, mode)
            latencies.append((time.perf_counter() - t) * 1000)
            run[qid] = [d.removeprefix(prefix) for d, _, _ in ranked]
            if progress:
                progress(done, len(qids))
        stats = idx.store.stats()
    finally:
        idx.close()
    scores = score_run(run, dataset.qrels)
    p50, p95 = (float(v) for v in np.percentile(latencies, [50, 95]))
    return EvalResult(
        dataset=dataset.name,
        split=dataset.split,
        mode=mode,
        queries=len(qids),
        documents=stats["documents"],
        passages=stats["chunks"],
        ndcg_at_10=scores["ndcg@10"],
        recall_at_10=scores["recall@10"],
        recall_at_100=scores["recall@100"],
        mrr_at_10=scores["mrr@10"],
        latency_p50_ms=p50,
        latency_p95_ms=p95,
        index_dir=str(directory),
    )
