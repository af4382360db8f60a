"""The vector index of the PostgreSQL backend: pgvector HNSW inside the database, filtered in the same SQL.

Nothing is loaded into the process: a search is one SQL statement whose ``WHERE`` is the caller's filter
(``filter_sql``), so clearance, units and every user filter apply inside the index scan, before the LIMIT.
``hnsw.iterative_scan = strict_order`` makes pgvector keep walking the graph while rows are filtered out, so a
restrictive filter still fills its k (``hnsw.max_scan_tuples`` is lifted for that). By default the statement
uses the HNSW index even where the planner would scan every row (``storage.vector_scan``). The HNSW index is over a
stored ``halfvec`` copy of the vectors (generated from them; the vectors themselves stay 32-bit) and the k rows
it finds are scored again in full precision, so scores are those of the exact inner product.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

import numpy as np

from indexer.config import VectorSettings
from indexer.storage.contracts import DocumentStore
from indexer.storage.filters import SearchFilter, filter_sql
from indexer.storage.postgres_base import MIGRATE_LOCK
from indexer.storage.records import ChunkHit

if TYPE_CHECKING:
    from indexer.storage.postgres_store import PostgresStore

logger = logging.getLogger(__name__)

MAX_EF_SEARCH = 1000  # pgvector's upper bound for hnsw.ef_search
# A filtered walk may visit the whole graph rather than stop early (pgvector's default stops at 20,000 tuples,
# which could return fewer than k of the rows a restrictive filter allows): slower then, never incomplete.
MAX_SCAN_TUPLES = 2**31 - 1


def index_column(vector_type: str, dimension: int) -> str:
    """The stored, generated column the HNSW index is built on (``vector`` cast to the index type)."""
    return f"vector_{vector_type}_{int(dimension)}"


class PgVectorIndex:
    """``VectorIndex`` over the chunks table: HNSW on ``vector::<type>(dimension)``, inner product."""

    def __init__(
        self, store: PostgresStore, dimension: int, settings: VectorSettings, vector_type: str, scan: str = "hnsw"
    ) -> None:
        self._store = store
        self._scan = scan
        self._dimension = int(dimension)
        self._settings = settings
        self._type = f"{vector_type}({int(dimension)})"
        self._column = index_column(vector_type, dimension)
        self._kind = (
            f"pgvector-hnsw({vector_type},M={settings.hnsw_m},efC={settings.hnsw_ef_construction},"
            f"efS={settings.hnsw_ef_search})"
        )

    @property
    def size(self) -> int:
        return int(self._store.conn.scalar("SELECT count(*) FROM chunks"))

    @property
    def kind(self) -> str:
        return self._kind

    def search(self, query: np.ndarray, k: int, flt: SearchFilter) -> list[ChunkHit]:
        """Top-k (chunk_id, inner product) of the chunks ``flt`` lets through, best first."""
        if k <= 0:
            return []
        q = np.ascontiguousarray(query.reshape(-1), dtype=np.float32)
        cond, params = filter_sql(flt)
        order = f"c.{self._column} <#> ?::{self._type}"  # the indexed column: the planner may use HNSW
        sql = (
            f"SELECT c.chunk_id, (c.vector <#> ?::vector) * -1 FROM chunks c JOIN documents d ON d.doc_id = c.doc_id"
            f" WHERE {cond} ORDER BY {order} LIMIT ?"
        )
        scan = "exact" if flt.doc_ids else self._scan  # a few named documents: nothing to gain from a graph
        with self._store.access(flt) as conn:
            conn.execute(
                "SELECT set_config('hnsw.ef_search', ?, true), set_config('hnsw.iterative_scan', 'strict_order', true),"
                " set_config('hnsw.max_scan_tuples', ?, true)",
                (str(min(max(self._settings.hnsw_ef_search, k), MAX_EF_SEARCH)), str(MAX_SCAN_TUPLES)),
            )
            if scan == "hnsw":  # the planner would pick an exact scan for k of 100 and more on small tables
                conn.execute("SELECT set_config('enable_seqscan', 'off', true)")
            elif scan == "exact":
                conn.execute("SELECT set_config('enable_indexscan', 'off', true)")
            rows = conn.execute(sql, [q, *params, q, k]).fetchall()
        hits = [ChunkHit(int(r[0]), float(r[1])) for r in rows]
        hits.sort(key=lambda h: (-h.score, h.chunk_id))  # full-precision scores: order by them
        return hits


class PgVectorSource:
    """The PostgreSQL ``VectorSource``: the vectors are already in the database; ``current`` only makes sure the
    HNSW index for this dimension exists (once per process) and binds a ``PgVectorIndex`` to the store."""

    def __init__(self, settings: VectorSettings, vector_type: str, scan: str = "hnsw") -> None:
        self.settings = settings
        self.vector_type = vector_type
        self.scan = scan
        self._ready: set[int] = set()
        self._lock = threading.Lock()

    def current(self, generation: int, store: DocumentStore, dimension: int) -> PgVectorIndex:
        from indexer.storage.postgres_store import PostgresStore

        if not isinstance(store, PostgresStore):
            raise TypeError("the pgvector index reads a PostgreSQL store")
        with self._lock:
            if dimension not in self._ready:
                self._ensure_index(store, dimension)
                self._ready.add(dimension)
        return PgVectorIndex(store, dimension, self.settings, self.vector_type, self.scan)

    def _ensure_index(self, store: PostgresStore, dimension: int) -> None:
        """The generated column and its HNSW index for this dimension, created once (the dimension is known only
        from the model, so this is not a numbered migration). A stored column rather than an index on a cast:
        an exact scan (which the planner picks for small tables) then computes no cast per row."""
        vt, s, dim = self.vector_type, self.settings, int(dimension)
        column, name = index_column(vt, dim), f"chunks_hnsw_{vt}_{dim}"
        conn = store.conn
        with conn.raw.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(?)", (MIGRATE_LOCK,))
            has_column = conn.execute(
                "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema()"
                " AND table_name = 'chunks' AND column_name = ?",
                (column,),
            ).fetchone()
            if has_column is None:
                conn.execute(
                    f"ALTER TABLE chunks ADD COLUMN {column} {vt}({dim})"
                    f" GENERATED ALWAYS AS (vector::{vt}({dim})) STORED"
                )
            if conn.scalar("SELECT to_regclass(?)", (name,)) is None:
                logger.info("creating HNSW index %s (M=%d, efConstruction=%d)", name, s.hnsw_m, s.hnsw_ef_construction)
                conn.execute(
                    f"CREATE INDEX {name} ON chunks USING hnsw ({column} {vt}_ip_ops)"
                    f" WITH (m = {int(s.hnsw_m)}, ef_construction = {int(s.hnsw_ef_construction)})"
                )
