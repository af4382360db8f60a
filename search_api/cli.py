"""The ``thammuu`` console script: the indexer's commands plus those that need the server side."""

from __future__ import annotations

from indexer.cli import app
from search_api.cli_draft import register as register_draft
from search_api.cli_serve import register as register_serve
from search_api.cli_users import register as register_users

register_draft(app)
register_serve(app)
register_users(app)


def main() -> None:
    """Entry point of the ``thammuu`` console script."""
    app()
