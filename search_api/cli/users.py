"""``thammuu users`` (principals and API keys) and ``thammuu audit`` (the append-only audit log)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from search_api.cli.common import IndexOpt, JsonOpt, err, fail, out, print_json, settings_for
from search_api.security import AuditLog, PrincipalStore, SecurityError
from search_api.security.database import open_security


def _security(index: Path | None) -> tuple[PrincipalStore, AuditLog]:
    """The security database of the index's settings (old security tables in the index are moved first)."""
    return open_security(settings_for(index))


def users_add(
    name: Annotated[str, typer.Argument(help="Principal name (a person or a service).")],
    role: Annotated[list[str], typer.Option("--role", help="reader, drafter or admin (repeatable).")],
    clearance: Annotated[str, typer.Option(help="Highest level readable: unclassified, mat, toi-mat, tuyet-mat.")],
    unit: Annotated[list[str] | None, typer.Option("--unit", help="Unit in scope (repeatable; none = all).")] = None,
    index: IndexOpt = None,
) -> None:
    """Create a principal and print its API key once (only its hash is kept)."""
    try:
        principal, key = _security(index)[0].add(name, role, clearance, unit or None)
    except SecurityError as exc:
        fail(exc)
    err.print(f"principal {principal.name} added; its key is shown once, store it now:")
    out.print(key, markup=False, highlight=False)


def users_list(index: IndexOpt = None, json_out: JsonOpt = False) -> None:
    """List principals (never their keys)."""
    rows = _security(index)[0].list()
    if json_out:
        print_json(rows)
        return
    table = Table("name", "roles", "clearance", "units", "created", "active")
    for r in rows:
        units = "all" if r["units"] is None else ", ".join(r["units"]) or "(unit-less only)"
        table.add_row(
            r["name"],
            ", ".join(r["roles"]),
            r["clearance_label"],
            units,
            r["created_at"],
            "yes" if r["active"] else "no",
        )
    out.print(table)


def users_revoke(name: Annotated[str, typer.Argument(help="Principal to disable.")], index: IndexOpt = None) -> None:
    """Disable a principal and all its keys; warns when that leaves no admin, or no principal at all."""
    store = _security(index)[0]
    try:
        store.revoke(name)
    except SecurityError as exc:
        fail(exc)
    err.print(f"principal {name} revoked")
    if store.count() == 0:
        err.print(
            "[yellow]warning:[/yellow] no active principal is left: a running server now refuses every request"
            " but health (it never falls back to development mode); add one with `thammuu users add`."
        )
    elif store.count_admins() == 0:
        err.print(
            "[yellow]warning:[/yellow] no active admin is left: nobody can read the audit log or index through"
            " the API until one is added with `thammuu users add NAME --role admin`."
        )


def users_rotate(
    name: Annotated[str, typer.Argument(help="Principal whose key to replace.")], index: IndexOpt = None
) -> None:
    """Issue a new key (printed once); the old one stops working at once."""
    try:
        key = _security(index)[0].rotate(name)
    except SecurityError as exc:
        fail(exc)
    err.print(f"new key for {name}; the old key no longer works:")
    out.print(key, markup=False, highlight=False)


def audit_cmd(
    ctx: typer.Context,
    principal: Annotated[str | None, typer.Option(help="Only this principal.")] = None,
    since: Annotated[str | None, typer.Option(help="Only rows from this ISO time on (UTC if no offset).")] = None,
    limit: Annotated[int, typer.Option(help="At most this many rows, newest first.")] = 1000,
    index: IndexOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Show the audit log: who asked what and which documents they were given (`audit verify`: check it)."""
    if ctx.invoked_subcommand is not None:
        return
    try:
        when = datetime.fromisoformat(since) if since else None
    except ValueError:
        fail(ValueError(f"--since {since!r} is not an ISO date or time"))
    rows = _security(index)[1].query(principal=principal, since=when, limit=limit)
    if json_out:
        print_json(rows)
        return
    table = Table("time", "principal", "endpoint", "status", "query", "documents")
    for r in rows:
        detail = r["detail"] if r["status"] != "ok" else r["query"]
        table.add_row(r["time"], r["principal"], r["endpoint"], r["status"], detail or "", ", ".join(r["doc_ids"]))
    out.print(table)


def audit_verify(index: IndexOpt = None, json_out: JsonOpt = False) -> None:
    """Check the audit log's hash chain; exit 1 naming the first row edited, inserted or removed behind it."""
    report = _security(index)[1].verify()
    if json_out:
        print_json({"rows": report.rows, "intact": report.intact, "first_broken": report.first_broken})
    elif report.intact:
        err.print(f"audit log intact: {report.rows} rows, hash chain unbroken")
    else:
        err.print(f"[red]audit log broken at row {report.first_broken}[/red]: {report.reason}")
    if not report.intact:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add ``users`` and ``audit`` to the ``thammuu`` command."""
    users = typer.Typer(help="Principals and API keys (access control).", no_args_is_help=True)
    users.command("add")(users_add)
    users.command("list")(users_list)
    users.command("revoke")(users_revoke)
    users.command("rotate")(users_rotate)
    app.add_typer(users, name="users")
    audit = typer.Typer(help="The append-only, hash-chained audit log.", invoke_without_command=True)
    audit.callback()(audit_cmd)
    audit.command("verify")(audit_verify)
    app.add_typer(audit, name="audit")
