"""The SQLite store's ``VectorFeed``: access labels of every chunk and a change log of chunk ids per generation.

``vector_log`` gets one row per chunk a commit adds or removes, written in the commit's own transaction, so a
reader that holds generation *g* in memory applies exactly what happened since (a few rows per commit) instead
of reloading a million vectors. ``meta.vector_log_floor`` is the generation the log is complete from: a store
created before the log existed starts it at its generation then; pruning moves it forward.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import numpy as np

from indexer.storage.sqlite_base import SQLiteDatabase
from indexer.storage.vector_feed import ChunkAccess, VectorChanges, VectorSnapshot

logger = logging.getLogger(__name__)

_ACCESS_SELECT = "SELECT c.chunk_id, d.classification, d.unit FROM chunks c JOIN documents d ON d.doc_id = c.doc_id"


def log_removed(conn: sqlite3.Connection, generation: int, doc_id: str) -> None:
    """Record the chunks of ``doc_id`` about to be deleted by the commit that makes ``generation``."""
    conn.execute(
        "INSERT INTO vector_log(generation, chunk_id, added) SELECT ?, chunk_id, 0 FROM chunks WHERE doc_id = ?",
        (generation, doc_id),
    )


def log_added(conn: sqlite3.Connection, generation: int, chunk_ids: Sequence[int]) -> None:
    """Record chunks inserted by the commit that makes ``generation``."""
    conn.executemany(
        "INSERT INTO vector_log(generation, chunk_id, added) VALUES (?, ?, 1)", [(generation, c) for c in chunk_ids]
    )


def next_generation(conn: sqlite3.Connection) -> int:
    """The generation the open write transaction will commit (the current one plus one), recorded as logged.

    ``meta.vector_log_at`` is the last generation whose changes the log holds. When it lags the generation, a
    writer that keeps no log (an older version) committed in between: the log is complete only from now on, so
    the floor moves here and readers behind it rebuild instead of missing those changes."""
    generation = int(conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0])
    at = conn.execute("SELECT value FROM meta WHERE key = 'vector_log_at'").fetchone()
    if at is None or int(at[0]) != generation:
        conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('vector_log_floor', ?)", (str(generation),))
    conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('vector_log_at', ?)", (str(generation + 1),))
    return generation + 1


def _access(rows: list[sqlite3.Row] | list[tuple[int, int, str | None]]) -> ChunkAccess:
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    levels = np.fromiter((r[1] for r in rows), dtype=np.int8, count=len(rows))
    return ChunkAccess(ids, levels, [r[2] for r in rows])


class SQLiteVectorFeed(SQLiteDatabase):
    """Mixed into ``SQLiteStore``: the vector feed over its connection."""

    @contextmanager
    def _snapshot(self) -> Iterator[sqlite3.Connection]:
        """One read transaction: every statement inside sees the same commit."""
        conn = self.conn
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            conn.execute("COMMIT")

    @staticmethod
    def _meta_int(conn: sqlite3.Connection, key: str) -> int | None:
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else int(row[0])

    def vector_snapshot(self) -> VectorSnapshot:
        """Every chunk's access labels and vector, with their generation, in one read."""
        with self._snapshot() as conn:
            generation = self._meta_int(conn, "generation") or 0
            rows = conn.execute(
                "SELECT c.chunk_id, d.classification, d.unit, c.vector FROM chunks c"
                " JOIN documents d ON d.doc_id = c.doc_id ORDER BY c.chunk_id"
            ).fetchall()
        vectors = (
            np.vstack([np.frombuffer(r[3], dtype=np.float32) for r in rows])
            if rows
            else np.zeros((0, 0), dtype=np.float32)
        )
        return VectorSnapshot(generation, _access(rows), vectors)

    def access_snapshot(self) -> tuple[int, ChunkAccess]:
        """(generation, every chunk's access labels) in one read."""
        with self._snapshot() as conn:
            generation = self._meta_int(conn, "generation") or 0
            rows = conn.execute(_ACCESS_SELECT).fetchall()
        return generation, _access(rows)

    def vector_changes(self, since: int) -> VectorChanges | None:
        """Chunks added and removed after generation ``since``; None when the log does not reach back to it."""
        try:
            with self._snapshot() as conn:
                generation = self._meta_int(conn, "generation") or 0
                floor = self._meta_int(conn, "vector_log_floor")
                logged = self._meta_int(conn, "vector_log_at")
                if floor is None or logged != generation or since < floor or since > generation:
                    return None
                log = conn.execute(
                    "SELECT chunk_id, added FROM vector_log WHERE generation > ? AND generation <= ?",
                    (since, generation),
                ).fetchall()
                removed = {int(c) for c, a in log if not a}
                added = sorted({int(c) for c, a in log if a} - removed)
                rows: list[tuple[int, int, str | None]] = []
                blobs: list[bytes] = []
                for i in range(0, len(added), 500):
                    part = added[i : i + 500]
                    for r in conn.execute(
                        "SELECT c.chunk_id, d.classification, d.unit, c.vector FROM chunks c"
                        f" JOIN documents d ON d.doc_id = c.doc_id WHERE c.chunk_id IN ({','.join('?' * len(part))})",
                        part,
                    ):
                        rows.append((int(r[0]), int(r[1]), r[2]))
                        blobs.append(r[3])
        except sqlite3.OperationalError as exc:  # a read-only store older than the log
            logger.info("no vector change log (%s); the vector index is rebuilt", exc)
            return None
        vectors = (
            np.vstack([np.frombuffer(b, dtype=np.float32) for b in blobs]) if blobs else np.zeros((0, 0), np.float32)
        )
        return VectorChanges(generation, _access(rows), vectors, np.array(sorted(removed), dtype=np.int64))

    def prune_vector_log(self, up_to: int) -> None:
        """Delete the log of generations ≤ ``up_to`` and move the floor there (never backwards)."""
        if self._readonly:
            return
        with self.transaction() as conn:
            floor = self._meta_int(conn, "vector_log_floor") or 0
            if up_to > floor:
                conn.execute("DELETE FROM vector_log WHERE generation <= ?", (up_to,))
                conn.execute("UPDATE meta SET value = ? WHERE key = 'vector_log_floor'", (str(up_to),))
