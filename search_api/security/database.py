"""The security database: principals, keys and the audit log, in their own SQLite file outside the index.

Building a new index (after a model change, say) must not lose every user and the whole audit trail, so the
security data lives in ``THAMMUU_SECURITY__DB`` (default: ``security.sqlite`` beside the index directory, i.e.
``var/security.sqlite`` for the default ``var/index``). Indexes built before this split kept those tables in
their ``store.sqlite``: ``open_security`` moves them over once (principals with their ids and key hashes,
audit rows re-chained in their original order) and drops them from the index store.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from indexer.storage.index import STORE_NAME
from search_api.config import AppSettings
from search_api.security.audit import CHAINED_COLUMNS, AuditLog
from search_api.security.keys import PrincipalStore

logger = logging.getLogger(__name__)


def security_db_path(settings: AppSettings) -> Path:
    """Where principals and the audit log live for these settings."""
    return settings.security.db or settings.index_dir.parent / "security.sqlite"


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def migrate_from_index(index_store: Path, principals: PrincipalStore, audit: AuditLog) -> int:
    """Move principals, keys and audit rows out of an old index store; returns the rows moved (0: nothing to do).

    Principals whose name already exists in the security database keep the security database's version (a
    warning names them). Everything is copied in one transaction per database, then the old tables dropped.
    """
    if not index_store.is_file():
        return 0
    old = sqlite3.connect(f"file:{index_store}?mode=rw", uri=True, timeout=30.0)
    old.row_factory = sqlite3.Row
    try:
        tables = _tables(old) & {"principals", "api_keys", "audit_log"}
        if not tables:
            return 0
        moved = 0
        if "principals" in tables:
            moved += _move_principals(old, principals)
        if "audit_log" in tables:
            moved += _move_audit(old, audit)
        with old:
            for table in ("api_keys", "principals", "audit_log"):
                old.execute(f"DROP TABLE IF EXISTS {table}")
        logger.warning("moved %d security rows from %s into %s", moved, index_store, principals.path)
        return moved
    finally:
        old.close()


def _move_principals(old: sqlite3.Connection, store: PrincipalStore) -> int:
    columns = {r[1] for r in old.execute("PRAGMA table_info(principals)")}
    rows = old.execute("SELECT * FROM principals").fetchall()
    keys = old.execute("SELECT * FROM api_keys").fetchall() if "api_keys" in _tables(old) else []
    with store.transaction() as conn:
        existing = {r[0] for r in conn.execute("SELECT name FROM principals")}
        kept = [r for r in rows if r["name"] not in existing]
        for name in sorted({r["name"] for r in rows} & existing):
            logger.warning("principal %r exists in both databases: the security database's is kept", name)
        for r in kept:
            conn.execute(
                "INSERT INTO principals(name, id, roles, clearance, units, created_at, revoked_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    r["name"],
                    r["id"] if "id" in columns else None,
                    r["roles"],
                    r["clearance"],
                    r["units"],
                    r["created_at"],
                    r["revoked_at"],
                ),
            )
        names = {r["name"] for r in kept}
        for k in keys:
            if k["principal"] in names:
                conn.execute(
                    "INSERT INTO api_keys(key_id, principal, key_hash, created_at, revoked_at)"
                    " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    (k["key_id"], k["principal"], k["key_hash"], k["created_at"], k["revoked_at"]),
                )
    store.ensure_ids()  # principals from before immutable ids get one
    return len(kept)


def _move_audit(old: sqlite3.Connection, audit: AuditLog) -> int:
    columns = {r[1] for r in old.execute("PRAGMA table_info(audit_log)")}
    defaults = {"http_status": None, "clearance": 3, "status": "ok", "detail": None}
    rows = old.execute("SELECT * FROM audit_log ORDER BY id").fetchall()
    for r in rows:
        audit.append(tuple(r[c] if c in columns else defaults.get(c) for c in CHAINED_COLUMNS))
    return len(rows)


def open_security(settings: AppSettings) -> tuple[PrincipalStore, AuditLog]:
    """The principal store and audit log for these settings, after moving any security data left in the index:
    in the index's database when it is PostgreSQL (``THAMMUU_STORAGE__URL``), else the SQLite security file."""
    if settings.storage.is_postgres:
        from search_api.security.postgres import PgAuditLog, PgPrincipalStore

        url = str(settings.storage.url)
        return PgPrincipalStore(url), PgAuditLog(url)
    path = security_db_path(settings)
    principals, audit = PrincipalStore(path), AuditLog(path)
    migrate_from_index(settings.index_dir / STORE_NAME, principals, audit)
    return principals, audit
