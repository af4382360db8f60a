"""Copy an embedded index (SQLite + faiss directory) into a PostgreSQL store, without embedding anything.

The stored vectors, the lexical text (``chunks_lex``: exact and folded forms as the SQLite store tokenised
them) and every row of documents, numbers and relations are copied as they are; chunk ids are kept (audit
rows name them) unless the target already uses one for another passage. A document already in the target
with the same content hash is skipped, so a second run copies nothing; one with another hash is replaced.
Each batch of documents is one transaction and one generation.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from indexer.storage import postgres_lexical as lexical
from indexer.storage.manifest import Manifest
from indexer.storage.postgres_base import Connection
from indexer.storage.postgres_store import INSERT_CHUNK, PostgresStore
from indexer.storage.sqlite_store import SQLiteStore

logger = logging.getLogger(__name__)

_DOC_COLUMNS = (
    "doc_id, source, source_root, content_hash, number, doc_type, issuer, place, issued_date, title, term,"
    " classification, unit, language, page_count, pages, metadata, text, indexed_at, effective_date, expiry_date,"
    " dates"
)
_REL_COLUMNS = "doc_id, ordinal, kind, target_number, target_key, target_type, sentence, char_start, char_end, scope"


@dataclass(frozen=True)
class CopyReport:
    """What a copy did: documents copied, replaced (another hash in the target) and skipped (already there)."""

    copied: int
    replaced: int
    skipped: int
    chunks: int


def copy_index(source: Path, store: PostgresStore, *, batch: int = 100) -> CopyReport:
    """Copy the index directory ``source`` into ``store``; refuses a target built with another model."""
    manifest = Manifest.load(source)
    if manifest is None or not (source / "store.sqlite").is_file():
        from indexer.errors import IndexNotFound

        raise IndexNotFound(f"no index at {source}")
    target = store.load_manifest()
    if target is None:
        store.save_manifest(manifest)
    else:
        target.check_compatible(manifest.model, manifest.dimension)
    SQLiteStore(source / "store.sqlite").close()  # an older store is brought to the current schema first
    src = sqlite3.connect(f"file:{source / 'store.sqlite'}?mode=ro", uri=True)
    try:
        have = {r[0]: r[1] for r in store.conn.execute("SELECT doc_id, content_hash FROM documents")}
        todo = [(d, h) for d, h in src.execute("SELECT doc_id, content_hash FROM documents ORDER BY doc_id")]
        skipped = sum(1 for d, h in todo if have.get(d) == h)
        todo = [(d, h) for d, h in todo if have.get(d) != h]
        replaced = sum(1 for d, _ in todo if d in have)
        chunks = 0
        if todo:  # new passages get ids above every id of both stores: a kept id is never handed out again
            top = src.execute("SELECT COALESCE(max(chunk_id), 0) FROM chunks").fetchone()[0]
            store.conn.execute(
                "SELECT setval(pg_get_serial_sequence('chunks', 'chunk_id'),"
                " GREATEST((SELECT max(chunk_id) FROM chunks), ?, 1))",
                (int(top),),
            )
        for i in range(0, len(todo), batch):
            ids = [d for d, _ in todo[i : i + batch]]
            with store.transaction() as conn:
                delta = lexical.Delta()
                store._delete(conn, ids, delta)
                for doc_id in ids:
                    chunks += _copy_document(src, conn, doc_id, delta)
                lexical.apply(conn, delta)
                conn.execute("UPDATE meta SET value = (value::bigint + 1)::text WHERE key = 'generation'")
            logger.info("copied %d/%d documents", min(i + batch, len(todo)), len(todo))
    finally:
        src.close()
    if todo:  # statistics and the visibility map for the planner after a bulk load (autovacuum would, later)
        store.conn.execute("VACUUM (ANALYZE) lex_postings")
        store.conn.execute("ANALYZE")
    return CopyReport(len(todo) - replaced, replaced, skipped, chunks)


def _copy_document(src: sqlite3.Connection, conn: Connection, doc_id: str, delta: lexical.Delta) -> int:
    """One document with its numbers, relations, chunks (vectors as stored) and lexical entries."""
    doc = src.execute(f"SELECT {_DOC_COLUMNS} FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
    conn.execute(f"INSERT INTO documents({_DOC_COLUMNS}) VALUES ({','.join('?' * len(doc))})", doc)
    conn.executemany(
        "INSERT INTO doc_numbers(variant, doc_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
        src.execute("SELECT variant, doc_id FROM doc_numbers WHERE doc_id = ?", (doc_id,)).fetchall(),
    )
    conn.executemany(
        f"INSERT INTO relations({_REL_COLUMNS}) VALUES ({','.join('?' * 10)})",
        src.execute(f"SELECT {_REL_COLUMNS} FROM relations WHERE doc_id = ?", (doc_id,)).fetchall(),
    )
    rows = src.execute(
        "SELECT c.chunk_id, c.ordinal, c.section, c.pages, c.char_start, c.char_end, c.text, c.embed_hash, c.vector,"
        " c.role, l.level, l.exact, l.folded FROM chunks c JOIN chunks_lex l ON l.chunk_id = c.chunk_id"
        " WHERE c.doc_id = ? ORDER BY c.ordinal",
        (doc_id,),
    ).fetchall()
    if not rows:
        return 0
    ids = _chunk_ids(conn, [int(r[0]) for r in rows])
    unit = doc[12]
    level = int(doc[11])
    conn.executemany(
        INSERT_CHUNK,
        [
            (cid, doc_id, r[1], r[2], r[3], r[4], r[5], r[6], r[7], np.frombuffer(r[8], dtype=np.float32), r[9], level,
             unit)
            for cid, r in zip(ids, rows, strict=True)
        ],
    )  # fmt: skip
    lexical.add(conn, [(cid, int(r[10]), r[11], r[12]) for cid, r in zip(ids, rows, strict=True)], unit, delta)
    return len(rows)


def _chunk_ids(conn: Connection, wanted: Sequence[int]) -> list[int]:
    """The source's chunk ids where the target has them free, fresh ones from its sequence otherwise."""
    taken = {int(r[0]) for r in conn.execute("SELECT chunk_id FROM chunks WHERE chunk_id = ANY(?)", (list(wanted),))}
    if not taken:
        return list(wanted)
    fresh: list[Any] = [
        int(r[0])
        for r in conn.execute(
            "SELECT nextval(pg_get_serial_sequence('chunks', 'chunk_id')) FROM generate_series(1, ?)", (len(taken),)
        )
    ]
    return [fresh.pop() if c in taken else c for c in wanted]
