"""SQLite schema of the document store: documents, number variants, chunks with vectors, FTS5 lexical index."""

from __future__ import annotations

import sqlite3

from indexer.storage import sqlite_lexical

SCHEMA_VERSION = 3  # 2: lexical index partitioned by level; 3: section roles, effective dates, relations

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
    indexed_at TEXT NOT NULL,
    effective_date TEXT,
    expiry_date TEXT,
    dates TEXT NOT NULL DEFAULT '{}'
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
    vector BLOB NOT NULL,
    role TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id, ordinal);
CREATE INDEX IF NOT EXISTS chunks_embed_hash ON chunks(embed_hash);
"""

# Relations a document states toward others ("thay thế Nghị quyết số …"). The target is kept by number key,
# not by id: it resolves through doc_numbers to whatever document holds that number now, so a relation to a
# document indexed later resolves by itself, and one to a deleted document goes back to being external.
RELATIONS_DDL = """
CREATE TABLE IF NOT EXISTS relations (
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    kind TEXT NOT NULL,
    target_number TEXT NOT NULL,
    target_key TEXT NOT NULL,
    target_type TEXT,
    sentence TEXT NOT NULL,
    char_start INTEGER NOT NULL,
    char_end INTEGER NOT NULL,
    scope TEXT,
    PRIMARY KEY (doc_id, ordinal)
);
CREATE INDEX IF NOT EXISTS relations_target ON relations(target_key, kind);
CREATE INDEX IF NOT EXISTS documents_effective ON documents(effective_date);
"""
# One row per chunk a commit adds or removes (see sqlite_vectors).
VECTOR_LOG_DDL = """
CREATE TABLE IF NOT EXISTS vector_log (
    generation INTEGER NOT NULL,
    chunk_id INTEGER NOT NULL,
    added INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS vector_log_generation ON vector_log(generation);
"""
FLOOR_SQL = "INSERT OR IGNORE INTO meta(key, value) SELECT ?, value FROM meta WHERE key = 'generation'"
_V3_COLUMNS = {
    "documents": ("effective_date TEXT", "expiry_date TEXT", "dates TEXT NOT NULL DEFAULT '{}'"),
    "chunks": ("role TEXT NOT NULL DEFAULT ''",),
}


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
    """Create every table that is missing, migrate an older store in one transaction, record the version."""
    old = _version(conn)
    conn.executescript(DDL + sqlite_lexical.DDL)
    if old is not None and old < 3:
        conn.execute("BEGIN IMMEDIATE")
        try:
            if old < 2 and _has_table(conn, "chunks_fts"):
                sqlite_lexical.migrate_from_single_table(conn)
            _add_columns(conn)  # documents re-indexed later fill them (the pipeline version changed)
            conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),))
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    conn.executescript(RELATIONS_DDL + VECTOR_LOG_DDL)
    conn.execute(
        "INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', ?), ('generation', '0')",
        (str(SCHEMA_VERSION),),
    )
    for key in ("vector_log_floor", "vector_log_at"):  # the change log starts complete at the current generation
        conn.execute(FLOOR_SQL, (key,))


def _add_columns(conn: sqlite3.Connection) -> None:
    """The columns schema 3 added, on a store created before it."""
    for table, columns in _V3_COLUMNS.items():
        have = {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
        for column in columns:
            if column.split()[0] not in have:
                conn.execute(f"ALTER TABLE {table} ADD COLUMN {column}")


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (name,)).fetchone() is not None


def _version(conn: sqlite3.Connection) -> int | None:
    """The schema version of an existing store, None for a new file."""
    if not _has_table(conn, "meta"):
        return None
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else None
