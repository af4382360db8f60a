"""Shared plumbing of the PostgreSQL store: per-thread connections, numbered migrations, writer lock, access GUCs.

Connections are per thread, as in ``sqlite_base`` (the read mixins shared with SQLite call ``self.conn``), in
autocommit mode: a read is one statement, a write an explicit transaction. Two things make the shared SQL run
here: ``?`` marks become ``%s`` and rows answer both ``r[0]`` and ``r["name"]`` as ``sqlite3.Row`` does.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib import resources
from typing import Any

import psycopg
import psycopg.types

from indexer.errors import StorageUnavailable
from indexer.storage.filters import SearchFilter

logger = logging.getLogger(__name__)

# pg_advisory_xact_lock keys: one writer at a time across every process and machine using the database.
WRITE_LOCK = 0x7448_4D55  # "tHMU"
MIGRATE_LOCK = 0x7448_4D56
SECURITY_LOCK = 0x7448_4D57  # principals and keys
AUDIT_LOCK = 0x7448_4D58  # the audit chain: its previous hash is read under this lock
UNIT_SEPARATOR = "\x1f"  # joins unit names in the thammuu.units setting (a character no unit name holds)


class Row(tuple):  # type: ignore[type-arg]
    """A result row readable by position and by column name (what ``sqlite3.Row`` gives the shared SQL)."""

    names: dict[str, int]

    def __getitem__(self, key: Any) -> Any:  # type: ignore[override]
        if isinstance(key, str):
            return tuple.__getitem__(self, self.names[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self.names)


def _row_factory(cursor: psycopg.Cursor[Any]) -> Any:
    names = {d.name: i for i, d in enumerate(cursor.description or ())}

    def make(values: Sequence[Any]) -> Row:
        row = Row(values)
        row.names = names
        return row

    return make


@contextmanager
def unavailable_as_error() -> Iterator[None]:
    """Turn a lost or refused connection into ``StorageUnavailable`` (503 at the API, never a 500); the broken
    connection is closed by psycopg, so the next use of the store reconnects."""
    try:
        yield
    except psycopg.OperationalError as exc:
        logger.warning("PostgreSQL unavailable: %s", exc)
        raise StorageUnavailable(f"the PostgreSQL store is unavailable: {exc}".strip()) from exc


class Connection:
    """A psycopg connection that takes SQLite-style ``?`` marks (the shared SQL holds no literal ``?`` or ``%``)."""

    def __init__(self, raw: psycopg.Connection[Any]) -> None:
        self.raw = raw

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> psycopg.Cursor[Any]:
        with unavailable_as_error():
            return self.raw.execute(sql.replace("?", "%s") if params else sql, params or None)  # type: ignore[arg-type]

    def scalar(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        """The first column of the first row (a query that always returns one, e.g. ``count(*)``)."""
        row = self.execute(sql, params).fetchone()
        assert row is not None, sql
        return row[0]

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            with unavailable_as_error(), self.raw.cursor() as cur:
                cur.executemany(sql.replace("?", "%s"), rows)


def _register_vectors(raw: psycopg.Connection[Any]) -> None:
    """pgvector's adapters, loading ``vector`` values as float32 numpy arrays (what the store hands out)."""
    import numpy as np
    from pgvector.psycopg import register_vector
    from pgvector.psycopg.vector import VectorBinaryLoader, VectorLoader

    class ArrayLoader(VectorLoader):
        def load(self, data: Any) -> Any:
            return _array(super().load(data))

    class ArrayBinaryLoader(VectorBinaryLoader):
        def load(self, data: Any) -> Any:
            return _array(super().load(data))

    def _array(value: Any) -> Any:
        return None if value is None else np.asarray(value.to_numpy(), dtype=np.float32)

    register_vector(raw)
    info = psycopg.types.TypeInfo.fetch(raw, "vector")
    assert info is not None
    raw.adapters.register_loader(info.oid, ArrayLoader)
    raw.adapters.register_loader(info.oid, ArrayBinaryLoader)


def _migrations() -> list[tuple[int, str, str]]:
    """(version, name, SQL) of every numbered file in ``pg_migrations``, in order."""
    folder = resources.files("indexer.storage").joinpath("pg_migrations")
    out = []
    for entry in folder.iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            out.append((int(name[:4]), name, entry.read_text(encoding="utf-8")))
    return sorted(out)


def migrate(raw: psycopg.Connection[Any]) -> list[str]:
    """Apply the numbered migrations not yet recorded in ``schema_migrations``, each in its own transaction, under
    a lock (replicas starting together migrate once); returns the names applied."""
    applied: list[str] = []
    with raw.transaction():
        raw.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATE_LOCK,))
        raw.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
            " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
        done = {int(r[0]) for r in raw.execute("SELECT version FROM schema_migrations")}
        for version, name, sql in _migrations():
            if version in done:
                continue
            with raw.transaction():  # a savepoint: a failing file leaves the earlier ones applied
                raw.execute(sql)  # type: ignore[call-overload]
                raw.execute("INSERT INTO schema_migrations(version, name) VALUES (%s, %s)", (version, name))
            applied.append(name)
            logger.info("applied migration %s", name)
    return applied


def access_settings(flt: SearchFilter) -> tuple[str, str, str]:
    """The (thammuu.max_level, thammuu.units, thammuu.unitless) values the row-level policies read."""
    units = "*" if flt.units is None else "u" + UNIT_SEPARATOR.join(flt.units)
    return str(int(flt.max_classification)), units, "on" if flt.unitless_visible else "off"


class PostgresDatabase:
    """Per-thread connections to one PostgreSQL database, migrated on first open."""

    lock_key: int = WRITE_LOCK
    """The advisory lock a write transaction holds: one writer per table set, across every replica."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._local = threading.local()
        with self._connect() as raw:
            migrate(raw)

    def _connect(self) -> psycopg.Connection[Any]:
        try:
            # No server-side prepared statements: after five runs psycopg would prepare a statement and the
            # server may then keep a generic plan, which with the row-level policies made BM25 queries 6x slower
            # (182 vs 31 ms on ALQAC); custom plans cost a little planning each time.
            raw = psycopg.connect(
                self.url,
                autocommit=True,
                row_factory=_row_factory,  # type: ignore[arg-type]
                prepare_threshold=None,
            )
        except psycopg.OperationalError as exc:
            raise StorageUnavailable(f"cannot connect to the PostgreSQL store: {exc}".strip()) from exc
        return raw

    @property
    def conn(self) -> Connection:
        conn: Connection | None = getattr(self._local, "conn", None)
        if conn is None or conn.raw.closed or conn.raw.broken:
            raw = self._connect()
            with unavailable_as_error():
                _register_vectors(raw)
            conn = Connection(raw)
            self._local.conn = conn
        return conn

    def close(self) -> None:
        """Close this thread's connection (others close with their threads); the next use reconnects."""
        conn: Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            conn.raw.close()
            self._local.conn = None

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One write transaction holding ``lock_key`` (one writer of these tables at a time, everywhere)."""
        conn = self.conn
        with unavailable_as_error(), conn.raw.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(?)", (self.lock_key,))
            yield conn

    @contextmanager
    def access(self, flt: SearchFilter | None) -> Iterator[Connection]:
        """A read transaction with the filter's access part set for the row-level policies (defence in depth:
        the SQL ``WHERE`` already applies it)."""
        conn = self.conn
        if flt is None:
            yield conn
            return
        with unavailable_as_error(), conn.raw.transaction():
            conn.execute(
                "SELECT set_config('thammuu.max_level', ?, true), set_config('thammuu.units', ?, true),"
                " set_config('thammuu.unitless', ?, true)",
                access_settings(flt),
            )
            yield conn
