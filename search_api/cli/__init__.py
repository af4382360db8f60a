"""The ``thammuu`` command: one Typer app, one module per command group, shared helpers in ``common``.

``indexing`` (index, info, inspect), ``search``, ``evaluate`` (eval), ``models`` (models fetch), ``serve``,
``users`` (users …, audit …), ``draft`` and ``migrate`` (an embedded index into PostgreSQL). The only place
that configures CLI logging.
"""

from __future__ import annotations

from typing import Annotated

import typer

from search_api.cli import common, draft, evaluate, indexing, migrate, models, search, serve, users
from search_api.cli.common import setup_logging

app = typer.Typer(help="Thammuu: semantic search for party-committee documents.", no_args_is_help=True)


@app.callback()
def main_callback(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="More logging.")] = False,
    storage: Annotated[
        str | None,
        typer.Option(
            "--storage",
            help="postgresql://user:pass@host:5432/db: use that PostgreSQL database (default THAMMUU_STORAGE__URL;"
            " unset: the index directory).",
        ),
    ] = None,
) -> None:
    setup_logging(verbose)
    common.storage_override = storage


for group in (models, indexing, search, evaluate, serve, users, draft, migrate):
    group.register(app)


def main() -> None:
    """Entry point of the ``thammuu`` console script."""
    app()
