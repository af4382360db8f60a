"""SQLite schema of the document store: documents, number variants, chunks with vectors, FTS5 lexical index."""

from __future__ import annotations

import sqlite3

SCHEMA_VERSION = 1

DDL = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    source_root TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    number TEXT, doc_type TEXT, issuer TEXT, place TEXT, issued_date TEXT, title TEXT, term TEXT,
    classification INTEGER NOT NULL DEFAULT 0,
    unit TEXT,
    language TEXT,
    page_count INTEGER NOT NULL DEFAULT 0,
    pages TEXT NOT NULL DEFAULT '[]',
    metadata TEXT NOT NULL DEFAULT '{}',
    text TEXT NOT NULL,
    indexed_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_source ON documents(source);
CREATE INDEX IF NOT EXISTS documents_root ON documents(source_root);
CREATE INDEX IF NOT EXISTS documents_class ON documents(classification);
CREATE TABLE IF NOT EXISTS doc_numbers (
    variant TEXT NOT NULL,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    PRIMARY KEY (variant, doc_id)
);
CREATE INDEX IF NOT EXISTS doc_numbers_doc ON doc_numbers(doc_id);
CREATE TABLE IF NOT EXISTS chunks (
    chunk_id INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    section TEXT NOT NULL DEFAULT '',
    pages TEXT NOT NULL DEFAULT '[]',
    char_start INTEGER NOT NULL DEFAULT 0,
    char_end INTEGER NOT NULL DEFAULT 0,
    text TEXT NOT NULL,
    embed_hash TEXT NOT NULL,
    vector BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id, ordinal);
CREATE INDEX IF NOT EXISTS chunks_embed_hash ON chunks(embed_hash);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(exact, folded, tokenize = 'ascii');
CREATE TABLE IF NOT EXISTS vocab (
    folded TEXT NOT NULL,
    exact TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (folded, exact)
) WITHOUT ROWID;
"""


def connect(path: str, *, readonly: bool = False) -> sqlite3.Connection:
    """Open the store in WAL mode so readers keep answering while a writer commits."""
    uri = f"file:{path}?mode=ro" if readonly else f"file:{path}"
    conn = sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=30.0, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 30000")
    if not readonly:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def create_schema(conn: sqlite3.Connection) -> None:
    """Create every table that is missing and record the schema version."""
    conn.executescript(DDL)
    conn.execute(
        "INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', ?), ('generation', '0')",
        (str(SCHEMA_VERSION),),
    )
