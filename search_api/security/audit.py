"""Append-only, tamper-evident audit log of every request and every access-control incident.

It lives in the security database (beside the index, never inside it: a new index keeps the whole trail).
Append-only is enforced by SQLite itself: triggers abort any UPDATE or DELETE on the table, whoever issues it.
Tamper-evident: each row carries the sha256 of its own content chained to the previous row's hash, so a row
edited, inserted or removed behind SQLite's back (triggers dropped, the file patched) breaks the chain from that
row on; ``verify`` (``thammuu audit verify``) names the first broken row.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from indexer.storage.sqlite_base import SQLiteDatabase

logger = logging.getLogger(__name__)

DDL = """
CREATE TABLE IF NOT EXISTS audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time TEXT NOT NULL,
    principal TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    query TEXT,
    filters TEXT NOT NULL DEFAULT '{}',
    chunk_ids TEXT NOT NULL DEFAULT '[]',
    doc_ids TEXT NOT NULL DEFAULT '[]',
    status TEXT NOT NULL DEFAULT 'ok',
    detail TEXT,
    http_status INTEGER,
    clearance INTEGER NOT NULL DEFAULT 3,
    units TEXT,
    prev_hash TEXT,
    row_hash TEXT
);
CREATE INDEX IF NOT EXISTS audit_log_principal ON audit_log(principal, time);
CREATE INDEX IF NOT EXISTS audit_log_time ON audit_log(time);
CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
"""

MAX_LEVEL = 3  # TUYỆT MẬT: what a row is classified as when nothing says otherwise
REDACTED = "[above your clearance]"
# An API key pasted into a query box or a filter must never be written down in clear.
_KEY_RE = re.compile(r"tm_[0-9a-f]+_[A-Za-z0-9_\-]+")
_SECRET_FIELDS = {"key", "api_key", "apikey", "authorization", "token", "secret", "password", "x-api-key"}


def redact(text: str | None) -> str | None:
    """The text with anything shaped like an API key replaced."""
    return None if text is None else _KEY_RE.sub("tm_[REDACTED]", text)


def _redact_obj(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: "[REDACTED]" if str(k).lower() in _SECRET_FIELDS else _redact_obj(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_redact_obj(v) for v in value]
    return value


def _timestamp(when: datetime) -> str:
    # Fixed format (always microseconds, always UTC) so that string order is time order.
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).isoformat(timespec="microseconds")


GENESIS = "0" * 64
CHAINED_COLUMNS = (
    "time",
    "principal",
    "endpoint",
    "query",
    "filters",
    "chunk_ids",
    "doc_ids",
    "status",
    "detail",
    "http_status",
    "clearance",
    "units",
)


def row_hash(prev: str, values: tuple[Any, ...]) -> str:
    """sha256 of the previous row's hash and this row's values (canonical JSON)."""
    payload = json.dumps([prev, *values], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    """What ``AuditLog.verify`` found: rows read and the id of the first broken one (None when intact)."""

    rows: int
    first_broken: int | None
    reason: str

    @property
    def intact(self) -> bool:
        return self.first_broken is None


def _within(row: dict[str, Any], clearance: int, units: Iterable[str] | None) -> bool:
    """Whether a viewer with this clearance and unit scope (None: every unit) may read a row's content."""
    if int(row["clearance"]) > clearance:
        return False
    if units is None:
        return True
    requester = row["units"]
    return requester is not None and set(requester) <= set(units)  # unknown or every unit: not within a scope


class AuditLog(SQLiteDatabase):
    """Who asked what and which chunks and documents they were given; thread-safe, append-only."""

    def __init__(self, db_path: Path) -> None:
        super().__init__(db_path)
        db_path.parent.mkdir(parents=True, exist_ok=True)
        self.conn.executescript(DDL)
        columns = {r[1] for r in self.conn.execute("PRAGMA table_info(audit_log)")}
        if "http_status" not in columns:  # logs written before refused requests were audited
            self.conn.execute("ALTER TABLE audit_log ADD COLUMN http_status INTEGER")
        if "clearance" not in columns:  # older rows: the requester's clearance is unknown, so the highest
            self.conn.execute("ALTER TABLE audit_log ADD COLUMN clearance INTEGER NOT NULL DEFAULT 3")
        for column in ("units", "prev_hash", "row_hash"):
            if column not in columns:
                self.conn.execute(f"ALTER TABLE audit_log ADD COLUMN {column} TEXT")

    def _insert(
        self,
        principal: str,
        endpoint: str,
        query: str | None,
        filters: dict[str, Any],
        chunk_ids: Iterable[int],
        doc_ids: Iterable[str],
        status: str,
        detail: str | None,
        http_status: int | None,
        clearance: int,
        units: Iterable[str] | None,
    ) -> None:
        values = (
            _timestamp(datetime.now(UTC)),
            principal,
            endpoint,
            redact(query),
            json.dumps(_redact_obj(filters or {}), ensure_ascii=False, default=str),
            json.dumps([int(c) for c in chunk_ids]),
            json.dumps([str(d) for d in doc_ids], ensure_ascii=False),
            status,
            redact(detail),
            http_status,
            int(clearance),
            None if units is None else json.dumps(sorted(units), ensure_ascii=False),
        )
        self.append(values)

    def append(self, values: tuple[Any, ...]) -> None:
        """Append one row of ``CHAINED_COLUMNS`` values, chained to the last row (one writer at a time, across
        processes too: the previous hash is read inside the write transaction)."""
        with self.transaction() as conn:
            last = conn.execute("SELECT row_hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
            prev = (last[0] if last else None) or GENESIS
            conn.execute(
                f"INSERT INTO audit_log({', '.join(CHAINED_COLUMNS)}, prev_hash, row_hash)"
                f" VALUES ({', '.join('?' * (len(CHAINED_COLUMNS) + 2))})",
                (*values, prev, row_hash(prev, values)),
            )

    def verify(self) -> ChainReport:
        """Walk the chain in order; the first row whose hash does not follow from its content and predecessor."""
        prev = GENESIS
        count = 0
        for row in self.conn.execute(
            f"SELECT id, {', '.join(CHAINED_COLUMNS)}, prev_hash, row_hash FROM audit_log ORDER BY id"
        ):
            count += 1
            values = tuple(row[1 : 1 + len(CHAINED_COLUMNS)])
            if row["prev_hash"] != prev:
                return ChainReport(count, int(row["id"]), "a row before it was removed or the chain was re-linked")
            if row["row_hash"] != row_hash(prev, values):
                return ChainReport(count, int(row["id"]), "its content was changed after it was written")
            prev = row["row_hash"]
        return ChainReport(count, None, "")

    def record(
        self,
        principal_name: str,
        endpoint: str,
        query: str | None,
        filters: dict[str, Any] | None,
        chunk_ids: Iterable[int],
        doc_ids: Iterable[str],
        clearance: int = MAX_LEVEL,
        units: Iterable[str] | None = None,
    ) -> None:
        """Append one served request: the query, its filters and exactly what was returned.

        ``clearance`` and ``units`` (None: every unit) are the requester's: the row reveals what that requester
        may see, so only viewers who may see as much read its content."""
        self._insert(
            principal_name, endpoint, query, filters or {}, chunk_ids, doc_ids, "ok", None, 200, clearance, units
        )

    def incident(self, principal_name: str, endpoint: str, detail: str, doc_ids: Iterable[str] = ()) -> None:
        """Append an access-control incident (a row stopped by the response guard): classified at the top level,
        since it names a document the requester should never have reached."""
        logger.warning("security incident on %s for %s: %s", endpoint, principal_name, redact(detail))
        self._insert(principal_name, endpoint, None, {}, [], doc_ids, "incident", detail, None, MAX_LEVEL, None)

    def request(
        self,
        principal_name: str,
        endpoint: str,
        http_status: int,
        reason: str | None = None,
        clearance: int = 0,
        units: Iterable[str] | None = (),
    ) -> None:
        """Append a request no service recorded: refused (4xx) or failed (5xx) ones with why, and other answers."""
        status = "ok" if http_status < 400 else "refused" if http_status < 500 else "failed"
        self._insert(principal_name, endpoint, None, {}, [], [], status, reason, http_status, clearance, units)

    def query(
        self,
        principal: str | None = None,
        since: datetime | None = None,
        limit: int = 1000,
        viewer_clearance: int | None = None,
        viewer_units: Iterable[str] | None = None,
    ) -> list[dict[str, Any]]:
        """Rows newest first, optionally for one principal and from a time on.

        With ``viewer_clearance`` (an admin reading through the API), rows made by requesters cleared above the
        viewer keep who, when, where and the status, but not the query, filters, ids or details: an admin
        cleared for MẬT does not read a TUYỆT MẬT analyst's queries."""
        conds: list[str] = []
        params: list[object] = []
        if principal is not None:
            conds.append("principal = ?")
            params.append(principal)
        if since is not None:
            conds.append("time >= ?")
            params.append(_timestamp(since))
        where = f"WHERE {' AND '.join(conds)}" if conds else ""
        rows = self.conn.execute(
            f"SELECT * FROM audit_log {where} ORDER BY id DESC LIMIT ?", [*params, max(0, int(limit))]
        ).fetchall()
        out = []
        for r in rows:
            row = dict(r)
            for name in ("filters", "chunk_ids", "doc_ids"):
                row[name] = json.loads(row[name])
            row["units"] = None if row["units"] is None else json.loads(row["units"])
            if viewer_clearance is not None and not _within(row, viewer_clearance, viewer_units):
                row.update(query=REDACTED, filters={}, chunk_ids=[], doc_ids=[], detail=REDACTED)
            out.append(row)
        return out
