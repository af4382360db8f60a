"""GET /api/v1/health: is an index loaded; what it holds only for those allowed to know."""

from __future__ import annotations

from fastapi import APIRouter

from indexer.errors import IndexerError
from indexer.storage.filters import SearchFilter
from search_api.dependencies import OptionalPrincipalDep, StateDep
from search_api.schemas import HealthResponse
from search_api.security.principals import Role

router = APIRouter(prefix="/api/v1", tags=["health"])


@router.get("/health", response_model=HealthResponse, response_model_exclude_none=True, summary="Server status")
def health(state: StateDep, principal: OptionalPrincipalDep) -> HealthResponse:
    """'ok' when an index is open, 'degraded' otherwise; open to all, as monitors need it.

    An anonymous caller learns the status and nothing else: no counts, no paths, no generation (it moves when
    a classified document is added). A principal also gets the model and the counts of what it may see; only
    an admin sees the index directory, its generation and why it is degraded.
    """
    admin = principal is not None and not principal.dev_mode and principal.has_role(Role.ADMIN)
    try:
        index = state.index
    except IndexerError as exc:
        if principal is None:
            return HealthResponse(status="degraded")
        return HealthResponse(
            status="degraded",
            index_loaded=False,
            index_dir=str(state.settings.index_dir) if admin else None,
            message=str(exc) if admin else "no index is loaded",
        )
    if principal is None:
        return HealthResponse(status="ok")
    stats = index.store.stats(principal.access(SearchFilter()))
    return HealthResponse(
        status="ok",
        index_loaded=True,
        model=index.manifest.model,
        dimension=index.manifest.dimension,
        documents=stats["documents"],
        chunks=stats["chunks"],
        index_type=index.vectors.kind,
        index_dir=index.location if admin else None,
        generation=index.store.generation() if admin else None,
    )
