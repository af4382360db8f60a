"""The app factory: ``create_app(settings)`` builds state, error handlers, routers and the static page."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.staticfiles import StaticFiles

from indexer import __version__
from indexer.config import Settings
from indexer.interfaces import Embedder
from search_api import openapi_limits
from search_api.config import app_settings
from search_api.errors import register_error_handlers
from search_api.routes import audit, documents, drafts, health, index_jobs, search
from search_api.security.http_guard import HttpGuardMiddleware, allowed_host_names
from search_api.security.request_audit import RequestAuditMiddleware
from search_api.state import AppState

logger = logging.getLogger(__name__)

WEB_DIR = Path(__file__).resolve().parent / "web"
DESCRIPTION = """Offline semantic search over party-committee documents (Vietnamese, English, Bengali).

Authenticate with `Authorization: Bearer <API key>`. A server started on loopback with no principal defined
runs in single-user development mode: requests without a key read and draft over unclassified documents
only; admin endpoints always need a key. POST bodies are `application/json` (or `multipart/form-data` for an
upload, which must come from the page or carry an `X-Thammuu-Client` header).
Errors are always `{"error": {"code": ..., "message": ...}}`."""


def create_app(settings: Settings | None = None, *, embedder: Embedder | None = None, warm: bool = True) -> FastAPI:
    """Build the API for one index; ``embedder`` overrides the process-wide model (tests), ``warm`` preloads it."""
    state = AppState(app_settings(settings), embedder)
    settings = state.settings

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if warm:
            await run_in_threadpool(state.try_open)  # loads the model once and opens the index, off the loop
        yield
        await run_in_threadpool(state.close)

    app = FastAPI(
        title="Thammuu",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url="/docs",
        openapi_url="/openapi.json",
    )
    app.state.thammuu = state
    register_error_handlers(app)
    api = settings.api
    app.add_middleware(
        HttpGuardMiddleware,
        allowed_hosts=allowed_host_names(api.host, api.allowed_hosts),
        max_body_bytes=api.max_body_bytes,
        max_json_depth=api.max_json_depth,
    )
    app.add_middleware(RequestAuditMiddleware, audit_log=state.audit_log)  # outermost: sees every refusal
    for module in (search, documents, health, index_jobs, audit, drafts):
        app.include_router(module.router)
    openapi_limits.install(app, settings)
    # Last, so every /api route wins over the page's catch-all.
    if WEB_DIR.is_dir():
        app.mount("/", StaticFiles(directory=WEB_DIR, html=True), name="web")
    return app
