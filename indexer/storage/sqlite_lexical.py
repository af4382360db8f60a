"""The lexical index in SQLite, partitioned by classification level so that no caller's scores or vocabulary
depend on documents above their clearance.

BM25 is computed from collection statistics (number of passages, their mean length, how many hold a term).
With one FTS5 table for everything, adding a TUYỆT MẬT passage changes the score an unclassified reader sees
for a public one, and the diacritic-restoration vocabulary would tell that reader which words classified
documents use. So:

- ``chunks_lex`` holds each passage's lexical text (exact and folded columns) and its level, once;
- ``chunks_fts_l0`` … ``chunks_fts_l3`` are external-content FTS5 indexes over it; table *L* indexes every
  passage of level ≤ *L*. A caller whose filter allows up to level *L* is matched and scored in table *L*:
  its statistics are exactly those of the levels the caller may see, merged (an unclassified passage is
  indexed four times: the measured cost is in the README);
- ``vocab_levels`` counts (folded, exact) word forms per level and owning unit; a caller's vocabulary sums the
  levels and units it may see, so neither the query-language test nor diacritic restoration tells it which
  words another unit's documents use.

BM25 statistics are not partitioned by unit (a table per level × unit scope would not scale): a principal
scoped to units shares its level's statistics with the other units' passages of that level.
"""

from __future__ import annotations

import logging
import sqlite3
from collections import Counter
from collections.abc import Sequence

from indexer.models import Classification
from indexer.storage.records import ChunkHit
from indexer.understanding.text import fold

logger = logging.getLogger(__name__)

LEVELS = tuple(int(c) for c in Classification)

DDL = "\n".join(
    [
        "CREATE TABLE IF NOT EXISTS chunks_lex (chunk_id INTEGER PRIMARY KEY, level INTEGER NOT NULL,"
        " exact TEXT NOT NULL, folded TEXT NOT NULL);",
        "CREATE TABLE IF NOT EXISTS vocab_levels (level INTEGER NOT NULL, unit TEXT NOT NULL, folded TEXT NOT NULL,"
        " exact TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (folded, level, unit, exact)) WITHOUT ROWID;",
    ]
    + [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts_l{level} USING fts5(exact, folded,"
        " content = 'chunks_lex', content_rowid = 'chunk_id', tokenize = 'ascii');"
        for level in LEVELS
    ]
)


def _quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def fts_query(tokens: Sequence[str], bigrams: bool = False) -> str:
    """FTS5 MATCH expression: any token in exact form, or its folded form in the folded column.

    With ``bigrams`` each pair of adjacent tokens is also a phrase, so passages holding a multi-syllable
    Vietnamese word ("sử dụng", "đất đai") outscore those holding its syllables apart.
    """
    if not tokens:
        return ""
    tokens = list(tokens)
    folded_tokens = [fold(t) for t in tokens]
    exact = list(dict.fromkeys(tokens))
    folded = list(dict.fromkeys(folded_tokens))
    if bigrams:
        exact += list(dict.fromkeys(f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)))
        folded += list(dict.fromkeys(f"{a} {b}" for a, b in zip(folded_tokens, folded_tokens[1:], strict=False)))
    return f"(exact : ({' OR '.join(map(_quote, exact))})) OR (folded : ({' OR '.join(map(_quote, folded))}))"


def fts_table(max_level: int) -> str:
    """The FTS5 table whose statistics cover exactly the levels up to ``max_level``."""
    return f"chunks_fts_l{min(max(int(max_level), LEVELS[0]), LEVELS[-1])}"


def add(conn: sqlite3.Connection, chunk_id: int, level: int, exact: str, folded: str) -> Counter[tuple[str, str]]:
    """Index one passage at its level (and in every table above it); returns its word forms for the vocabulary."""
    conn.execute(
        "INSERT INTO chunks_lex(chunk_id, level, exact, folded) VALUES (?, ?, ?, ?)", (chunk_id, level, exact, folded)
    )
    for table_level in LEVELS:
        if table_level >= level:
            conn.execute(
                f"INSERT INTO chunks_fts_l{table_level}(rowid, exact, folded) VALUES (?, ?, ?)",
                (chunk_id, exact, folded),
            )
    return Counter(zip(folded.split(), exact.split(), strict=True))


def add_vocab(conn: sqlite3.Connection, level: int, unit: str | None, forms: Counter[tuple[str, str]]) -> None:
    """Count word forms seen at one level in one unit's documents ('' for documents naming no unit)."""
    conn.executemany(
        "INSERT INTO vocab_levels(level, unit, folded, exact, n) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT(folded, level, unit, exact) DO UPDATE SET n = n + excluded.n",
        [(level, unit or "", f, e, n) for (f, e), n in forms.items()],
    )


def delete_document(conn: sqlite3.Connection, doc_id: str) -> None:
    """Take a document's passages out of every FTS table and its word forms out of the vocabulary (call it while
    the document's row still exists: its unit is read from there)."""
    owner = conn.execute("SELECT unit FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
    unit = (owner[0] if owner else None) or ""
    rows = conn.execute(
        "SELECT chunk_id, level, exact, folded FROM chunks_lex"
        " WHERE chunk_id IN (SELECT chunk_id FROM chunks WHERE doc_id = ?)",
        (doc_id,),
    ).fetchall()
    gone: Counter[tuple[int, str, str]] = Counter()
    for chunk_id, level, exact, folded in rows:
        for table_level in LEVELS:
            if table_level >= level:
                table = f"chunks_fts_l{table_level}"
                conn.execute(
                    f"INSERT INTO {table}({table}, rowid, exact, folded) VALUES ('delete', ?, ?, ?)",
                    (chunk_id, exact, folded),
                )
        gone.update((level, f, e) for f, e in zip(folded.split(), exact.split(), strict=True))
    if gone:
        keys = [(level, unit, f, e) for (level, f, e) in gone]
        conn.executemany(
            "UPDATE vocab_levels SET n = n - ? WHERE level = ? AND unit = ? AND folded = ? AND exact = ?",
            [(n, *key) for key, n in zip(keys, gone.values(), strict=True)],
        )
        # Only the rows just decremented can have reached zero: a scan of the whole vocabulary per deleted
        # document cost 63 ms each at a million passages.
        conn.executemany(
            "DELETE FROM vocab_levels WHERE level = ? AND unit = ? AND folded = ? AND exact = ? AND n <= 0", keys
        )
    conn.execute("DELETE FROM chunks_lex WHERE chunk_id IN (SELECT chunk_id FROM chunks WHERE doc_id = ?)", (doc_id,))


def search(
    conn: sqlite3.Connection,
    match: str,
    cond: str,
    params: Sequence[object],
    max_level: int,
    k: int,
    weights: tuple[float, float],
) -> list[ChunkHit]:
    """BM25 over the caller's partition, restricted by the filter condition; (chunk_id, score) best first."""
    table = fts_table(max_level)
    # bm25() is lower-is-better; the weights are numbers, formatted in, since FTS5 wants literals there.
    bm25 = f"bm25({table}, {float(weights[0])!r}, {float(weights[1])!r})"
    sql = (
        f"SELECT f.rowid, -{bm25} AS s FROM {table} f"
        " JOIN chunks c ON c.chunk_id = f.rowid JOIN documents d ON d.doc_id = c.doc_id"
        f" WHERE {table} MATCH ? AND {cond} ORDER BY {bm25} LIMIT ?"
    )
    try:
        rows = conn.execute(sql, [match, *params, k]).fetchall()
    except sqlite3.OperationalError as exc:
        logger.warning("lexical query %r failed: %s", match, exc)
        return []
    return [ChunkHit(int(r[0]), float(r[1])) for r in rows]


def vocab_forms(
    conn: sqlite3.Connection,
    folded: Sequence[str],
    max_level: int,
    units: Sequence[str] | None = None,
    unitless_visible: bool = True,
) -> dict[str, list[tuple[str, int]]]:
    """For folded words, the exact forms used by passages of level ≤ ``max_level`` in the units a caller may see
    (``units`` None: every unit; documents naming no unit count when ``unitless_visible``), with their counts."""
    out: dict[str, list[tuple[str, int]]] = {}
    if not folded:
        return out
    params: list[object] = [*folded, int(max_level)]
    unit_cond = ""
    if units is not None:
        allowed = [u for u in units if u] + ([""] if unitless_visible else [])
        unit_cond = f" AND unit IN ({','.join('?' * len(allowed))})" if allowed else " AND 0"
        params.extend(allowed)
    rows = conn.execute(
        f"SELECT folded, exact, sum(n) FROM vocab_levels WHERE folded IN ({','.join('?' * len(folded))})"
        f" AND level <= ?{unit_cond} GROUP BY folded, exact",
        params,
    )
    for f, e, n in rows:
        if n > 0:
            out.setdefault(f, []).append((e, int(n)))
    return out


def migrate_from_single_table(conn: sqlite3.Connection) -> None:
    """Move a schema-1 store (one ``chunks_fts`` with content, one global ``vocab``) to the partitions.

    Runs inside the caller's transaction; the lexical text is read back from the old table, so nothing is
    re-tokenised or re-embedded.
    """
    rows = conn.execute(
        "SELECT f.rowid, d.classification, d.unit, f.exact, f.folded FROM chunks_fts f"
        " JOIN chunks c ON c.chunk_id = f.rowid JOIN documents d ON d.doc_id = c.doc_id"
    ).fetchall()
    per_owner: dict[tuple[int, str], Counter[tuple[str, str]]] = {}
    for chunk_id, level, unit, exact, folded in rows:
        level = min(max(int(level), LEVELS[0]), LEVELS[-1])
        per_owner.setdefault((level, unit or ""), Counter()).update(add(conn, int(chunk_id), level, exact, folded))
    for (level, unit), forms in per_owner.items():
        add_vocab(conn, level, unit, forms)
    conn.execute("DROP TABLE IF EXISTS chunks_fts")
    conn.execute("DROP TABLE IF EXISTS vocab")
    logger.info("lexical index partitioned by classification level (%d passages moved)", len(rows))
