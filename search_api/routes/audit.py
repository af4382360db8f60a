"""GET /api/v1/audit: the append-only audit log, for admins only."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from search_api.dependencies import AdminDep, StateDep
from search_api.schemas import ERROR_RESPONSES, IsoDateTime

router = APIRouter(prefix="/api/v1", tags=["audit"], responses=ERROR_RESPONSES)


class AuditResponse(BaseModel):
    """Audit rows, newest first: who asked what, with which filters, and which chunks and documents came back."""

    rows: list[dict[str, Any]] = Field(description="time, principal, endpoint, query, filters, chunk_ids, doc_ids")


@router.get("/audit", response_model=AuditResponse, summary="Read the audit log (admin)")
def read_audit(
    state: StateDep,
    admin: AdminDep,
    principal: Annotated[str | None, Query(description="Only this principal's requests.")] = None,
    since: Annotated[IsoDateTime | None, Query(description="Only requests from this time on (ISO 8601).")] = None,
    limit: Annotated[int, Query(ge=1, le=10_000, description="Most rows returned.")] = 1000,
) -> AuditResponse:
    """Rows of the audit log (those of requesters cleared above the admin without their content); the read
    itself is written down by the request audit."""
    rows = state.audit_log.query(
        principal=principal, since=since, limit=limit, viewer_clearance=int(admin.clearance), viewer_units=admin.units
    )
    return AuditResponse(rows=rows)
