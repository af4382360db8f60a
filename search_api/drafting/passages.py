"""The passages a draft draws on: every chunk of the documents in scope, under the caller's filter and guard.

A draft quotes documents, not search hits: once the documents about the subject (or, without one, the documents
relevant to the topic) are known, each section takes the chunks of those documents whose role it accepts. The
pool is read once per draft, with the stored passage vectors, so no section re-runs a search.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from indexer.retrieval.hybrid import HybridRetriever
from indexer.storage.filters import SearchFilter
from indexer.storage.records import ChunkRecord

logger = logging.getLogger(__name__)

Rows = list[ChunkRecord]
Guard = Callable[[Rows], Rows]

RELATIVE_RELEVANCE = 0.82  # topic-only drafts keep documents whose best passage is this close to the best one
MIN_RELEVANCE = 0.30  # … and at least this similar to the topic (cosine of the packaged model)


@dataclass
class Pool:
    """The chunks in scope (guarded), their stored vectors, and the documents in draft order."""

    rows: Rows = field(default_factory=list)
    vectors: dict[int, np.ndarray] = field(default_factory=dict)
    doc_order: dict[str, int] = field(default_factory=dict)

    def with_roles(self, roles: Sequence[str]) -> Rows:
        """The chunks whose section role is one of ``roles``."""
        wanted = set(roles)
        return [r for r in self.rows if r.role in wanted]


def read_pool(retriever: HybridRetriever, doc_ids: Sequence[str], flt: SearchFilter, guard: Guard) -> Pool:
    """Every chunk of the documents (those ``flt`` lets through), guarded, in document then reading order."""
    store = retriever.index.store
    rows: Rows = []
    order: dict[str, int] = {}
    for doc_id in doc_ids:
        if doc_id in order or store.document(doc_id, flt) is None:
            continue
        order[doc_id] = len(order)
        rows.extend(store.document_chunks(doc_id))
    kept = guard(rows)
    return Pool(kept, store.chunk_vectors([r.chunk_id for r in kept]), order)


def relevant_documents(
    retriever: HybridRetriever, topic: str, topic_vector: np.ndarray, flt: SearchFilter, candidates: int = 60
) -> list[str]:
    """Documents the topic retrieves whose best passage is close enough to the topic (a measured threshold keeps
    documents that merely share a few words out), best first."""
    store = retriever.index.store
    result = retriever.search(topic, candidates, "hybrid", flt)
    rows = store.chunks([cid for cid, _ in result.hits])
    vectors = store.chunk_vectors(list(rows))
    best: dict[str, float] = {}
    for cid, row in rows.items():
        vec = vectors.get(cid)
        if vec is not None:
            best[row.doc_id] = max(best.get(row.doc_id, -1.0), float(vec @ topic_vector))
    if not best:
        return []
    top = max(best.values())
    keep = [
        d for d, s in sorted(best.items(), key=lambda x: -x[1]) if s >= max(MIN_RELEVANCE, RELATIVE_RELEVANCE * top)
    ]
    logger.debug("topic %r: %d of %d documents relevant (best %.3f)", topic[:40], len(keep), len(best), top)
    return keep


def in_language(flt: SearchFilter, language: str) -> SearchFilter:
    """The filter restricted to one language unless the caller chose languages."""
    return flt if flt.languages else replace(flt, languages=(language,))
