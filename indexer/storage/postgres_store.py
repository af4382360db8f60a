"""PostgreSQL document store: documents, chunks with their vectors (pgvector), number variants, relations and
the lexical index, in one database that several API replicas share.

PostgreSQL is the source of truth and also the vector index (``pgvector_index``): nothing is loaded into the
process, so a replica sees a commit on its next query. Every write batch is one transaction under a
database-wide advisory lock and bumps ``meta.generation`` once. The reads shared with SQLite (``SQLiteReads``,
``SQLiteRelations``) run here unchanged; each filtered one runs inside ``access(flt)``, which also sets the
caller's clearance for the row-level policies (``pg_migrations/0002_row_security.sql``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

import numpy as np

from indexer.models import Chunk, Classification, Document
from indexer.storage import postgres_lexical as lexical
from indexer.storage.contracts import Vocab, WriteItem
from indexer.storage.filters import SearchFilter, filter_sql
from indexer.storage.manifest import Manifest
from indexer.storage.postgres_base import Connection, PostgresDatabase
from indexer.storage.records import ChunkHit, DocumentRecord, FacetCounts, IncomingLink, RelationLink, StoredDocument
from indexer.storage.sqlite_reads import SQLiteReads
from indexer.storage.sqlite_relations import SQLiteRelations
from indexer.storage.sqlite_store import lexical_columns

logger = logging.getLogger(__name__)

# INSERT, not COPY: PostgreSQL refuses COPY FROM into a table with row-level security for an ordinary role (the
# deployment's), and psycopg pipelines executemany, so the rows still go in one round trip per batch.
INSERT_CHUNK = (
    "INSERT INTO chunks (chunk_id, doc_id, ordinal, section, pages, char_start, char_end, text, embed_hash, vector,"
    " role, level, unit) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


class PostgresStore(SQLiteReads, SQLiteRelations, PostgresDatabase):  # type: ignore[misc]
    """Document store and lexical index over one PostgreSQL database; thread-safe, any number of processes."""

    def __init__(self, url: str) -> None:
        PostgresDatabase.__init__(self, url)

    @property
    def conn(self) -> Connection:  # type: ignore[override]
        """This thread's connection (the mixins' SQL runs through it unchanged)."""
        return PostgresDatabase.conn.fget(self)  # type: ignore[attr-defined,no-any-return]

    # ---- meta -------------------------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def generation(self) -> int:
        """A counter bumped once by every commit that changes chunks (one indexed lookup: cheap per request)."""
        return int(self.get_meta("generation") or 0)

    def load_manifest(self) -> Manifest | None:
        """The build configuration saved with this database, None for a new one."""
        raw = self.get_meta("manifest")
        if raw is None:
            return None
        data = json.loads(raw)
        return Manifest(**{k: v for k, v in data.items() if k in Manifest.__dataclass_fields__})

    def save_manifest(self, manifest: Manifest) -> None:
        """Save (replace) the build configuration."""
        from dataclasses import asdict

        self.conn.execute(
            "INSERT INTO meta(key, value) VALUES ('manifest', ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (json.dumps(asdict(manifest), ensure_ascii=False),),
        )

    def size_bytes(self) -> int:
        """The database's size on the server's disk."""
        return int(self.conn.scalar("SELECT pg_database_size(current_database())"))

    # ---- writing ----------------------------------------------------------------------------------------
    def documents_under(self, source_root: str) -> dict[str, StoredDocument]:
        rows = self.conn.execute(
            "SELECT doc_id, source, content_hash FROM documents WHERE source_root = ?", (source_root,)
        )
        return {r[0]: StoredDocument(r[0], r[1], r[2]) for r in rows}

    def hash_of(self, doc_id: str) -> str | None:
        row = self.conn.execute("SELECT content_hash FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        return None if row is None else str(row[0])

    def vectors_by_embed_hash(self, hashes: Iterable[str]) -> dict[str, np.ndarray]:
        wanted = list(set(hashes))
        if not wanted:
            return {}
        rows = self.conn.execute("SELECT embed_hash, vector FROM chunks WHERE embed_hash = ANY(?)", (wanted,))
        return {r[0]: np.asarray(r[1], dtype=np.float32) for r in rows}

    def write_documents(self, items: Sequence[WriteItem]) -> None:
        """Replace each document with its chunks, vectors, numbers, relations and postings, all in one commit."""
        for doc, _, chunks, hashes, vectors in items:
            if not len(chunks) == len(hashes) == len(vectors):
                raise ValueError(
                    f"{doc.doc_id}: {len(chunks)} chunks, {len(hashes)} hashes and {len(vectors)} vectors differ"
                )
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self.transaction() as conn:
            delta = lexical.Delta()
            for doc, root, chunks, hashes, vectors in items:
                self._delete(conn, [doc.doc_id], delta)
                self._insert(conn, doc, root, chunks, hashes, vectors, now, delta)
            lexical.apply(conn, delta)
            conn.execute("UPDATE meta SET value = (value::bigint + 1)::text WHERE key = 'generation'")

    def _insert(
        self,
        conn: Connection,
        doc: Document,
        root: str,
        chunks: Sequence[Chunk],
        hashes: Sequence[str],
        vectors: np.ndarray,
        now: str,
        delta: lexical.Delta,
    ) -> None:
        """One document's rows; its chunk ids are drawn from the sequence first so that COPY can write them."""
        ident = doc.identity
        conn.execute(
            "INSERT INTO documents(doc_id, source, source_root, content_hash, number, doc_type, issuer, place,"
            " issued_date, title, term, classification, unit, language, page_count, pages, metadata, text,"
            " indexed_at, effective_date, expiry_date, dates) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                doc.doc_id, doc.source, root, doc.content_hash, ident.number, ident.doc_type, ident.issuer,
                ident.place, ident.issued_date, ident.title, ident.term, int(ident.classification), ident.unit,
                ident.language, len(doc.pages), json.dumps([p.__dict__ for p in doc.pages]),
                json.dumps(doc.metadata, ensure_ascii=False, default=str), doc.text, now, ident.effective_date,
                ident.expiry_date, json.dumps(doc.date_notes, ensure_ascii=False),
            ),
        )  # fmt: skip
        conn.executemany(
            "INSERT INTO relations(doc_id, ordinal, kind, target_number, target_key, target_type, sentence,"
            " char_start, char_end, scope) VALUES (?,?,?,?,?,?,?,?,?,?)",
            [
                (doc.doc_id, i, str(r.kind), r.target_number, r.target_key, r.target_type, r.sentence, r.start,
                 r.end, r.scope)
                for i, r in enumerate(doc.relations)
            ],
        )  # fmt: skip
        conn.executemany(
            "INSERT INTO doc_numbers(variant, doc_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
            [(v, doc.doc_id) for v in dict.fromkeys(ident.number_variants)],
        )
        if not chunks:
            return
        ids = [
            int(r[0])
            for r in conn.execute(
                "SELECT nextval(pg_get_serial_sequence('chunks', 'chunk_id')) FROM generate_series(1, ?)",
                (len(chunks),),
            )
        ]
        level = int(ident.classification)
        conn.executemany(
            INSERT_CHUNK,
            [
                (chunk_id, doc.doc_id, chunk.ordinal, chunk.section, json.dumps(chunk.pages), chunk.char_start,
                 chunk.char_end, chunk.text, h, np.asarray(vec, dtype=np.float32), chunk.role, level, ident.unit)
                for chunk_id, chunk, h, vec in zip(ids, chunks, hashes, vectors, strict=True)
            ],
        )  # fmt: skip
        rows = []
        for chunk_id, chunk in zip(ids, chunks, strict=True):
            exact, folded = lexical_columns(f"{ident.number or ''} {chunk.section} {chunk.text}")
            rows.append((chunk_id, level, exact, folded))
        lexical.add(conn, rows, ident.unit, delta)

    def delete_documents(self, doc_ids: Sequence[str]) -> None:
        """Remove documents with everything derived from them, in one commit (nothing for an empty list)."""
        if not doc_ids:
            return
        with self.transaction() as conn:
            delta = lexical.Delta()
            self._delete(conn, doc_ids, delta)
            lexical.apply(conn, delta)
            conn.execute("UPDATE meta SET value = (value::bigint + 1)::text WHERE key = 'generation'")

    @staticmethod
    def _delete(conn: Connection, doc_ids: Sequence[str], delta: lexical.Delta) -> None:
        for doc_id in doc_ids:
            lexical.remove(conn, doc_id, delta)
            conn.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))  # chunks, numbers, relations cascade

    # ---- vectors ----------------------------------------------------------------------------------------
    def all_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        rows = self.conn.execute("SELECT chunk_id, vector FROM chunks ORDER BY chunk_id").fetchall()
        if not rows:
            return np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.float32)
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        return ids, np.vstack([np.asarray(r[1], dtype=np.float32) for r in rows])

    def allowed_chunk_ids(self, flt: SearchFilter) -> np.ndarray:
        cond, params = filter_sql(flt)
        with self.access(flt) as conn:
            rows = conn.execute(
                f"SELECT c.chunk_id FROM chunks c JOIN documents d ON d.doc_id = c.doc_id WHERE {cond}", params
            ).fetchall()
        return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))

    # ---- lexical ----------------------------------------------------------------------------------------
    def lexical_search(
        self,
        tokens: Sequence[str],
        flt: SearchFilter,
        k: int,
        weights: tuple[float, float] = (1.0, 0.7),
        *,
        bigrams: bool = False,
    ) -> list[ChunkHit]:
        """BM25 over the postings with the statistics of the filter's levels, restricted by the filter."""
        terms = lexical.query_terms(tokens, bigrams)
        if not terms:
            return []
        cond, params = filter_sql(flt)
        with self.access(flt) as conn:
            return lexical.search(conn, terms, cond, params, int(flt.max_classification), k, weights)

    def vocab_exact_forms(self, folded: Sequence[str], flt: SearchFilter | None = None) -> Vocab:
        if flt is None:
            return lexical.vocab_forms(self.conn, folded, int(max(Classification)))
        return lexical.vocab_forms(self.conn, folded, int(flt.max_classification), flt.units, flt.unitless_visible)

    # ---- filtered reads of the shared mixins, under the caller's row-level access -----------------------
    def document(self, doc_id: str, flt: SearchFilter) -> DocumentRecord | None:
        with self.access(flt):
            return super().document(doc_id, flt)

    def docs_by_number(self, variants: Sequence[str], flt: SearchFilter) -> list[str]:
        with self.access(flt):
            return super().docs_by_number(variants, flt)

    def facet_counts(self, flt: SearchFilter, doc_ids: Sequence[str] | None = None, limit: int = 50) -> FacetCounts:
        with self.access(flt):
            return super().facet_counts(flt, doc_ids, limit)

    def stats(self, flt: SearchFilter | None = None) -> dict[str, int]:
        with self.access(flt):
            return super().stats(flt)

    def doc_ids_matching(self, flt: SearchFilter) -> list[str]:
        with self.access(flt):
            return super().doc_ids_matching(flt)

    def relations_of(self, doc_id: str, flt: SearchFilter) -> list[RelationLink]:
        with self.access(flt.access_only()):
            return super().relations_of(doc_id, flt)

    def incoming_links(self, doc_ids: Sequence[str] | None, flt: SearchFilter) -> dict[str, list[IncomingLink]]:
        with self.access(flt.access_only()):
            return super().incoming_links(doc_ids, flt)

    def docs_related_to(self, doc_id: str, kinds: Sequence[str], flt: SearchFilter) -> list[str]:
        with self.access(flt.access_only()):
            return super().docs_related_to(doc_id, kinds, flt)
