"""Security data outside the index: users and the audit trail survive a new index, old index stores migrate,
and the audit log's hash chain shows any row edited, inserted or removed behind SQLite's back."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from indexer.config import Settings
from search_api.cli import app
from search_api.security import AuditLog, PrincipalStore
from search_api.security.database import open_security, security_db_path

runner = CliRunner()


def _settings(settings: Settings, index_dir: Path) -> Settings:
    return settings.model_copy(update={"index_dir": index_dir})


def test_principals_and_audit_survive_a_new_index_directory(tmp_path: Path, settings: Settings) -> None:
    old = _settings(settings, tmp_path / "var" / "index")
    principals, audit = open_security(old)
    _, key = principals.add("ana", ["reader"], "mat")
    audit.record("ana", "search", "kinh tế số", {}, [1], ["d1"], clearance=1)
    new = _settings(settings, tmp_path / "var" / "index-embeddinggemma-2")  # re-indexed after a model change
    assert security_db_path(new) == security_db_path(old) == tmp_path / "var" / "security.sqlite"
    principals2, audit2 = open_security(new)
    who = principals2.authenticate(key)
    assert who is not None and who.name == "ana"
    assert audit2.query()[0]["query"] == "kinh tế số"
    assert not (tmp_path / "var" / "index" / "store.sqlite").exists()  # nothing security-related in the index


def test_security_db_setting_pins_the_file(tmp_path: Path, settings: Settings) -> None:
    s = settings.model_copy(update={"index_dir": tmp_path / "a" / "index"})
    s = s.model_copy(update={"security": s.security.model_copy(update={"db": tmp_path / "etc" / "sec.sqlite"})})
    principals, _ = open_security(s)
    principals.add("ana", ["reader"], 0)
    assert (tmp_path / "etc" / "sec.sqlite").is_file() and not (tmp_path / "a" / "security.sqlite").exists()


def test_old_index_store_is_migrated_once(tmp_path: Path, settings: Settings) -> None:
    """An index from before the split kept principals, keys and the audit log in store.sqlite."""
    index_dir = tmp_path / "index"
    index_dir.mkdir()
    store_path = index_dir / "store.sqlite"
    legacy_principals = PrincipalStore(store_path)  # the same tables, where they used to live
    _, key = legacy_principals.add("ana", ["reader", "admin"], "toi-mat")
    legacy_principals.add("old", ["reader"], 0)
    legacy_principals.revoke("old")
    legacy_audit = AuditLog(store_path)
    legacy_audit.record("ana", "search", "mật mã", {}, [3], ["d3"], clearance=2)
    legacy_audit.request("anonymous", "GET /api/v1/audit", 401, "unauthorized")
    legacy_principals.close()
    legacy_audit.close()
    with sqlite3.connect(store_path) as conn:  # an unrelated index table must survive the migration
        conn.execute("CREATE TABLE documents (doc_id TEXT)")

    principals, audit = open_security(_settings(settings, index_dir))
    who = principals.authenticate(key)
    assert who is not None and who.clearance == 2 and who.id
    assert [p["active"] for p in principals.list()] == [True, False]
    rows = audit.query()
    assert [r["endpoint"] for r in rows] == ["GET /api/v1/audit", "search"] and rows[1]["clearance"] == 2
    assert audit.verify().intact and audit.verify().rows == 2
    with sqlite3.connect(store_path) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables - {"sqlite_sequence"} == {"documents"}
    again, audit_again = open_security(_settings(settings, index_dir))  # idempotent: nothing moved twice
    assert len(again.list()) == 2 and len(audit_again.query()) == 2


def _tamper(db: Path, sql: str) -> None:
    conn = sqlite3.connect(db)
    conn.executescript("DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete;")
    conn.execute(sql)
    conn.commit()
    conn.close()


@pytest.mark.parametrize(
    ("sql", "broken", "reason"),
    [
        ("UPDATE audit_log SET query = 'nothing to see' WHERE id = 3", 3, "changed"),
        ("UPDATE audit_log SET doc_ids = '[]' WHERE id = 2", 2, "changed"),
        ("DELETE FROM audit_log WHERE id = 2", 3, "removed"),
        ("UPDATE audit_log SET clearance = 0 WHERE id = 4", 4, "changed"),
    ],
)
def test_audit_verify_names_the_first_broken_row(tmp_path: Path, sql: str, broken: int, reason: str) -> None:
    db = tmp_path / "security.sqlite"
    audit = AuditLog(db)
    for i in range(5):
        audit.record("ana", "search", f"câu hỏi {i}", {}, [i], [f"d{i}"], clearance=3)
    assert audit.verify().intact
    with pytest.raises(sqlite3.IntegrityError):  # SQLite itself refuses while the triggers stand
        audit.conn.execute("UPDATE audit_log SET query = 'x' WHERE id = 1")
    audit.close()
    _tamper(db, sql)
    report = AuditLog(db).verify()
    assert report.first_broken == broken and reason in report.reason


def test_cli_audit_verify(tmp_path: Path) -> None:
    index = tmp_path / "index"
    assert (
        runner.invoke(
            app, ["users", "add", "ana", "--role", "admin", "--clearance", "mat", "--index", str(index)]
        ).exit_code
        == 0
    )
    audit = AuditLog(tmp_path / "security.sqlite")
    audit.record("ana", "search", "kinh tế", {}, [], [], clearance=1)
    audit.record("ana", "search", "xã hội", {}, [], [], clearance=1)
    audit.close()
    ok = runner.invoke(app, ["audit", "verify", "--index", str(index), "--json"])
    assert ok.exit_code == 0 and json.loads(ok.stdout) == {"rows": 2, "intact": True, "first_broken": None}
    _tamper(tmp_path / "security.sqlite", "UPDATE audit_log SET principal = 'binh' WHERE id = 1")
    bad = runner.invoke(app, ["audit", "verify", "--index", str(index)])
    assert bad.exit_code == 1 and "row 1" in bad.stderr
    listed = runner.invoke(app, ["audit", "--index", str(index), "--json"])
    assert listed.exit_code == 0 and len(json.loads(listed.stdout)) == 2
