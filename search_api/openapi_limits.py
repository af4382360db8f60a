"""The OpenAPI schema states the limits the server really enforces, read from the settings it runs with.

Page sizes and query lengths are settings (``search.max_k``, ``search.max_query_chars``), so they cannot be
literals in the request models; without this, a client generated from the schema (or a fuzzer) would send
``k = 500`` believing it valid and get a 422.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from indexer.config import Settings

NON_BLANK = r"\S"
NO_NUL = "^[^\u0000]*$"  # text with NUL cannot be stored: refused with 422 unencodable_text
REQUEST_MODELS = ("SearchRequest", "SearchFilters", "IndexRequest", "DraftRequest")


def _forbid_nul(schema: Any) -> None:
    """Every request string says it may not hold NUL (a pattern it already has gains that condition)."""
    if isinstance(schema, list):
        for item in schema:
            _forbid_nul(item)
        return
    if not isinstance(schema, dict):
        return
    if schema.get("type") == "string" and "format" not in schema and "enum" not in schema:
        pattern = schema.get("pattern")
        if pattern is None:
            schema["pattern"] = NO_NUL
        elif pattern in (NON_BLANK, r"\w"):  # "somewhere a non-blank (word) character", and no NUL anywhere
            schema["pattern"] = f"^[^\u0000]*{pattern}[^\u0000]*$"
    for value in schema.values():
        if isinstance(value, dict | list):
            _forbid_nul(value)


def _limit_param(param: dict[str, Any], settings: Settings) -> None:
    schema = param.setdefault("schema", {})
    if param.get("name") == "k":
        schema["maximum"] = settings.search.max_k
    elif param.get("name") == "q":
        schema["maxLength"] = settings.search.max_query_chars


def install(app: FastAPI, settings: Settings) -> None:
    """Wrap ``app.openapi`` so the generated schema carries the configured limits."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = generate()
        request = schema.get("components", {}).get("schemas", {}).get("SearchRequest", {}).get("properties", {})
        if "k" in request:
            request["k"]["maximum"] = settings.search.max_k
        if "query" in request:
            request["query"].update(maxLength=settings.search.max_query_chars, pattern=NON_BLANK)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                for param in operation.get("parameters", []) if isinstance(operation, dict) else []:
                    _limit_param(param, settings)
                    _forbid_nul(param.get("schema"))
                if isinstance(operation, dict) and "requestBody" in operation:
                    _forbid_nul(operation["requestBody"])
        components = schema.get("components", {}).get("schemas", {})
        for name in REQUEST_MODELS:
            _forbid_nul(components.get(name))
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
