"""``thammuu migrate --from DIR --to URL``: an embedded index, its users and audit log into PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from search_api.cli.common import err, fail, out, settings_for


def register(app: typer.Typer) -> None:
    """Add the ``migrate`` command to the CLI."""

    @app.command("migrate")
    def migrate(
        source: Annotated[Path, typer.Option("--from", help="Index directory to copy (an embedded index).")],
        target: Annotated[str, typer.Option("--to", help="postgresql://user:pass@host:5432/db")],
        json_out: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
    ) -> None:
        """Copy an embedded index (documents, passages, vectors: nothing is re-embedded), its principals and its
        audit log into PostgreSQL. Safe to run again: what is already there is skipped."""
        from indexer.errors import ThammuuError
        from indexer.storage.backends import redact_url
        from indexer.storage.postgres_copy import copy_index
        from indexer.storage.postgres_store import PostgresStore
        from search_api.security.database import security_db_path
        from search_api.security.migrate import copy_security
        from search_api.security.postgres import PgAuditLog, PgPrincipalStore

        if not target.startswith(("postgresql://", "postgres://")):
            fail(ValueError(f"--to must be a postgresql:// URL, not {target!r}"))
        settings = settings_for(source)
        try:
            store = PostgresStore(target)
            report = copy_index(source, store)
            principals, audit = PgPrincipalStore(target), PgAuditLog(target)
            users, rows = copy_security(security_db_path(settings), principals, audit)
        except ThammuuError as exc:
            fail(exc)
        summary = {
            "to": redact_url(target),
            "documents_copied": report.copied,
            "documents_replaced": report.replaced,
            "documents_skipped": report.skipped,
            "chunks_copied": report.chunks,
            "principals_copied": users,
            "audit_rows_copied": rows,
            "embedded": 0,
        }
        if json_out:
            out.print(json.dumps(summary), soft_wrap=True)
            return
        err.print(
            f"copied {report.copied} documents ({report.chunks} passages; replaced {report.replaced}, already there"
            f" {report.skipped}), {users} principals, {rows} audit rows into {summary['to']}; nothing re-embedded"
        )
