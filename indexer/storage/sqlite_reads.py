"""The read side of the SQLite store: typed records, counts, facets and document vectors, all behind a filter.

A mixin of ``SQLiteStore`` (it needs only ``self.conn``): every query that may show a caller something takes a
``SearchFilter`` and applies it in SQL (``filter_sql``), so clearance and unit scope hold inside the query.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from indexer.storage.filters import SearchFilter, filter_sql
from indexer.storage.records import ChunkRecord, DocumentRecord, FacetCounts

_FACETS = {
    "doc_type": "d.doc_type",
    "issuer": "d.issuer",
    "year": "substr(d.issued_date, 1, 4)",
    "language": "d.language",
}


_CHUNK_SELECT = (
    "SELECT c.chunk_id, c.doc_id, c.ordinal, c.section, c.pages, c.char_start, c.char_end, c.text,"
    " d.number, d.doc_type, d.issuer, d.issued_date, d.title, d.classification, d.unit, d.language,"
    " d.source, c.role, d.effective_date, d.expiry_date FROM chunks c JOIN documents d ON d.doc_id = c.doc_id"
)


def _chunk_record(r: sqlite3.Row) -> ChunkRecord:
    return ChunkRecord(
        chunk_id=int(r["chunk_id"]),
        doc_id=r["doc_id"],
        ordinal=int(r["ordinal"]),
        text=r["text"],
        section=r["section"] or "",
        pages=tuple(json.loads(r["pages"])),
        char_start=int(r["char_start"]),
        char_end=int(r["char_end"]),
        number=r["number"],
        doc_type=r["doc_type"],
        issuer=r["issuer"],
        issued_date=r["issued_date"],
        title=r["title"],
        classification=int(r["classification"]),
        unit=r["unit"],
        language=r["language"],
        source=r["source"],
        role=r["role"] or "",
        effective_date=r["effective_date"],
        expiry_date=r["expiry_date"],
    )


class SQLiteReads:
    """Reads of documents, chunks and aggregates; mixed into SQLiteStore."""

    conn: sqlite3.Connection

    def chunks(self, chunk_ids: Sequence[int]) -> dict[int, ChunkRecord]:
        """Passages joined with their document's identity, keyed by chunk_id (ids not stored are absent)."""
        out: dict[int, ChunkRecord] = {}
        ids = list(chunk_ids)
        for i in range(0, len(ids), 500):
            part = ids[i : i + 500]
            rows = self.conn.execute(
                f"{_CHUNK_SELECT} WHERE c.chunk_id IN ({','.join('?' * len(part))})",
                part,
            )
            for r in rows:
                record = _chunk_record(r)
                out[record.chunk_id] = record
        return out

    def document(self, doc_id: str, flt: SearchFilter) -> DocumentRecord | None:
        """One document if the filter (clearance) lets it through, else None."""
        cond, params = filter_sql(flt)
        row = self.conn.execute(
            f"SELECT * FROM documents d WHERE d.doc_id = ? AND {cond}", [doc_id, *params]
        ).fetchone()
        if row is None:
            return None
        return DocumentRecord(
            doc_id=row["doc_id"],
            source=row["source"],
            content_hash=row["content_hash"],
            text=row["text"],
            number=row["number"],
            doc_type=row["doc_type"],
            issuer=row["issuer"],
            place=row["place"],
            issued_date=row["issued_date"],
            title=row["title"],
            term=row["term"],
            classification=int(row["classification"]),
            unit=row["unit"],
            language=row["language"],
            page_count=int(row["page_count"] or 0),
            pages=tuple(json.loads(row["pages"])),
            metadata=json.loads(row["metadata"]),
            source_root=row["source_root"] or "",
            indexed_at=row["indexed_at"] or "",
            effective_date=row["effective_date"],
            expiry_date=row["expiry_date"],
            date_notes=json.loads(row["dates"] or "{}"),
        )

    def document_chunks(self, doc_id: str) -> list[ChunkRecord]:
        """A document's passages in reading order (no filter: call it for a document already shown visible)."""
        rows = self.conn.execute(f"{_CHUNK_SELECT} WHERE c.doc_id = ? ORDER BY c.ordinal", (doc_id,))
        return [_chunk_record(r) for r in rows]

    def docs_by_number(self, variants: Sequence[str], flt: SearchFilter) -> list[str]:
        """Visible documents carrying any of these number variants."""
        if not variants:
            return []
        cond, params = filter_sql(flt)
        rows = self.conn.execute(
            "SELECT DISTINCT d.doc_id FROM doc_numbers n JOIN documents d ON d.doc_id = n.doc_id"
            f" WHERE n.variant IN ({','.join('?' * len(variants))}) AND {cond}",
            [*variants, *params],
        ).fetchall()
        return [r[0] for r in rows]

    def stats(self, flt: SearchFilter | None = None) -> dict[str, int]:
        """Document and chunk counts, over what ``flt`` lets through when given (a caller's visible set)."""
        cond, params = filter_sql(flt) if flt is not None else ("1 = 1", [])
        c = self.conn
        docs = c.execute(f"SELECT count(*) FROM documents d WHERE {cond}", params).fetchone()[0]
        chunks = c.execute(
            f"SELECT count(*) FROM chunks c JOIN documents d ON d.doc_id = c.doc_id WHERE {cond}", params
        ).fetchone()[0]
        return {"documents": int(docs), "chunks": int(chunks)}

    def chunk_vectors(self, chunk_ids: Sequence[int]) -> dict[int, np.ndarray]:
        """The stored vector of each chunk (ids a filtered read already returned)."""
        out: dict[int, np.ndarray] = {}
        ids = list(dict.fromkeys(int(c) for c in chunk_ids))
        for i in range(0, len(ids), 500):
            part = ids[i : i + 500]
            rows = self.conn.execute(
                f"SELECT chunk_id, vector FROM chunks WHERE chunk_id IN ({','.join('?' * len(part))})", part
            )
            out.update({int(r[0]): np.frombuffer(r[1], dtype=np.float32) for r in rows})
        return out

    def mean_vector(self, doc_id: str) -> np.ndarray | None:
        """The L2-normalised mean of a document's passage vectors; None when it has no passages."""
        rows = self.conn.execute("SELECT vector FROM chunks WHERE doc_id = ?", (doc_id,)).fetchall()
        if not rows:
            return None
        mean = np.vstack([np.frombuffer(r[0], dtype=np.float32) for r in rows]).mean(axis=0)
        norm = float(np.linalg.norm(mean))
        return mean / norm if norm > 0 else mean

    def facet_counts(self, flt: SearchFilter, doc_ids: Sequence[str] | None = None, limit: int = 50) -> FacetCounts:
        """Counts of the documents ``flt`` lets through (and, when given, among ``doc_ids`` only: empty means
        none) by type, issuer, year and language, the ``limit`` most frequent values of each."""
        if doc_ids is not None:
            if not doc_ids:
                return FacetCounts(0, {name: [] for name in _FACETS})
            flt = replace(flt, doc_ids=tuple(doc_ids))
        cond, params = filter_sql(flt)
        conn = self.conn
        total = int(conn.execute(f"SELECT count(*) FROM documents d WHERE {cond}", params).fetchone()[0])
        values: dict[str, list[tuple[str, int]]] = {}
        for name, expr in _FACETS.items():
            rows = conn.execute(
                f"SELECT {expr} AS v, count(*) AS n FROM documents d WHERE {cond} AND {expr} IS NOT NULL"
                f" AND {expr} != '' GROUP BY v ORDER BY n DESC, v LIMIT {int(limit)}",
                params,
            ).fetchall()
            values[name] = [(str(r[0]), int(r[1])) for r in rows]
        return FacetCounts(total, values)

    def doc_ids_matching(self, flt: SearchFilter) -> list[str]:
        """Ids of every document the filter lets through."""
        cond, params = filter_sql(flt)
        return [str(r[0]) for r in self.conn.execute(f"SELECT d.doc_id FROM documents d WHERE {cond}", params)]

    def chunk_doc_ids(self) -> dict[int, str]:
        """Every chunk id with its document id (evaluation maps passages back to judged documents)."""
        return {int(r[0]): str(r[1]) for r in self.conn.execute("SELECT chunk_id, doc_id FROM chunks")}
