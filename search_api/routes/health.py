"""GET /api/v1/health: is an index loaded, with which model, how big."""

from __future__ import annotations

from fastapi import APIRouter

from indexer.errors import IndexerError
from search_api.dependencies import PrincipalDep, StateDep
from search_api.schemas import HealthResponse

router = APIRouter(prefix="/api/v1", tags=["health"])


@router.get("/health", response_model=HealthResponse, summary="Index and model status")
def health(state: StateDep, _principal: PrincipalDep) -> HealthResponse:
    """'ok' with counts when an index is open; 'degraded' with the reason otherwise."""
    try:
        index = state.index
    except IndexerError as exc:
        return HealthResponse(
            status="degraded", index_loaded=False, index_dir=str(state.settings.index_dir), message=str(exc)
        )
    stats = index.store.stats()
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
