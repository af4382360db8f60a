"""Every error the API answers, mapped to HTTP in one place: ``{"error": {"code", "message"}}``, never a trace.

Domain errors (``indexer.errors.ThammuuError`` and its branches) carry their own status and code; framework
errors (validation, unknown routes, methods) and anything unexpected (a generic 500) are mapped here too."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from indexer import errors as ix
from indexer.errors import ThammuuError
from search_api.security.errors import Unauthenticated

logger = logging.getLogger(__name__)

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


class ApiError(ThammuuError):
    """A refusal of the API layer itself, with its status, code and a message safe to show."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
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


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    """Every ThammuuError (indexer, security, drafting, the API's own): its status, code and message."""
    assert isinstance(exc, ThammuuError)
    if isinstance(exc, ix.DocumentNotFound):
        return _json(request, 404, "not_found", NOT_FOUND_MESSAGE)  # hidden and missing answer alike
    headers = getattr(exc, "headers", None)
    if isinstance(exc, Unauthenticated):
        headers = {"WWW-Authenticate": "Bearer"}
    if exc.status >= 500 or isinstance(exc, ix.IndexerError):
        logger.warning("%s %s: %s (%s)", request.method, request.url.path, exc.code, exc)
    return _json(request, exc.status, exc.code, str(exc), headers)


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
    app.add_exception_handler(ThammuuError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
