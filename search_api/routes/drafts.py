"""Report drafting: GET /api/v1/templates, POST /api/v1/drafts (+ /stream), GET /api/v1/drafts/{id}.docx|.md."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel

from search_api.dependencies import DrafterRoleDep, SafeWrite, StateDep
from search_api.drafting.docx_export import to_docx
from search_api.drafting.llm import LlmDrafter, LlmUnavailable, chat_model
from search_api.drafting.markdown_export import to_markdown
from search_api.drafting.models import Draft
from search_api.drafting.service import DraftRequest, DraftService
from search_api.drafting.templates import TemplateRegistry
from search_api.errors import ApiError
from search_api.schemas import ERROR_RESPONSES, ErrorResponse
from search_api.security import guard_chunks
from search_api.security.principals import Principal
from search_api.services.search import to_filter
from search_api.state import AppState

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/api/v1", tags=["drafts"], responses=ERROR_RESPONSES)
_lock = threading.Lock()
NO_DRAFT: dict[int | str, dict[str, Any]] = {404: {"model": ErrorResponse, "description": "No such draft of yours"}}
NO_TEMPLATE: dict[int | str, dict[str, Any]] = {404: {"model": ErrorResponse, "description": "No such template"}}
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class TemplateOut(BaseModel):
    """A report template as listed to clients."""

    id: str
    language: str
    title: str
    description: str
    sections: list[str]


def get_draft_service(request: Request, state: StateDep) -> DraftService:
    """One drafting service per app, built on first use over the app's retriever."""
    holder = request.app.state
    with _lock:
        service: DraftService | None = getattr(holder, "drafts", None)
        if service is None:
            llm = None
            if state.settings.llm.base_url:
                llm = LlmDrafter(chat_model(state.settings.llm), state.embedder())
            service = DraftService(state.retriever, TemplateRegistry.load(state.settings.prompts_dir), llm)
            holder.drafts = service
    return service


def _public(draft: Draft) -> dict[str, Any]:
    return draft.model_dump(mode="json", exclude={"owner"})


def _events(
    service: DraftService, body: DraftRequest, principal: Principal, state: AppState
) -> Iterator[tuple[str, Any]]:
    """The service's events, with the request checked first and the finished draft audited."""
    flt = principal.access(to_filter(body.filters))
    audit = getattr(state, "audit_log", None)

    def guard(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return guard_chunks(principal, rows, audit, "drafts")

    try:
        service.templates.get(body.template, body.language)
    except KeyError as exc:
        raise ApiError(404, "not_found", f"no template {body.template!r}") from exc
    try:
        events = service.stream(body, flt, guard, principal.id)
        first = next(events)
    except LlmUnavailable as exc:
        raise ApiError(503, "unavailable", str(exc)) from exc
    yield first
    for name, payload in events:
        if name == "done":
            doc_ids = [s.doc_id for s in payload.sources]
            filters = body.filters.model_dump(mode="json", exclude_defaults=True)
            query = f"[{body.template}/{body.mode}] {body.topic}"
            state.audit(principal, "drafts", query, filters, payload.cited_chunk_ids(), doc_ids)
        yield name, payload


DraftServiceDep = Annotated[DraftService, Depends(get_draft_service)]


@router.get("/templates", response_model=list[TemplateOut], summary="Report templates (one per type and language)")
def list_templates(principal: DrafterRoleDep, service: DraftServiceDep) -> list[TemplateOut]:
    """Every template in prompts/: id, language, title and section headings."""
    return [
        TemplateOut(
            id=t.id,
            language=t.language,
            title=t.title,
            description=t.description,
            sections=[s.heading for s in t.sections],
        )
        for t in service.templates.all()
    ]


@router.post(
    "/drafts",
    summary="Draft a report from a template, citing the caller's visible documents",
    dependencies=[SafeWrite],
    responses=NO_TEMPLATE,
)
def create_draft(
    body: DraftRequest, principal: DrafterRoleDep, state: StateDep, service: DraftServiceDep
) -> dict[str, Any]:
    """The whole draft: sections of paragraphs, each with citations and whether it is supported."""
    for name, payload in _events(service, body, principal, state):
        if name == "done":
            return _public(payload)
    raise ApiError(500, "internal_error", "the draft did not finish")  # pragma: no cover


def _sse(name: str, payload: Any) -> str:
    data = payload.model_dump(mode="json", exclude={"owner"}) if isinstance(payload, BaseModel) else payload
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


@router.post(
    "/drafts/stream",
    summary="Draft a report, streaming one server-sent event per finished section",
    dependencies=[SafeWrite],
    response_class=StreamingResponse,
    responses={
        **NO_TEMPLATE,
        200: {
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
            "description": "Server-sent events: lines 'event: start|section|done|error' and 'data: <JSON>'.",
        },
    },
)
def stream_draft(
    body: DraftRequest, principal: DrafterRoleDep, state: StateDep, service: DraftServiceDep
) -> StreamingResponse:
    """Events: 'start' {id}, 'section' per section, 'done' with the whole draft (or 'error')."""
    events = _events(service, body, principal, state)
    first = next(events)  # errors before the first event become ordinary JSON error responses

    def generate() -> Iterator[str]:
        yield _sse(*first)
        try:
            for name, payload in events:
                yield _sse(name, payload)
        except Exception as exc:  # the status is already sent: report the failure as an event
            logger.exception("draft stream failed")
            yield _sse("error", {"code": "internal_error", "message": type(exc).__name__})

    return StreamingResponse(generate(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})


def _owned(service: DraftService, draft_id: str, principal: Principal) -> Draft:
    draft = service.store.get(draft_id, principal.id)  # the immutable id: a re-added name owns nothing
    if draft is None:
        raise ApiError(404, "not_found", "no draft with this id")
    return draft


@router.get(
    "/drafts/{draft_id}.docx",
    summary="A draft as DOCX (official layout)",
    response_class=Response,
    responses={**NO_DRAFT, 200: {"content": {DOCX_TYPE: {"schema": {"type": "string", "format": "binary"}}}}},
)
def draft_docx(draft_id: str, principal: DrafterRoleDep, service: DraftServiceDep) -> Response:
    """The caller's own draft as a Word document."""
    data = to_docx(_owned(service, draft_id, principal))
    headers = {"Content-Disposition": f'attachment; filename="draft-{draft_id}.docx"'}
    return Response(data, media_type=DOCX_TYPE, headers=headers)


@router.get(
    "/drafts/{draft_id}.md",
    summary="A draft as Markdown",
    response_class=Response,
    responses={**NO_DRAFT, 200: {"content": {"text/markdown": {"schema": {"type": "string"}}}}},
)
def draft_markdown(draft_id: str, principal: DrafterRoleDep, service: DraftServiceDep) -> Response:
    """The caller's own draft as Markdown text."""
    text = to_markdown(_owned(service, draft_id, principal))
    headers = {"Content-Disposition": f'attachment; filename="draft-{draft_id}.md"'}
    return Response(text, media_type="text/markdown; charset=utf-8", headers=headers)


@router.get("/drafts/{draft_id}", summary="A draft as JSON", responses=NO_DRAFT)
def get_draft(draft_id: str, principal: DrafterRoleDep, service: DraftServiceDep) -> dict[str, Any]:
    """The caller's own draft."""
    return _public(_owned(service, draft_id, principal))
