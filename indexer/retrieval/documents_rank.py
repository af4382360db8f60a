"""Documents ranked by their best passage: the one grouping rule shared by the search API and ``thammuu eval``.

Retrieval ranks passages (chunks); a document ranks where its best passage does. Enough passages are pooled
(``document_pool``) that k distinct documents are usually found even when a few documents hold many hits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from indexer.config import SearchSettings
from indexer.retrieval.hybrid import HybridRetriever, Mode, RetrievalResult
from indexer.storage.filters import SearchFilter
from indexer.storage.records import ChunkRecord

RankedDocument = tuple[str, int, float]  # (doc_id, best chunk_id, score)

POOL_FACTOR = 4  # passages pooled per wanted document


def document_pool(search: SearchSettings, k: int, candidates: int | None = None) -> int:
    """Passages to retrieve for k documents: the configured candidates, at least ``POOL_FACTOR`` per document."""
    return max(candidates or search.candidates, k * POOL_FACTOR)


def best_per_document(hits: Iterable[tuple[int, float]], rows: Mapping[int, ChunkRecord]) -> list[RankedDocument]:
    """Each document once, by its first (best) passage in ``hits`` order; hits without a row are skipped."""
    seen: set[str] = set()
    out: list[RankedDocument] = []
    for chunk_id, score in hits:
        row = rows.get(chunk_id)
        if row is None:
            continue
        doc_id = row.doc_id
        if doc_id not in seen:
            seen.add(doc_id)
            out.append((doc_id, chunk_id, score))
    return out


def rank_documents(
    retriever: HybridRetriever,
    query: str,
    k: int,
    mode: Mode = "hybrid",
    flt: SearchFilter | None = None,
    candidates: int | None = None,
) -> tuple[list[RankedDocument], RetrievalResult]:
    """The top k documents for a query exactly as the search API groups them (no access guard applied)."""
    pool = document_pool(retriever.settings.search, k, candidates)
    result = retriever.search(query, k, mode, flt, candidates=pool)
    rows = retriever.index.store.chunks([c for c, _ in result.hits])
    return best_per_document(result.hits, rows)[:k], result
