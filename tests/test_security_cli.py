"""``thammuu users`` and ``thammuu audit``: keys shown once, listing without secrets, revoke, rotate, audit."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from search_api.cli import app
from search_api.security import AuditLog, PrincipalStore

runner = CliRunner()


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout


def test_users_lifecycle(tmp_path: Path) -> None:
    index = str(tmp_path / "index")
    code, out = _run(
        "users", "add", "ana", "--role", "reader", "--role", "drafter", "--clearance", "mat",
        "--unit", "Ban Tuyên giáo", "--index", index,
    )  # fmt: skip
    assert code == 0, out
    key = out.strip().splitlines()[-1]
    store = PrincipalStore(tmp_path / "security.sqlite")
    principal = store.authenticate(key)
    assert principal is not None and principal.units == ("Ban Tuyên giáo",) and principal.clearance == 1

    code, out = _run("users", "list", "--json", "--index", index)
    assert code == 0 and key not in out
    listed = json.loads(out)
    assert listed[0]["name"] == "ana" and sorted(listed[0]["roles"]) == ["drafter", "reader"]

    code, out = _run("users", "add", "all", "--role", "reader", "--clearance", "unclassified", "--index", index)
    assert code == 0 and store.authenticate(out.strip().splitlines()[-1]).units is None  # type: ignore[union-attr]

    code, out = _run("users", "rotate", "ana", "--index", index)
    new = out.strip().splitlines()[-1]
    assert code == 0 and new != key and store.authenticate(key) is None and store.authenticate(new) is not None

    code, _ = _run("users", "revoke", "ana", "--index", index)
    assert code == 0 and store.authenticate(new) is None
    assert _run("users", "revoke", "ana", "--index", index)[0] == 2
    assert _run("users", "add", "x", "--role", "boss", "--clearance", "mat", "--index", index)[0] == 2


def test_audit_command(tmp_path: Path) -> None:
    index = tmp_path / "index"
    audit = AuditLog(index.parent / "security.sqlite")
    audit.record("ana", "search", "kinh tế số", {}, [1, 2], ["d1"])
    audit.record("binh", "document", "", {}, [3], ["d2"])
    code, out = _run("audit", "--principal", "ana", "--json", "--index", str(index))
    assert code == 0
    rows = json.loads(out)
    assert [r["query"] for r in rows] == ["kinh tế số"] and rows[0]["doc_ids"] == ["d1"]
    code, out = _run("audit", "--since", "2999-01-01", "--json", "--index", str(index))
    assert code == 0 and json.loads(out) == []
    assert _run("audit", "--since", "yesterday", "--index", str(index))[0] == 2


def test_revoke_warns_before_leaving_no_admin_or_no_principal(tmp_path: Path) -> None:
    index = str(tmp_path / "index")
    assert _run("users", "add", "root", "--role", "admin", "--clearance", "tuyet-mat", "--index", index)[0] == 0
    assert _run("users", "add", "ana", "--role", "reader", "--clearance", "mat", "--index", index)[0] == 0
    result = runner.invoke(app, ["users", "revoke", "root", "--index", index])
    assert result.exit_code == 0 and "no active admin is left" in result.stderr
    result = runner.invoke(app, ["users", "revoke", "ana", "--index", index])
    assert result.exit_code == 0 and "no active principal is left" in result.stderr
    assert "development mode" in result.stderr  # and says it never falls back to it
