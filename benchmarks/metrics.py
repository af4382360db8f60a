"""Ranking metrics and BEIR-layout loaders shared by the benchmarks."""

from __future__ import annotations

import math
import os
import platform
from collections.abc import Iterable, Sequence
from pathlib import Path

from indexer.evaluation import load_qrels, load_queries  # the BEIR loaders live with `thammuu eval`

__all__ = [
    "docs_from_chunks",
    "load_qrels",
    "load_queries",
    "machine_label",
    "ndcg_at_k",
    "recall_at_k",
]


def docs_from_chunks(hits: Iterable[tuple[int, float]], chunk_doc: dict[int, str]) -> list[str]:
    """Documents ranked by their best chunk (hits come best first, so first sight is the max score)."""
    seen: dict[str, None] = {}
    for cid, _ in hits:
        doc = chunk_doc.get(cid)
        if doc is not None and doc not in seen:
            seen[doc] = None
    return list(seen)


def ndcg_at_k(ranked: Sequence[str], rels: dict[str, int], k: int = 10) -> float:
    """nDCG@k with graded gains (BEIR/pytrec_eval convention: gain = rel, discount log2(rank + 1))."""
    dcg = sum(rels.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted(rels.values(), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def recall_at_k(ranked: Sequence[str], rels: dict[str, int], k: int = 10) -> float:
    """Share of the relevant documents found in the top k."""
    return len(set(ranked[:k]) & set(rels)) / len(rels) if rels else 0.0


def machine_label() -> str:
    """CPU model and core count, to label absolute timings."""
    model = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}"
