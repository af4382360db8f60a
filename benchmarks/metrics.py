"""Helpers shared by the benchmarks: BEIR loaders (indexer.evaluation), chunk → document ranking, machine label."""

from __future__ import annotations

import os
import platform
from collections.abc import Iterable

from indexer.embedding.cpu import cpu_model
from indexer.evaluation.runner import load_qrels, load_queries  # the BEIR loaders live with `thammuu eval`

__all__ = [
    "docs_from_chunks",
    "load_qrels",
    "load_queries",
    "machine_label",
]


def docs_from_chunks(hits: Iterable[tuple[int, float]], chunk_doc: dict[int, str]) -> list[str]:
    """Documents ranked by their best chunk (hits come best first, so first sight is the max score)."""
    seen: dict[str, None] = {}
    for cid, _ in hits:
        doc = chunk_doc.get(cid)
        if doc is not None and doc not in seen:
            seen[doc] = None
    return list(seen)


def machine_label() -> str:
    """CPU model and core count, to label absolute timings."""
    model = cpu_model()
    if model == "unknown CPU":
        model = platform.processor() or model
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}"
