"""Audit of every API request the services do not record themselves: refused, failed and the rest.

The services write the rich rows (query, filters, exactly which chunks and documents were shown) for the
answers they give. Everything else passes here, outermost of all middleware so that nothing escapes it:
requests refused by the HTTP guard (Host, Origin, bodies), by authentication (401) or roles (403), hidden or
missing ids (404), validation errors (422), and any failure (500). Each row says who (the principal, or the
key id presented, or "anonymous"), the endpoint, the HTTP status and the reason. Successful health checks
are not written: monitors poll them and they reveal nothing.
"""

from __future__ import annotations

import logging
import re

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from search_api.security.audit import AuditLog

logger = logging.getLogger(__name__)

# (method, path pattern) of the answers a service audits itself with their full content.
SERVICE_AUDITED = (
    ("POST", re.compile(r"^/api/v1/search$")),
    ("GET", re.compile(r"^/api/v1/facets$")),
    ("GET", re.compile(r"^/api/v1/documents/.+")),
    ("POST", re.compile(r"^/api/v1/drafts(/stream)?$")),
    ("POST", re.compile(r"^/api/v1/index$")),
)
QUIET = (("GET", re.compile(r"^/api/v1/health$")),)


def _matches(rules: tuple[tuple[str, re.Pattern[str]], ...], method: str, path: str) -> bool:
    return any(method == m and pattern.match(path) for m, pattern in rules)


def caller_of(state: dict[str, object]) -> str:
    """Who made the request, as far as it got: the principal's name, the key id it presented, or anonymous."""
    principal = state.get("principal_name")
    if isinstance(principal, str):
        return principal
    caller = state.get("caller")
    return caller if isinstance(caller, str) else "anonymous"


def reason_of(state: dict[str, object]) -> str | None:
    """The error code and message an error handler or the HTTP guard recorded, if any."""
    for key in ("refusal", "error"):
        value = state.get(key)
        if isinstance(value, tuple) and len(value) == 3:
            return f"{value[1]}: {value[2]}"
    return None


class RequestAuditMiddleware:
    """Writes one audit row for each /api request that no service audited (see the module docstring)."""

    def __init__(self, app: ASGIApp, *, audit_log: AuditLog) -> None:
        self.app = app
        self.audit_log = audit_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not path.startswith("/api/"):
            await self.app(scope, receive, send)
            return
        state: dict[str, object] = scope.setdefault("state", {})
        method = scope.get("method", "GET")
        status = 500

        async def send_recording(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_recording)
        except Exception:
            await self._record(state, method, path, 500, "internal_error: unhandled exception (see the server log)")
            raise
        if status < 400 and (_matches(SERVICE_AUDITED, method, path) or _matches(QUIET, method, path)):
            return
        await self._record(state, method, path, status, reason_of(state))

    async def _record(self, state: dict[str, object], method: str, path: str, status: int, reason: str | None) -> None:
        endpoint = f"{method} {path[:300]}"
        try:
            clearance = state.get("principal_clearance")
            level = clearance if isinstance(clearance, int) else 0
            await anyio.to_thread.run_sync(self.audit_log.request, caller_of(state), endpoint, status, reason, level)
        except Exception:  # the answer is already on its way; a broken audit log must be loud, not silent
            logger.exception("could not write the audit row for %s (%d)", endpoint, status)
