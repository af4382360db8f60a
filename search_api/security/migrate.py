"""Copy principals, keys and the audit log of an embedded installation into PostgreSQL, idempotently.

Principals already in the target (by name) keep the target's version. Audit rows are appended in their
original order and re-chained in the target; how far a source was copied is recorded in the target (``meta``,
in the same transaction as the rows), so a second run appends nothing.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from search_api.security.audit import CHAINED_COLUMNS
from search_api.security.database import _move_principals
from search_api.security.postgres import PgAuditLog, PgPrincipalStore

logger = logging.getLogger(__name__)


def copy_security(source_db: Path, principals: PgPrincipalStore, audit: PgAuditLog) -> tuple[int, int]:
    """(principals, audit rows) copied from the SQLite security database ``source_db`` (0, 0 when absent)."""
    if not source_db.is_file():
        return 0, 0
    old = sqlite3.connect(f"file:{source_db}?mode=ro", uri=True)
    old.row_factory = sqlite3.Row
    try:
        tables = {r[0] for r in old.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        moved = _move_principals(old, principals) if "principals" in tables else 0  # type: ignore[arg-type]
        rows = _copy_audit(old, audit, str(source_db.resolve())) if "audit_log" in tables else 0
    finally:
        old.close()
    return moved, rows


def _copy_audit(old: sqlite3.Connection, audit: PgAuditLog, source: str) -> int:
    key = f"migrated_audit:{source}"
    conn = audit.conn
    with conn.raw.transaction():  # the rows and the mark together: a crash copies them again, never twice
        done_row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        done = int(done_row[0]) if done_row else 0
        rows = old.execute(
            f"SELECT id, {', '.join(CHAINED_COLUMNS)} FROM audit_log WHERE id > ? ORDER BY id", (done,)
        ).fetchall()
        for r in rows:
            audit.append(tuple(r[c] for c in CHAINED_COLUMNS))
        if rows:
            conn.execute(
                "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, str(int(rows[-1]["id"]))),
            )
    return len(rows)
