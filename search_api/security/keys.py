"""Principals and their API keys in the security database (see ``database``); keys are stored only as hashes.

A key is ``tm_<key id>_<secret>``: the id (public, 48 bits) finds the row, the secret (256 random bits) proves
possession. Only sha256(key) is stored. A slow hash (scrypt, pbkdf2) protects low-entropy passwords from
guessing after a database leak; a 256-bit random secret cannot be guessed at any hash speed, so sha256 gives
the same protection while keeping per-request authentication cheap.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import sqlite3
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from indexer.models import Classification
from indexer.storage.sqlite_base import SQLiteDatabase
from search_api.security.errors import DuplicatePrincipal, InvalidPrincipal, UnknownPrincipal
from search_api.security.principals import Principal, Role

logger = logging.getLogger(__name__)

KEY_PREFIX = "tm_"
_DUMMY_HASH = hashlib.sha256(b"no such key").hexdigest()

DDL = """
CREATE TABLE IF NOT EXISTS principals (
    name TEXT PRIMARY KEY,
    id TEXT,
    roles TEXT NOT NULL,
    clearance INTEGER NOT NULL,
    units TEXT,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE TABLE IF NOT EXISTS api_keys (
    key_id TEXT PRIMARY KEY,
    principal TEXT NOT NULL REFERENCES principals(name),
    key_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX IF NOT EXISTS api_keys_principal ON api_keys(principal);
"""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def hash_key(key: str) -> str:
    """sha256 of the whole key, hex (see the module docstring for why a fast hash suffices)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _new_key() -> tuple[str, str]:
    key_id = secrets.token_hex(6)
    return key_id, f"{KEY_PREFIX}{key_id}_{secrets.token_urlsafe(32)}"


def _key_id(key: str) -> str | None:
    if not key.startswith(KEY_PREFIX):
        return None
    parts = key.split("_", 2)
    return parts[1] if len(parts) == 3 and parts[1] and parts[2] else None


def _normalise_roles(roles: Iterable[str]) -> frozenset[str]:
    out = set()
    for role in roles:
        try:
            out.add(Role(str(role).strip().lower()).value)
        except ValueError:
            raise InvalidPrincipal(f"unknown role {role!r}; expected one of {[r.value for r in Role]}") from None
    if not out:
        raise InvalidPrincipal("a principal needs at least one role")
    return frozenset(out)


class PrincipalStore(SQLiteDatabase):
    """Principals and hashed API keys in the security database; thread-safe."""

    def __init__(self, db_path: Path) -> None:
        super().__init__(db_path)
        db_path.parent.mkdir(parents=True, exist_ok=True)
        self.conn.executescript(DDL)
        self.ensure_ids()

    def ensure_ids(self) -> None:
        """Give principals made before immutable ids existed one (once; their drafts were in memory only)."""
        with self.transaction() as conn:
            columns = {r[1] for r in conn.execute("PRAGMA table_info(principals)")}
            if "id" not in columns:
                conn.execute("ALTER TABLE principals ADD COLUMN id TEXT")
            for (name,) in conn.execute("SELECT name FROM principals WHERE id IS NULL").fetchall():
                conn.execute("UPDATE principals SET id = ? WHERE name = ?", (secrets.token_hex(8), name))

    def add(
        self,
        name: str,
        roles: Iterable[str],
        clearance: Classification | int | str,
        units: Iterable[str] | None = None,
    ) -> tuple[Principal, str]:
        """Create a principal and return it with its new key (shown once, never stored in clear)."""
        name = name.strip()
        if not name:
            raise InvalidPrincipal("a principal needs a name")
        role_set = _normalise_roles(roles)
        try:
            level = Classification.parse(clearance)
        except ValueError as exc:
            raise InvalidPrincipal(str(exc)) from None
        unit_tuple = None if units is None else tuple(dict.fromkeys(u.strip() for u in units if u.strip()))
        key_id, key = _new_key()
        principal_id = secrets.token_hex(8)
        now = _now()
        with self.transaction() as conn:
            row = conn.execute("SELECT revoked_at FROM principals WHERE name = ?", (name,)).fetchone()
            if row is not None and row[0] is None:
                raise DuplicatePrincipal(f"principal {name!r} already exists")
            # A revoked name may be re-added: the row is replaced with a new immutable id (so nothing the old
            # principal owned, such as drafts, is reachable by the new one); its old keys stay revoked.
            conn.execute(
                "INSERT INTO principals(name, id, roles, clearance, units, created_at, revoked_at)"
                " VALUES (?, ?, ?, ?, ?, ?, NULL) ON CONFLICT (name) DO UPDATE SET id = excluded.id,"
                " roles = excluded.roles, clearance = excluded.clearance, units = excluded.units,"
                " created_at = excluded.created_at, revoked_at = NULL",
                (
                    name,
                    principal_id,
                    json.dumps(sorted(role_set)),
                    int(level),
                    None if unit_tuple is None else json.dumps(list(unit_tuple), ensure_ascii=False),
                    now,
                ),
            )
            conn.execute(
                "INSERT INTO api_keys(key_id, principal, key_hash, created_at) VALUES (?, ?, ?, ?)",
                (key_id, name, hash_key(key), now),
            )
        logger.info("principal %s added (roles %s, clearance %s)", name, sorted(role_set), level.label)
        return Principal(name, role_set, level, unit_tuple, id=principal_id), key

    def list(self) -> list[dict[str, Any]]:
        """Every principal (active and revoked) without keys or hashes."""
        rows = self.conn.execute(
            "SELECT name, id, roles, clearance, units, created_at, revoked_at FROM principals ORDER BY name"
        ).fetchall()
        out = []
        for r in rows:
            level = Classification(int(r["clearance"]))
            out.append(
                {
                    "name": r["name"],
                    "id": r["id"],
                    "roles": json.loads(r["roles"]),
                    "clearance": int(level),
                    "clearance_label": level.label,
                    "units": None if r["units"] is None else json.loads(r["units"]),
                    "created_at": r["created_at"],
                    "active": r["revoked_at"] is None,
                    "revoked_at": r["revoked_at"],
                }
            )
        return out

    def _require_active(self, conn: sqlite3.Connection, name: str) -> None:
        row = conn.execute("SELECT 1 FROM principals WHERE name = ? AND revoked_at IS NULL", (name,)).fetchone()
        if row is None:
            raise UnknownPrincipal(f"no active principal named {name!r}")

    def revoke(self, name: str) -> None:
        """Disable a principal and every key it has."""
        now = _now()
        with self.transaction() as conn:
            self._require_active(conn, name)
            conn.execute("UPDATE principals SET revoked_at = ? WHERE name = ?", (now, name))
            conn.execute("UPDATE api_keys SET revoked_at = ? WHERE principal = ? AND revoked_at IS NULL", (now, name))
        logger.info("principal %s revoked", name)

    def rotate(self, name: str) -> str:
        """Issue a new key for a principal; its old keys stop working at once."""
        key_id, key = _new_key()
        now = _now()
        with self.transaction() as conn:
            self._require_active(conn, name)
            conn.execute("UPDATE api_keys SET revoked_at = ? WHERE principal = ? AND revoked_at IS NULL", (now, name))
            conn.execute(
                "INSERT INTO api_keys(key_id, principal, key_hash, created_at) VALUES (?, ?, ?, ?)",
                (key_id, name, hash_key(key), now),
            )
        logger.info("key of principal %s rotated", name)
        return key

    def count(self) -> int:
        """Number of active principals (0 means single-user development mode on loopback)."""
        return int(self.conn.execute("SELECT count(*) FROM principals WHERE revoked_at IS NULL").fetchone()[0])

    def count_admins(self) -> int:
        """Number of active principals holding the admin role (``users revoke`` warns before it reaches 0)."""
        rows = self.conn.execute("SELECT roles FROM principals WHERE revoked_at IS NULL").fetchall()
        return sum(1 for (roles,) in rows if "admin" in json.loads(roles))

    def authenticate(self, key: str) -> Principal | None:
        """The active principal holding this key, or None for a malformed, wrong, revoked or rotated key."""
        key_id = _key_id(key or "")
        row = None
        if key_id is not None:
            row = self.conn.execute(
                "SELECT k.key_hash, p.name, p.id, p.roles, p.clearance, p.units FROM api_keys k"
                " JOIN principals p ON p.name = k.principal"
                " WHERE k.key_id = ? AND k.revoked_at IS NULL AND p.revoked_at IS NULL",
                (key_id,),
            ).fetchone()
        # Compare even when no row matched so timing does not reveal which key ids exist.
        stored = row["key_hash"] if row is not None else _DUMMY_HASH
        ok = hmac.compare_digest(stored.encode(), hash_key(key or "").encode())
        if row is None or not ok:
            return None
        units = None if row["units"] is None else tuple(json.loads(row["units"]))
        roles = frozenset(json.loads(row["roles"]))
        return Principal(row["name"], roles, Classification(int(row["clearance"])), units, id=str(row["id"]))
