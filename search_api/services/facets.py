"""Facet counts (type, issuer, year, language) over the documents a principal may see."""

from __future__ import annotations

from indexer.retrieval.hybrid import HybridRetriever
from indexer.storage.filters import SearchFilter
from search_api.schemas import FacetsResponse, FacetValue
from search_api.security.principals import Principal
from search_api.services.validity import validity_facet

MAX_VALUES = 50


def facets(retriever: HybridRetriever, principal: Principal, flt: SearchFilter, query: str = "") -> FacetsResponse:
    """Counts of visible documents matching the filters and, when a query is given, its retrieved hits."""
    flt = principal.access(flt)
    store = retriever.index.store
    doc_ids: tuple[str, ...] | None = None
    if query:
        result = retriever.search(query, retriever.settings.search.candidates, "hybrid", flt)
        rows = store.chunks([c for c, _ in result.hits])
        doc_ids = tuple(dict.fromkeys(r.doc_id for r in rows.values()))
    counts = store.facet_counts(flt, doc_ids, MAX_VALUES)
    matching = store.doc_ids_matching(flt) if doc_ids is None else list(doc_ids)
    return FacetsResponse(
        total=counts.total,
        validity=validity_facet(store, matching, flt),
        **{name: [FacetValue(value=v, count=n) for v, n in values] for name, values in counts.values.items()},
    )
