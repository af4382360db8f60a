"""``thammuu serve``: run the API and the web page with uvicorn."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

logger = logging.getLogger(__name__)


def register(app: typer.Typer) -> None:
    """Add the ``serve`` command to the CLI."""

    @app.command("serve")
    def serve(
        host: Annotated[str | None, typer.Option(help="Bind address (default THAMMUU_API__HOST, 127.0.0.1).")] = None,
        port: Annotated[int | None, typer.Option(help="TCP port (default THAMMUU_API__PORT, 8000).")] = None,
        index: Annotated[
            Path | None, typer.Option("--index", help="Index directory (default THAMMUU_INDEX_DIR).")
        ] = None,
    ) -> None:
        """Serve the search API (/api/v1, docs at /docs) and the web page on HOST:PORT."""
        import uvicorn

        from search_api.app import create_app
        from search_api.cli.common import fail, settings_for
        from search_api.security import SecurityError, check_bind
        from search_api.security.database import open_security

        settings = settings_for(index)
        host = host or settings.api.host
        port = port or settings.api.port
        settings = settings.model_copy(update={"api": settings.api.model_copy(update={"host": host, "port": port})})
        store, audit = open_security(settings)
        try:
            check_bind(host, store)  # no open server on the network without principals
        except SecurityError as exc:
            fail(exc)
        finally:
            store.close()
            audit.close()
        logger.info("serving %s on http://%s:%d (docs at /docs)", settings.index_dir, host, port)
        uvicorn.run(create_app(settings), host=host, port=port, log_level="info")
