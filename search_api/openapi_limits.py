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
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
