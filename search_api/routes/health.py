"""GET /api/v1/health: is an index loaded, with which model, how big."""

from __future__ import annotations

from fastapi import APIRouter

from indexer.errors import IndexerError
from indexer.storage.filters import SearchFilter
from search_api.dependencies import OptionalPrincipalDep, StateDep
from search_api.schemas import HealthResponse

router = APIRouter(prefix="/api/v1", tags=["health"])


@router.get("/health", response_model=HealthResponse, summary="Index and model status")
def health(state: StateDep, principal: OptionalPrincipalDep) -> HealthResponse:
    """'ok' when an index is open ('degraded' with the reason otherwise); open to all, as monitors need it.

    Counts cover only what the caller may see; an anonymous caller gets none, so health never tells how many
    classified documents exist.
    """
    try:
        index = state.index
    except IndexerError as exc:
        return HealthResponse(
            status="degraded", index_loaded=False, index_dir=str(state.settings.index_dir), message=str(exc)
        )
    stats = (
        index.store.stats(principal.access(SearchFilter())) if principal is not None else {"documents": 0, "chunks": 0}
    )
    return HealthResponse(
        status="ok",
        index_loaded=True,
        index_dir=str(index.directory),
        model=index.manifest.model,
        dimension=index.manifest.dimension,
        documents=stats["documents"],
        chunks=stats["chunks"],
        index_type=index.vectors.kind,
        generation=index.store.generation(),
    )
