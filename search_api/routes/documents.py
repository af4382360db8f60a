"""GET /api/v1/documents/{doc_id} and /similar; ids may hold ':', '@' and spaces (path converter)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from search_api.dependencies import PrincipalDep, SearchServiceDep
from search_api.schemas import ERROR_RESPONSES, DocumentOut, ErrorResponse, SimilarResponse

router = APIRouter(
    prefix="/api/v1/documents",
    tags=["documents"],
    responses={**ERROR_RESPONSES, 404: {"model": ErrorResponse, "description": "No such (visible) document"}},
)


# Declared before the plain document route: the greedy path converter would otherwise swallow "/similar".
@router.get("/{doc_id:path}/similar", response_model=SimilarResponse, summary="Documents nearest by content")
def similar(
    doc_id: str,
    principal: PrincipalDep,
    service: SearchServiceDep,
    k: Annotated[int, Query(ge=1, description="How many documents.")] = 10,
) -> SimilarResponse:
    """Documents nearest to this one (mean of its passage vectors), itself excluded, one entry each."""
    return service.similar(doc_id, k, principal)


@router.get("/{doc_id:path}", response_model=DocumentOut, summary="A document with its sections and passages")
def document(doc_id: str, principal: PrincipalDep, service: SearchServiceDep) -> DocumentOut:
    """Identity, sections and passages with pages; hidden and missing documents answer the same 404."""
    return service.document(doc_id, principal)
