"""POST /api/v1/search and GET /api/v1/facets."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import ValidationError

from search_api.dependencies import AuditDep, PrincipalDep, RetrieverDep, SafeWrite, SearchServiceDep
from search_api.errors import ApiError
from search_api.schemas import ERROR_RESPONSES, FacetsResponse, IsoDate, SearchFilters, SearchRequest, SearchResponse
from search_api.services.facets import facets
from search_api.services.search import to_filter

router = APIRouter(prefix="/api/v1", tags=["search"], responses=ERROR_RESPONSES)


@router.post(
    "/search",
    response_model=SearchResponse,
    summary="Hybrid search with filters, grouping and paging",
    dependencies=[SafeWrite],
)
def search(body: SearchRequest, principal: PrincipalDep, service: SearchServiceDep) -> SearchResponse:
    """Passages best first; a query naming a document number puts that document first."""
    return service.search(body, principal)


@router.get("/facets", response_model=FacetsResponse, summary="Document counts by type, issuer, year, language")
def get_facets(
    principal: PrincipalDep,
    service: SearchServiceDep,
    retriever: RetrieverDep,
    audit: AuditDep,
    q: Annotated[str, Query(description="Optional query: count only its retrieved documents.")] = "",
    doc_type: Annotated[list[str] | None, Query()] = None,
    issuer: Annotated[list[str] | None, Query()] = None,
    number: Annotated[str | None, Query()] = None,
    date_from: Annotated[IsoDate | None, Query()] = None,
    date_to: Annotated[IsoDate | None, Query()] = None,
    language: Annotated[list[str] | None, Query()] = None,
    in_force: Annotated[bool, Query(description="Only documents in force on as_of.")] = False,
    as_of: Annotated[IsoDate | None, Query(description="Validity date (YYYY-MM-DD); today by default.")] = None,
) -> FacetsResponse:
    """Counts over the documents the caller may see, narrowed by the same filters as a search."""
    query = service.check_query(q, required=False)
    try:
        filters = SearchFilters(
            doc_type=doc_type or [],
            issuer=issuer or [],
            number=number,
            date_from=date_from,
            date_to=date_to,
            language=language or [],
            in_force=in_force,
            as_of=as_of,
        )
    except ValidationError as exc:  # e.g. date_from after date_to: the caller's mistake, a 422 with the reason
        reasons = "; ".join(str(e.get("msg", "invalid")) for e in exc.errors())
        raise ApiError(422, "validation_error", reasons) from None
    result = facets(retriever, principal, to_filter(filters), query)
    audit(principal, "facets", query, filters.model_dump(mode="json", exclude_defaults=True), [], [])
    return result
