"""Report drafting: GET /api/v1/templates, POST /api/v1/drafts (+ /stream), GET /api/v1/drafts/{id}.docx|.md."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import BaseModel
from sse_starlette import EventSourceResponse

from search_api.dependencies import DrafterRoleDep, SafeWrite, StateDep
from search_api.drafting.docx_export import to_docx
from search_api.drafting.markdown_export import to_markdown
from search_api.drafting.service import DraftRequest
from search_api.schemas import ERROR_RESPONSES, ErrorResponse
from search_api.services.drafts import DraftsService, public

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/api/v1", tags=["drafts"], responses=ERROR_RESPONSES)
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


def get_drafts(state: StateDep) -> DraftsService:
    """The app's drafts service (built on first use over the app's retriever)."""
    return state.drafts


DraftsDep = Annotated[DraftsService, Depends(get_drafts)]


@router.get("/templates", response_model=list[TemplateOut], summary="Report templates (one per type and language)")
def list_templates(principal: DrafterRoleDep, drafts: DraftsDep) -> list[TemplateOut]:
    """Every template in prompts/: id, language, title and section headings."""
    return [
        TemplateOut(
            id=t.id,
            language=t.language,
            title=t.title,
            description=t.description,
            sections=[s.heading for s in t.sections],
        )
        for t in drafts.templates()
    ]


@router.post(
    "/drafts",
    summary="Draft a report from a template, citing the caller's visible documents",
    dependencies=[SafeWrite],
    responses=NO_TEMPLATE,
)
def create_draft(body: DraftRequest, principal: DrafterRoleDep, drafts: DraftsDep) -> dict[str, Any]:
    """The whole draft: sections of paragraphs, each with citations and whether it is supported."""
    return public(drafts.draft(body, principal))


def _sse(name: str, payload: Any) -> dict[str, str]:
    data = payload.model_dump(mode="json", exclude={"owner"}) if isinstance(payload, BaseModel) else payload
    return {"event": name, "data": json.dumps(data, ensure_ascii=False)}


@router.post(
    "/drafts/stream",
    summary="Draft a report, streaming one server-sent event per finished section",
    dependencies=[SafeWrite],
    response_class=EventSourceResponse,
    responses={
        **NO_TEMPLATE,
        200: {
            "content": {
                "text/event-stream": {
                    "schema": {  # one server-sent event
                        "type": "object",
                        "properties": {
                            "event": {"type": "string", "enum": ["start", "section", "done", "error"]},
                            "data": {"type": "string", "description": "The event's payload as JSON text."},
                        },
                        "required": ["data"],
                    }
                }
            },
            "description": "Server-sent events: lines 'event: start|section|done|error' and 'data: <JSON>'.",
        },
    },
)
def stream_draft(body: DraftRequest, principal: DrafterRoleDep, drafts: DraftsDep) -> EventSourceResponse:
    """Events: 'start' {id}, 'section' per section, 'done' with the whole draft (or 'error')."""
    events = drafts.events(body, principal)  # errors before the first event are ordinary JSON error responses

    def generate() -> Iterator[dict[str, str]]:
        try:
            for name, payload in events:
                yield _sse(name, payload)
        except Exception as exc:  # the status is already sent: report the failure as an event
            logger.exception("draft stream failed")
            yield _sse("error", {"code": "internal_error", "message": type(exc).__name__})

    return EventSourceResponse(generate(), sep="\n", headers={"Cache-Control": "no-cache"})


@router.get(
    "/drafts/{draft_id}.docx",
    summary="A draft as DOCX (official layout)",
    response_class=Response,
    responses={**NO_DRAFT, 200: {"content": {DOCX_TYPE: {"schema": {"type": "string", "format": "binary"}}}}},
)
def draft_docx(draft_id: str, principal: DrafterRoleDep, drafts: DraftsDep) -> Response:
    """The caller's own draft as a Word document."""
    data = to_docx(drafts.owned(draft_id, principal))
    headers = {"Content-Disposition": f'attachment; filename="draft-{draft_id}.docx"'}
    return Response(data, media_type=DOCX_TYPE, headers=headers)


@router.get(
    "/drafts/{draft_id}.md",
    summary="A draft as Markdown",
    response_class=Response,
    responses={**NO_DRAFT, 200: {"content": {"text/markdown": {"schema": {"type": "string"}}}}},
)
def draft_markdown(draft_id: str, principal: DrafterRoleDep, drafts: DraftsDep) -> Response:
    """The caller's own draft as Markdown text."""
    text = to_markdown(drafts.owned(draft_id, principal))
    headers = {"Content-Disposition": f'attachment; filename="draft-{draft_id}.md"'}
    return Response(text, media_type="text/markdown; charset=utf-8", headers=headers)


@router.get("/drafts/{draft_id}", summary="A draft as JSON", responses=NO_DRAFT)
def get_draft(draft_id: str, principal: DrafterRoleDep, drafts: DraftsDep) -> dict[str, Any]:
    """The caller's own draft."""
    return public(drafts.owned(draft_id, principal))
