"""Every error the API answers, mapped to HTTP in one place: ``{"error": {"code", "message"}}``, never a trace."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from indexer import errors as ix
from search_api.security.errors import SecurityError, Unauthenticated

logger = logging.getLogger(__name__)

# Domain errors of the indexer → HTTP status (subclasses first: the first isinstance match wins).
INDEXER_STATUS: list[tuple[type[ix.IndexerError], int]] = [
    (ix.DocumentNotFound, 404),
    (ix.IndexNotFound, 503),
    (ix.ModelUnavailable, 503),
    (ix.IndexMismatch, 409),
    (ix.UnsupportedFormat, 415),
    (ix.CorruptDocument, 422),
    (ix.IndexerError, 400),
]
_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    421: "misdirected_request",
    415: "unsupported_media_type",
    422: "validation_error",
    503: "unavailable",
}
NOT_FOUND_MESSAGE = "no document with this id"


class ApiError(Exception):
    """An error raised by the API layer itself, with its status, code and a message safe to show."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers


def not_found() -> ApiError:
    """The one answer for a missing and for a hidden document (they must be indistinguishable)."""
    return ApiError(404, "not_found", NOT_FOUND_MESSAGE)


def error_body(code: str, message: str) -> dict[str, dict[str, str]]:
    """The JSON body of every error response."""
    return {"error": {"code": code, "message": message}}


def _json(
    request: Request, status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    request.state.error = (status, code, message)  # the request audit writes down why
    return JSONResponse(error_body(code, message), status_code=status, headers=headers)


def indexer_status(exc: ix.IndexerError) -> int:
    """HTTP status of an indexer domain error."""
    return next(status for cls, status in INDEXER_STATUS if isinstance(exc, cls))


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return _json(request, exc.status, exc.code, exc.message, exc.headers)


async def _indexer_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ix.IndexerError)
    status = indexer_status(exc)
    if isinstance(exc, ix.DocumentNotFound):
        return _json(request, 404, "not_found", NOT_FOUND_MESSAGE)
    logger.warning("%s %s: %s (%s)", request.method, request.url.path, exc.code, exc)
    return _json(request, status, exc.code, str(exc))


async def _security_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, SecurityError)
    if isinstance(exc, Unauthenticated):
        return _json(request, 401, "unauthorized", str(exc), {"WWW-Authenticate": "Bearer"})
    return _json(request, exc.status, exc.code, str(exc))


def _field(loc: tuple[object, ...] | list[object]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "form")]
    return ".".join(parts) or "request"


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = [f"{_field(e.get('loc', ()))}: {e.get('msg', 'invalid')}" for e in exc.errors()]
    return _json(request, 422, "validation_error", "; ".join(details) or "invalid request")


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    return _json(request, exc.status_code, code, message, getattr(exc, "headers", None))


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _json(request, 500, "internal_error", "internal server error; the incident was logged")


def register_error_handlers(app: FastAPI) -> None:
    """Install every handler on the app (called once by create_app)."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(ix.IndexerError, _indexer_error)
    app.add_exception_handler(SecurityError, _security_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
