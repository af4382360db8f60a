"""SQLite document store: documents, chunks with their vectors, number variants and the FTS5 lexical index.

SQLite is the source of truth: every document is written in one transaction with its chunks and vectors,
so a crash leaves either the old or the new version of it, never half. The faiss index is derived from it.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from indexer.models import Chunk, Classification, Document
from indexer.storage import sqlite_lexical
from indexer.storage.filters import SearchFilter, filter_sql
from indexer.storage.records import ChunkHit, StoredDocument
from indexer.storage.schema import create_schema
from indexer.storage.sqlite_base import SQLiteDatabase
from indexer.storage.sqlite_reads import SQLiteReads
from indexer.storage.sqlite_relations import SQLiteRelations
from indexer.storage.sqlite_vectors import SQLiteVectorFeed, log_added, log_removed, next_generation
from indexer.understanding.text import fold, tokenize

logger = logging.getLogger(__name__)


def lexical_columns(text: str) -> tuple[str, str]:
    """The two FTS5 columns of a text: exact tokens (tone-canonical) and folded tokens (no diacritics, đ→d)."""
    tokens = tokenize(text)
    return " ".join(tokens), " ".join(fold(t) for t in tokens)


class SQLiteStore(SQLiteReads, SQLiteRelations, SQLiteVectorFeed, SQLiteDatabase):
    """Document store over one SQLite file; thread-safe for one writer and many readers."""

    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        super().__init__(path, readonly=readonly)
        if not readonly:
            create_schema(self.conn)

    # ---- meta -------------------------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def generation(self) -> int:
        """A counter bumped by every commit that changes chunks: readers reload vectors when it moves."""
        return int(self.get_meta("generation") or 0)

    @staticmethod
    def _bump(conn: sqlite3.Connection) -> None:
        conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'")

    # ---- writing ----------------------------------------------------------------------------------------
    def documents_under(self, source_root: str) -> dict[str, StoredDocument]:
        """Documents indexed from one source root, keyed by doc_id."""
        rows = self.conn.execute(
            "SELECT doc_id, source, content_hash FROM documents WHERE source_root = ?", (source_root,)
        )
        return {r[0]: StoredDocument(r[0], r[1], r[2]) for r in rows}

    def hash_of(self, doc_id: str) -> str | None:
        row = self.conn.execute("SELECT content_hash FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        return None if row is None else str(row[0])

    def vectors_by_embed_hash(self, hashes: Iterable[str]) -> dict[str, np.ndarray]:
        """Vectors already computed for identical embedder inputs, so unchanged passages are never re-embedded."""
        wanted = list(set(hashes))
        out: dict[str, np.ndarray] = {}
        for i in range(0, len(wanted), 500):
            part = wanted[i : i + 500]
            rows = self.conn.execute(
                f"SELECT embed_hash, vector FROM chunks WHERE embed_hash IN ({','.join('?' * len(part))})",
                part,
            )
            for h, blob in rows:
                out[h] = np.frombuffer(blob, dtype=np.float32)
        return out

    def write_documents(
        self, items: Sequence[tuple[Document, str, Sequence[Chunk], Sequence[str], np.ndarray]]
    ) -> None:
        """Replace each (document, source_root, chunks, embed_hashes, vectors) atomically, all in one commit."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self.transaction() as conn:
            generation = next_generation(conn)
            for doc, root, chunks, hashes, vectors in items:
                self._delete(conn, [doc.doc_id], generation)
                ident = doc.identity
                conn.execute(
                    "INSERT INTO documents(doc_id, source, source_root, content_hash, number, doc_type, issuer,"
                    " place, issued_date, title, term, classification, unit, language, page_count, pages,"
                    " metadata, text, indexed_at, effective_date, expiry_date, dates)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        doc.doc_id,
                        doc.source,
                        root,
                        doc.content_hash,
                        ident.number,
                        ident.doc_type,
                        ident.issuer,
                        ident.place,
                        ident.issued_date,
                        ident.title,
                        ident.term,
                        int(ident.classification),
                        ident.unit,
                        ident.language,
                        len(doc.pages),
                        json.dumps([p.__dict__ for p in doc.pages]),
                        json.dumps(doc.metadata, ensure_ascii=False, default=str),
                        doc.text,
                        now,
                        ident.effective_date,
                        ident.expiry_date,
                        json.dumps(doc.date_notes, ensure_ascii=False),
                    ),
                )
                conn.executemany(
                    "INSERT INTO relations(doc_id, ordinal, kind, target_number, target_key, target_type, sentence,"
                    " char_start, char_end, scope) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    [
                        (doc.doc_id, i, str(r.kind), r.target_number, r.target_key, r.target_type, r.sentence,
                         r.start, r.end, r.scope)
                        for i, r in enumerate(doc.relations)
                    ],
                )  # fmt: skip
                conn.executemany(
                    "INSERT OR IGNORE INTO doc_numbers(variant, doc_id) VALUES (?, ?)",
                    [(v, doc.doc_id) for v in dict.fromkeys(ident.number_variants)],
                )
                level = int(ident.classification)
                vocab: Counter[tuple[str, str]] = Counter()
                new_ids: list[int] = []
                for chunk, h, vec in zip(chunks, hashes, vectors, strict=True):
                    cur = conn.execute(
                        "INSERT INTO chunks(doc_id, ordinal, section, pages, char_start, char_end, text,"
                        " embed_hash, vector, role) VALUES (?,?,?,?,?,?,?,?,?,?)",
                        (
                            doc.doc_id,
                            chunk.ordinal,
                            chunk.section,
                            json.dumps(chunk.pages),
                            chunk.char_start,
                            chunk.char_end,
                            chunk.text,
                            h,
                            np.asarray(vec, dtype=np.float32).tobytes(),
                            chunk.role,
                        ),
                    )
                    chunk_id = int(cur.lastrowid or 0)
                    new_ids.append(chunk_id)
                    exact, folded = lexical_columns(f"{ident.number or ''} {chunk.section} {chunk.text}")
                    vocab.update(sqlite_lexical.add(conn, chunk_id, level, exact, folded))
                sqlite_lexical.add_vocab(conn, level, ident.unit, vocab)
                log_added(conn, generation, new_ids)
            self._bump(conn)

    def delete_documents(self, doc_ids: Sequence[str]) -> None:
        """Remove documents with their chunks, vectors and lexical entries, in one commit."""
        if not doc_ids:
            return
        with self.transaction() as conn:
            self._delete(conn, doc_ids, next_generation(conn))
            self._bump(conn)

    @staticmethod
    def _delete(conn: sqlite3.Connection, doc_ids: Sequence[str], generation: int) -> None:
        for doc_id in doc_ids:
            log_removed(conn, generation, doc_id)  # before its chunks go: readers drop these ids
            sqlite_lexical.delete_document(conn, doc_id)  # its passages, statistics and word forms
            conn.execute("DELETE FROM chunks WHERE doc_id = ?", (doc_id,))
            conn.execute("DELETE FROM doc_numbers WHERE doc_id = ?", (doc_id,))
            conn.execute("DELETE FROM relations WHERE doc_id = ?", (doc_id,))
            conn.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))

    # ---- reading ----------------------------------------------------------------------------------------
    def all_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """(ids int64, vectors float32) of every chunk, for (re)building the vector index."""
        rows = self.conn.execute("SELECT chunk_id, vector FROM chunks ORDER BY chunk_id").fetchall()
        if not rows:
            return np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.float32)
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        vecs = np.vstack([np.frombuffer(r[1], dtype=np.float32) for r in rows])
        return ids, vecs

    def allowed_chunk_ids(self, flt: SearchFilter) -> np.ndarray:
        """Ids of every chunk the filter lets through (used to restrict the vector search inside faiss)."""
        cond, params = filter_sql(flt)
        rows = self.conn.execute(
            f"SELECT c.chunk_id FROM chunks c JOIN documents d ON d.doc_id = c.doc_id WHERE {cond}", params
        ).fetchall()
        return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))

    def lexical_search(
        self,
        tokens: Sequence[str],
        flt: SearchFilter,
        k: int,
        weights: tuple[float, float] = (1.0, 0.7),
        *,
        bigrams: bool = False,
    ) -> list[ChunkHit]:
        """BM25 over the FTS5 partition of the filter's levels, restricted by the filter; (chunk_id, score) best
        first. Any token matches, in exact or folded form; ``bigrams`` adds adjacent pairs as phrases. ``weights``
        are the BM25 weights of the exact and folded columns: exact-form matches weigh more. Scores depend only
        on passages of the levels the filter allows (see ``sqlite_lexical``)."""
        match = sqlite_lexical.fts_query(tokens, bigrams)
        if not match:
            return []
        cond, params = filter_sql(flt)
        return sqlite_lexical.search(self.conn, match, cond, params, int(flt.max_classification), k, weights)

    def vocab_exact_forms(
        self, folded: Sequence[str], flt: SearchFilter | None = None
    ) -> dict[str, list[tuple[str, int]]]:
        """For folded tokens, the exact (diacritic) forms with their counts, in the passages of the levels and
        units ``flt`` allows (everything without one): a caller never learns words used only in documents it
        may not see."""
        if flt is None:
            return sqlite_lexical.vocab_forms(self.conn, list(folded), int(max(Classification)))
        return sqlite_lexical.vocab_forms(
            self.conn, list(folded), int(flt.max_classification), flt.units, flt.unitless_visible
        )
