"""Retrieval for one section: the section's hints plus the user's topic, under the caller's filter and guard."""

from __future__ import annotations

import logging
from collections.abc import Callable

from indexer.retrieval.hybrid import HybridRetriever
from indexer.storage.filters import SearchFilter
from indexer.storage.records import ChunkRecord

logger = logging.getLogger(__name__)

Rows = list[ChunkRecord]
Guard = Callable[[Rows], Rows]


def section_queries(topic: str, hints: list[str]) -> list[str]:
    """One query per hint, each carrying the topic (the topic alone when there are no hints)."""
    return [f"{topic} {h}".strip() for h in hints] or [topic]


def retrieve_passages(
    retriever: HybridRetriever,
    topic: str,
    hints: list[str],
    flt: SearchFilter,
    guard: Guard,
    k: int = 8,
    per_query: int = 6,
) -> Rows:
    """Passages for the section, best first; those the guard refuses are dropped.

    ``flt`` must already carry the caller's clearance (``flt.with_access(...)``): filtering happens inside
    retrieval, the guard is the last line of defence.
    """
    best: dict[int, float] = {}
    for rank_q, query in enumerate(section_queries(topic, hints)):
        result = retriever.search(query, per_query, "hybrid", flt, candidates=max(per_query * 4, 20))
        for cid, score in result.hits[:per_query]:
            # Earlier hints are the more central ones: a small tie-break keeps their hits ahead.
            best[cid] = max(best.get(cid, float("-inf")), score - 1e-3 * rank_q)
    ranked = sorted(best.items(), key=lambda x: -x[1])[:k]
    rows_by_id = retriever.index.store.chunks([c for c, _ in ranked])
    rows = [rows_by_id[c] for c, _ in ranked if c in rows_by_id]
    kept = guard(rows)
    logger.debug("section %r: %d passages (%d after guard)", hints[:1], len(rows), len(kept))
    return kept
