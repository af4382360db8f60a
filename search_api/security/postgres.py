"""Principals, keys and the audit log in PostgreSQL: the same classes, over the index's database.

``PrincipalStore`` and ``AuditLog`` are written against ``self.conn`` and ``self.transaction()``; putting
``PostgresDatabase`` first in the bases gives them PostgreSQL connections (their SQL runs on both) and
advisory locks of their own, so an audit append never waits for an index commit. The tables come from
``indexer/storage/pg_migrations/0003_security.sql`` (applied with the index's migrations).
"""

from __future__ import annotations

from indexer.storage.backends import redact_url
from indexer.storage.postgres_base import AUDIT_LOCK, SECURITY_LOCK, PostgresDatabase
from search_api.security.audit import AuditLog
from search_api.security.keys import PrincipalStore


class PgPrincipalStore(PostgresDatabase, PrincipalStore):  # type: ignore[misc]
    """Principals and hashed API keys shared by every replica."""

    lock_key = SECURITY_LOCK

    def __init__(self, url: str) -> None:
        PostgresDatabase.__init__(self, url)
        self.path = redact_url(url)  # type: ignore[assignment]

    def ensure_ids(self) -> None:
        """Nothing to do: the PostgreSQL table was created with immutable ids."""


class PgAuditLog(PostgresDatabase, AuditLog):  # type: ignore[misc]
    """The hash-chained, append-only audit log shared by every replica (appends serialised by a lock)."""

    lock_key = AUDIT_LOCK

    def __init__(self, url: str) -> None:
        PostgresDatabase.__init__(self, url)
        self.path = redact_url(url)  # type: ignore[assignment]
