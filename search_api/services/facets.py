"""Facet counts (type, issuer, year, language) over the documents a principal may see."""

from __future__ import annotations

from dataclasses import replace

from indexer.retrieval.hybrid import HybridRetriever
from indexer.storage.filters import SearchFilter, filter_sql
from search_api.schemas import FacetsResponse, FacetValue
from search_api.security.principals import Principal

MAX_VALUES = 50
_FACETS = {
    "doc_type": "d.doc_type",
    "issuer": "d.issuer",
    "year": "substr(d.issued_date, 1, 4)",
    "language": "d.language",
}


def facets(retriever: HybridRetriever, principal: Principal, flt: SearchFilter, query: str = "") -> FacetsResponse:
    """Counts of visible documents matching the filters and, when a query is given, its retrieved hits."""
    flt = principal.access(flt)
    store = retriever.index.store
    if query:
        result = retriever.search(query, retriever.settings.search.candidates, "hybrid", flt)
        rows = store.chunks([c for c, _ in result.hits])
        doc_ids = tuple(dict.fromkeys(r["doc_id"] for r in rows.values()))
        if not doc_ids:
            return FacetsResponse(total=0, doc_type=[], issuer=[], year=[], language=[])
        flt = replace(flt, doc_ids=doc_ids)
    cond, params = filter_sql(flt)
    conn = store.conn
    total = int(conn.execute(f"SELECT count(*) FROM documents d WHERE {cond}", params).fetchone()[0])
    counts: dict[str, list[FacetValue]] = {}
    for name, expr in _FACETS.items():
        rows_ = conn.execute(
            f"SELECT {expr} AS v, count(*) AS n FROM documents d WHERE {cond} AND {expr} IS NOT NULL"
            f" AND {expr} != '' GROUP BY v ORDER BY n DESC, v LIMIT {MAX_VALUES}",
            params,
        ).fetchall()
        counts[name] = [FacetValue(value=str(r[0]), count=int(r[1])) for r in rows_]
    return FacetsResponse(total=total, **counts)
