"""Dependencies of the routes, named once as Annotated aliases: settings, principal, retriever, services, audit."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from indexer.interfaces import Embedder
from indexer.retrieval.hybrid import HybridRetriever
from indexer.storage.index import Index
from search_api.config import AppSettings
from search_api.errors import ApiError
from search_api.security.errors import SecurityError
from search_api.security.http_guard import Refusal, check_write
from search_api.security.principals import Principal, Role
from search_api.services.jobs import IndexJobs
from search_api.services.search import Auditor, SearchService
from search_api.state import AppState

logger = logging.getLogger(__name__)

_bearer = HTTPBearer(auto_error=False, description="API key: `Authorization: Bearer tm_…`")


def get_state(request: Request) -> AppState:
    """The app's state, built by create_app."""
    state: AppState = request.app.state.thammuu
    return state


StateDep = Annotated[AppState, Depends(get_state)]


def get_settings(state: StateDep) -> AppSettings:
    return state.settings


def _presented_key_id(key: str) -> str:
    """What the audit may say about a key that failed: its public id part only, never the secret."""
    parts = key.split("_", 2)
    return f"key {parts[1][:16]}" if key.startswith("tm_") and len(parts) == 3 else "invalid key"


def get_principal(
    request: Request,
    state: StateDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller: the holder of the Bearer key, the development principal (dev mode, no key), or 401."""
    key = credentials.credentials if credentials else None
    if key:
        request.state.caller = _presented_key_id(key)
    principal = state.authenticate(key)  # raises Unauthenticated → 401
    request.state.principal_name = principal.name
    request.state.principal_clearance = int(principal.clearance)
    request.state.principal_units = principal.units
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def get_optional_principal(
    request: Request,
    state: StateDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal | None:
    """The caller if identified (or the development principal), None for an anonymous call: health only."""
    try:
        return get_principal(request, state, credentials)
    except SecurityError:
        return None


OptionalPrincipalDep = Annotated[Principal | None, Depends(get_optional_principal)]


def require_safe_write(request: Request) -> None:
    """State-changing routes: JSON, or a multipart upload proven to come from this server's page (no CSRF)."""
    try:
        check_write(request.headers)
    except Refusal as refusal:
        raise ApiError(refusal.status, refusal.code, refusal.message) from None


SafeWrite = Depends(require_safe_write)


def require_admin(principal: PrincipalDep) -> Principal:
    """The caller, who must hold a key with the 'admin' role (401 without one, 403 for other roles)."""
    if principal.dev_mode:
        raise ApiError(401, "unauthorized", "admin endpoints always need an API key", {"WWW-Authenticate": "Bearer"})
    if not principal.has_role(Role.ADMIN):
        raise ApiError(403, "forbidden", "this endpoint needs the 'admin' role")
    return principal


def require_drafter(principal: PrincipalDep) -> Principal:
    """The caller, who must hold the 'drafter' role (403 otherwise)."""
    if not principal.has_role(Role.DRAFTER):
        raise ApiError(403, "forbidden", "this endpoint needs the 'drafter' role")
    return principal


def get_embedder(state: StateDep) -> Embedder:
    return state.embedder()


def get_index(state: StateDep) -> Index:
    return state.index


def get_retriever(state: StateDep) -> HybridRetriever:
    return state.retriever


def get_search_service(state: StateDep) -> SearchService:
    return state.search


def get_audit(state: StateDep) -> Auditor:
    return state.audit


def get_jobs(state: StateDep) -> IndexJobs:
    return state.jobs


SettingsDep = Annotated[AppSettings, Depends(get_settings)]
AdminDep = Annotated[Principal, Depends(require_admin)]
DrafterRoleDep = Annotated[Principal, Depends(require_drafter)]
EmbedderDep = Annotated[Embedder, Depends(get_embedder)]
IndexDep = Annotated[Index, Depends(get_index)]
RetrieverDep = Annotated[HybridRetriever, Depends(get_retriever)]
SearchServiceDep = Annotated[SearchService, Depends(get_search_service)]
AuditDep = Annotated[Auditor, Depends(get_audit)]
JobsDep = Annotated[IndexJobs, Depends(get_jobs)]
