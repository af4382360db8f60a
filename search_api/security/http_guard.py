"""HTTP-level defences: Host allow-list, cross-site writes, unreadable bodies, security headers.

One pure-ASGI middleware before any route (no body copy for GETs, streaming answers untouched), and
``check_write`` for the routes that change state:

- **Host allow-list** (DNS rebinding): a request whose ``Host`` is not the bound address, ``localhost``,
  ``127.0.0.1``, ``::1`` or a configured name is answered 421 before anything else.
- **Cross-site writes** (CSRF, checked by each state-changing route through ``check_write``): a request must be
  ``application/json`` or ``multipart/form-data`` (415 otherwise: a plain HTML form on a foreign page can send
  neither JSON nor our custom header); any ``Origin`` it carries must be this server's own (403 otherwise); a
  multipart body must also prove it comes from our page: a same-origin ``Origin`` or ``Referer``, or the
  ``X-Thammuu-Client`` header that the page and scripts send (a browser refuses that header cross-site
  without a CORS preflight, which this server never grants).
- **Unreadable input** (lone surrogates, NUL, depth bombs): JSON bodies are bounded in size (413) and nesting
  depth, must be UTF-8 and must decode to text that can be stored; query strings and paths may not carry NUL.
  Each is a 422 with a reason before any work is done.
- **Security headers** on every answer: a strict CSP (the page loads only its own files), no framing, no MIME
  sniffing, same-origin referrers, and ``Cache-Control: no-store`` on the API (answers may be classified).

Refusals are recorded in ``scope["state"]["refusal"]`` so the request audit writes down why.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import unquote_to_bytes, urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger(__name__)

CLIENT_HEADER = "x-thammuu-client"
JSON_TYPES = ("application/json",)
MULTIPART_TYPE = "multipart/form-data"

PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# FastAPI's /docs and /redoc pages load Swagger UI / ReDoc from their CDN with an inline bootstrap script.
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; "
    "font-src 'self' https://fonts.gstatic.com; "
    "worker-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
DOCS_PATHS = ("/docs", "/redoc")
COMMON_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
)


class Refusal(Exception):
    """A request refused before routing: HTTP status, error code and a reason safe to show."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def allowed_host_names(bind_host: str, extra: Iterable[str] = ()) -> frozenset[str]:
    """Host names (no port, lower case) the server answers to."""
    names = {"localhost", "127.0.0.1", "::1", bind_host.strip().strip("[]").lower()}
    names.update(h.strip().strip("[]").lower() for h in extra if h.strip())
    names.discard("")
    if bind_host in ("0.0.0.0", "::"):  # a wildcard bind is not a name a client can send
        names.discard(bind_host)
    return frozenset(names)


def host_name(netloc: str) -> str:
    """The host part of a ``host[:port]`` or ``[v6]:port`` value, lower case."""
    netloc = netloc.strip().lower()
    if netloc.startswith("["):
        return netloc[1:].split("]", 1)[0]
    if netloc.count(":") > 1:  # bare IPv6 without brackets
        return netloc
    return netloc.split(":", 1)[0]


def json_depth_exceeds(body: bytes, limit: int) -> bool:
    """True when the JSON text nests arrays/objects deeper than ``limit`` (strings are skipped correctly)."""
    depth = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > limit:
                return True
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return False


def unstorable_text(value: Any) -> str | None:
    """A description of the first string in a decoded JSON value that cannot be stored (lone surrogate, NUL)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return "a text contains a NUL character"
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return "a text contains a lone surrogate (\\ud800–\\udfff) that is not a character"
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


def check_write(headers: Mapping[str, str]) -> None:
    """Refuse a state-changing request a foreign page could have sent (see the module docstring); raises Refusal.

    Run by the state-changing routes themselves (``require_safe_write``), so a method a route does not accept
    still gets the router's 405."""
    host = headers.get("host", "")
    origin = headers.get("origin")
    if origin is not None and not _same_origin(origin, host):
        raise Refusal(403, "cross_origin", "cross-site requests are refused: the Origin is not this server")
    content_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type == MULTIPART_TYPE:
        proven = (
            _same_origin(origin or "", host)
            or _same_origin(headers.get("referer", ""), host)
            or bool(headers.get(CLIENT_HEADER))
        )
        if not proven:
            raise Refusal(
                403, "cross_origin", f"an upload must come from this server's page or send the {CLIENT_HEADER} header"
            )
    elif content_type not in JSON_TYPES:
        raise Refusal(415, "unsupported_media_type", "send application/json (or multipart/form-data for an upload)")


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


def _same_origin(value: str, host_header: str) -> bool:
    """True when a URL (Origin or Referer) names exactly this request's host and port."""
    if not value or value == "null":
        return False
    netloc = urlsplit(value).netloc.lower()
    return bool(netloc) and netloc == host_header.strip().lower()


class HttpGuardMiddleware:
    """Host allow-list, cross-site write refusal, input screening and security headers (see the module doc)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        allowed_hosts: frozenset[str],
        max_body_bytes: int,
        max_json_depth: int,
    ) -> None:
        self.app = app
        self.allowed_hosts = allowed_hosts
        self.max_body_bytes = max_body_bytes
        self.max_json_depth = max_json_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = self._with_headers(scope, send)
        try:
            headers = _headers(scope)
            self._check_host(headers)
            self._check_url(scope)
            content_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
            if content_type in JSON_TYPES:
                receive = await self._screen_json(receive, headers)
        except Refusal as refusal:
            scope.setdefault("state", {})["refusal"] = (refusal.status, refusal.code, refusal.message)
            await _send_error(send, refusal)
            return
        await self.app(scope, receive, send)

    # ---- checks -----------------------------------------------------------------------------------------
    def _check_host(self, headers: dict[str, str]) -> None:
        host = headers.get("host", "")
        if host_name(host) not in self.allowed_hosts:
            raise Refusal(
                421,
                "misdirected_request",
                "this server does not answer to that Host name (see THAMMUU_API__ALLOWED_HOSTS)",
            )

    @staticmethod
    def _check_url(scope: Scope) -> None:
        raw_path = scope.get("raw_path") or scope.get("path", "").encode("utf-8", "surrogateescape")
        query = scope.get("query_string", b"")
        if b"\x00" in unquote_to_bytes(raw_path) or b"\x00" in unquote_to_bytes(query.replace(b"+", b" ")):
            raise Refusal(422, "unencodable_text", "the address contains a NUL character")

    async def _screen_json(self, receive: Receive, headers: dict[str, str]) -> Receive:
        """Read the whole JSON body (bounded), check it, and hand the app a receive that replays it."""
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            raise Refusal(413, "too_large", f"JSON bodies are limited to {self.max_body_bytes} bytes")
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # client went away: let the app see it
                return _replay(b"".join(chunks), receive, final=message)
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                raise Refusal(413, "too_large", f"JSON bodies are limited to {self.max_body_bytes} bytes")
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if json_depth_exceeds(body, self.max_json_depth):
            raise Refusal(422, "too_deep", f"the JSON body nests deeper than {self.max_json_depth} levels")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise Refusal(422, "unencodable_text", "the JSON body is not UTF-8") from None
        try:
            value = json.loads(text) if text.strip() else None
        except ValueError:
            value = None  # malformed JSON: the route's own validation answers 422 with the parser's reason
        problem = unstorable_text(value)
        if problem:
            raise Refusal(422, "unencodable_text", problem)
        return _replay(body, receive)

    # ---- responses --------------------------------------------------------------------------------------
    @staticmethod
    def _with_headers(scope: Scope, send: Send) -> Send:
        path = scope.get("path", "")
        csp = DOCS_CSP if path.startswith(DOCS_PATHS) else PAGE_CSP
        is_api = path.startswith("/api/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                extra = [(b"content-security-policy", csp.encode()), *COMMON_HEADERS]
                if is_api:
                    extra.append((b"cache-control", b"no-store"))
                headers.extend((k, v) for k, v in extra if k not in present)
                message = {**message, "headers": headers}
            await send(message)

        return send_with_headers


def _replay(body: bytes, receive: Receive, final: Message | None = None) -> Receive:
    """A receive callable that yields the buffered body once, then defers to the real one."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            if final is not None and not body:
                return final
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _send_error(send: Send, refusal: Refusal) -> None:
    body = json.dumps({"error": {"code": refusal.code, "message": refusal.message}}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": refusal.status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
