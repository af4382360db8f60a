"""The drafts service of the API: a principal's drafts, under its clearance, audited, owned by its id.

Wraps the drafting engine (``drafting.service.DraftService``) with what the API adds: the caller's access filter
and response guard, the audit row of a finished draft, and ownership (a draft is found only by the immutable
id of the principal who made it).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from indexer.storage.records import ChunkRecord
from search_api.drafting.models import Draft
from search_api.drafting.service import DraftRequest, DraftService
from search_api.drafting.templates import Template
from search_api.errors import ApiError
from search_api.security import AuditLog, guard_chunks
from search_api.security.principals import Principal
from search_api.services.search import Auditor, to_filter

Event = tuple[str, Any]


def public(draft: Draft) -> dict[str, Any]:
    """A draft as its owner sees it (the owner's id stays inside)."""
    return draft.model_dump(mode="json", exclude={"owner"})


class DraftsService:
    """Drafts for principals: streamed or whole, audited when done, read back only by their owner."""

    def __init__(self, engine: DraftService, audit_log: AuditLog, audit: Auditor) -> None:
        self.engine = engine
        self.audit_log = audit_log
        self.audit = audit

    def templates(self) -> list[Template]:
        return self.engine.templates.all()

    def events(self, body: DraftRequest, principal: Principal) -> Iterator[Event]:
        """('start', …), ('section', …)…, ('done', Draft). The template is checked and the first event produced
        before this returns, so an unknown template (404) or an unavailable LLM (503) is an ordinary error."""
        self.engine.templates.get(body.template, body.language)  # UnknownTemplate → 404
        flt = principal.access(to_filter(body.filters))

        def guard(rows: list[ChunkRecord]) -> list[ChunkRecord]:
            return guard_chunks(principal, rows, self.audit_log, "drafts")

        events = self.engine.stream(body, flt, guard, principal.id)
        first = next(events)  # LlmUnavailable → 503, before any byte is sent
        return self._audited(first, events, body, principal)

    def _audited(
        self, first: Event, events: Iterator[Event], body: DraftRequest, principal: Principal
    ) -> Iterator[Event]:
        yield first
        try:
            for name, payload in events:
                if name == "done":
                    filters = body.filters.model_dump(mode="json", exclude_defaults=True)
                    query = f"[{body.template}/{body.mode}] {body.topic}"
                    if body.subject:
                        query += f" (subject {body.subject})"
                    doc_ids = [s.doc_id for s in payload.sources]
                    self.audit(principal, "drafts", query, filters, payload.cited_chunk_ids(), doc_ids)
                yield name, payload
        except Exception as exc:
            # Once the first event is out the answer is a 200 the request audit never sees fail: record it here.
            reason = f"internal_error: the draft failed after it started ({type(exc).__name__})"
            self.audit_log.request(principal.name, "drafts", 500, reason, int(principal.clearance), principal.units)
            raise

    def draft(self, body: DraftRequest, principal: Principal) -> Draft:
        """The whole draft at once."""
        for name, payload in self.events(body, principal):
            if name == "done":
                return payload  # type: ignore[no-any-return]
        raise ApiError(500, "internal_error", "the draft did not finish")  # pragma: no cover

    def owned(self, draft_id: str, principal: Principal) -> Draft:
        """The caller's own draft (by its immutable id: a re-added name owns nothing), else 404."""
        draft = self.engine.store.get(draft_id, principal.id)
        if draft is None:
            raise ApiError(404, "not_found", "no draft with this id")
        return draft
