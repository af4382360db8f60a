"""The lexical index in PostgreSQL: postings of exact and folded words (and adjacent pairs), BM25 in SQL.

There is no ``unaccent`` in the packaged server and ``ts_rank`` is not BM25, so this mirrors the SQLite index
instead of using text search: the same Python tokenisation and folding (``indexer.understanding.text``), the
same two columns (exact forms weigh 1, folded forms ``weights[1]``), FTS5's BM25 (k1 = 1.2, b = 0.75, the
instance frequency weighted by column, idf floored at 1e-6) and the same partitioning of statistics by
classification level: ``lex_df`` and ``lex_levels`` count per level, and a caller allowed up to level L is
scored with the sums over levels <= L, so a passage above its clearance moves no score it sees.

Tokens are re-split at ``_`` as FTS5's ascii tokenizer does; a term is one token or two adjacent tokens
(``bigrams``: a Vietnamese word spans several syllables), kept as postings of their own.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import psycopg

from indexer.storage.postgres_base import Connection
from indexer.storage.records import ChunkHit
from indexer.understanding.text import fold

logger = logging.getLogger(__name__)

EXACT, FOLDED = 0, 1
K1, B = 1.2, 0.75


def fts_tokens(column: str) -> list[str]:
    """The tokens FTS5's ascii tokenizer reads in a lexical column (``_`` separates, as any ASCII non-alnum)."""
    return [p for t in column.split() for p in t.split("_") if p]


def _terms(tokens: list[str]) -> Counter[str]:
    """Every token and every adjacent pair, with their frequencies."""
    terms = Counter(tokens)
    terms.update(f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False))
    return terms


class Delta:
    """Statistics changes of one write batch, applied in one statement per table at the end of it."""

    def __init__(self) -> None:
        self.df: Counter[tuple[str, int, int]] = Counter()
        self.levels: Counter[tuple[int, int]] = Counter()  # (level, 0 = chunks | 1 = tokens)
        self.vocab: Counter[tuple[str, int, str, str]] = Counter()


def add(
    conn: Connection, rows: list[tuple[int, int, str, str]], unit: str | None, delta: Delta
) -> list[tuple[str, int, int, int, int]]:
    """Index passages (chunk_id, level, exact, folded); returns their postings for COPY, counts statistics."""
    postings: list[tuple[str, int, int, int, int]] = []
    lex_rows = []
    for chunk_id, level, exact, folded in rows:
        exact_tokens, folded_tokens = fts_tokens(exact), fts_tokens(folded)
        length = len(exact_tokens) + len(folded_tokens)
        lex_rows.append((chunk_id, level, length, exact, folded))
        for field, tokens in ((EXACT, exact_tokens), (FOLDED, folded_tokens)):
            for term, tf in _terms(tokens).items():
                postings.append((term, field, chunk_id, tf, length))
                delta.df[(term, field, level)] += 1
        delta.levels[(level, 0)] += 1
        delta.levels[(level, 1)] += length
        for f, e in zip(folded.split(), exact.split(), strict=True):
            delta.vocab[(f, level, unit or "", e)] += 1
    with conn.raw.cursor() as cur:
        with cur.copy("COPY lex_chunks (chunk_id, level, length, exact, folded) FROM STDIN") as copy:
            for r in lex_rows:
                copy.write_row(r)
        with cur.copy("COPY lex_postings (term, field, chunk_id, tf, dl) FROM STDIN") as copy:
            for p in postings:
                copy.write_row(p)
    return postings


def remove(conn: Connection, doc_id: str, delta: Delta) -> None:
    """Take a document's passages out of the postings and subtract them from the statistics (call it while the
    document's rows still exist)."""
    owner = conn.execute("SELECT unit FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
    unit = (owner[0] if owner else None) or ""
    lex = conn.execute(
        "SELECT l.chunk_id, l.level, l.length, l.exact, l.folded FROM lex_chunks l"
        " JOIN chunks c ON c.chunk_id = l.chunk_id WHERE c.doc_id = ?",
        (doc_id,),
    ).fetchall()
    if not lex:
        return
    ids = [int(r[0]) for r in lex]
    level_of = {int(r[0]): int(r[1]) for r in lex}
    for _, level, length, exact, folded in lex:
        delta.levels[(int(level), 0)] -= 1
        delta.levels[(int(level), 1)] -= int(length)
        for f, e in zip(folded.split(), exact.split(), strict=True):
            delta.vocab[(f, int(level), unit, e)] -= 1
    for term, field, chunk_id in conn.execute(
        "DELETE FROM lex_postings WHERE chunk_id = ANY(?) RETURNING term, field, chunk_id", (ids,)
    ).fetchall():
        delta.df[(term, int(field), level_of[int(chunk_id)])] -= 1
    conn.execute("DELETE FROM lex_chunks WHERE chunk_id = ANY(?)", (ids,))


def apply(conn: Connection, delta: Delta) -> None:
    """Write a batch's statistics changes (sorted, so concurrent batches would lock rows in one order)."""
    df = sorted((k, n) for k, n in delta.df.items() if n)
    if df:
        conn.execute(
            "INSERT INTO lex_df (term, field, level, df) SELECT * FROM unnest(?::text[], ?::smallint[],"
            " ?::smallint[], ?::integer[]) ON CONFLICT (term, field, level) DO UPDATE SET df = lex_df.df + excluded.df",
            ([k[0] for k, _ in df], [k[1] for k, _ in df], [k[2] for k, _ in df], [n for _, n in df]),
        )
        gone = [k for k, n in df if n < 0]
        if gone:  # only the rows just decremented can have reached zero: no scan of the whole table
            conn.execute(
                "DELETE FROM lex_df WHERE (term, field, level) IN (SELECT * FROM unnest(?::text[], ?::smallint[],"
                " ?::smallint[])) AND df <= 0",
                tuple([k[i] for k in gone] for i in range(3)),
            )
    levels = sorted({level for level, _ in delta.levels})
    for level in levels:
        conn.execute(
            "INSERT INTO lex_levels (level, chunks, tokens) VALUES (?, ?, ?) ON CONFLICT (level) DO UPDATE"
            " SET chunks = lex_levels.chunks + excluded.chunks, tokens = lex_levels.tokens + excluded.tokens",
            (level, delta.levels[(level, 0)], delta.levels[(level, 1)]),
        )
    vocab = sorted((k, n) for k, n in delta.vocab.items() if n)
    if vocab:
        conn.execute(
            "INSERT INTO vocab_levels (folded, level, unit, exact, n) SELECT * FROM unnest(?::text[], ?::smallint[],"
            " ?::text[], ?::text[], ?::integer[]) ON CONFLICT (folded, level, unit, exact)"
            " DO UPDATE SET n = vocab_levels.n + excluded.n",
            tuple([k[i] for k, _ in vocab] for i in range(4)) + ([n for _, n in vocab],),
        )
        gone_forms = [k for k, n in vocab if n < 0]
        if gone_forms:
            conn.execute(
                "DELETE FROM vocab_levels WHERE (folded, level, unit, exact) IN (SELECT * FROM unnest(?::text[],"
                " ?::smallint[], ?::text[], ?::text[])) AND n <= 0",
                tuple([k[i] for k in gone_forms] for i in range(4)),
            )


def query_terms(tokens: Sequence[str], bigrams: bool) -> list[tuple[int, str]]:
    """(field, term) of a query: each token exact and folded, with ``bigrams`` each adjacent pair too."""
    exact = [p for t in tokens for p in t.split("_") if p]
    folded = [fold(t) for t in exact]
    out: list[tuple[int, str]] = []
    for field, toks in ((EXACT, exact), (FOLDED, folded)):
        out += [(field, t) for t in toks]
        if bigrams:
            out += [(field, f"{a} {b}") for a, b in zip(toks, toks[1:], strict=False)]
    return list(dict.fromkeys(out))


def search(
    conn: Connection,
    terms: Sequence[tuple[int, str]],
    cond: str,
    params: Sequence[object],
    max_level: int,
    k: int,
    weights: tuple[float, float],
) -> list[ChunkHit]:
    """BM25 with the statistics of levels <= ``max_level``, restricted by the filter condition, best first."""
    sql = (
        "WITH q(field, term) AS (SELECT * FROM unnest(?::smallint[], ?::text[])),"
        " st AS (SELECT NULLIF(COALESCE(sum(chunks), 0), 0)::float8 AS n,"
        " NULLIF(COALESCE(sum(tokens), 0), 0)::float8 / NULLIF(COALESCE(sum(chunks), 0), 0)::float8 AS avgdl"
        " FROM lex_levels WHERE level <= ?),"
        " w AS (SELECT q.field, q.term, GREATEST(ln((st.n - COALESCE(sum(f.df), 0) + 0.5)"
        " / (COALESCE(sum(f.df), 0) + 0.5)), 1e-6) AS idf, st.avgdl FROM q CROSS JOIN st"
        " LEFT JOIN lex_df f ON f.term = q.term AND f.field = q.field AND f.level <= ?"
        " GROUP BY q.field, q.term, st.n, st.avgdl),"
        # Scores from the postings alone (their dl is the passage length), then the filter on the distinct
        # passages, then the top k: the filter still applies before the LIMIT.
        " hits AS (SELECT p.chunk_id, sum(w.idf * (p.tf * (CASE p.field WHEN 0 THEN ?::float8 ELSE ?::float8 END)"
        " * (1 + ?::float8)) / (p.tf * (CASE p.field WHEN 0 THEN ?::float8 ELSE ?::float8 END)"
        " + ?::float8 * (1 - ?::float8 + ?::float8 * p.dl / w.avgdl))) AS s"
        " FROM w JOIN lex_postings p ON p.term = w.term AND p.field = w.field GROUP BY p.chunk_id)"
        " SELECT h.chunk_id, h.s FROM hits h JOIN chunks c ON c.chunk_id = h.chunk_id"
        f" JOIN documents d ON d.doc_id = c.doc_id WHERE {cond} ORDER BY h.s DESC, h.chunk_id LIMIT ?"
    )
    we, wf = float(weights[0]), float(weights[1])
    args: list[Any] = [[t[0] for t in terms], [t[1] for t in terms], max_level, max_level]
    args += [we, wf, K1, we, wf, K1, B, B, *params, k]
    try:
        rows = conn.execute(sql, args).fetchall()
    except psycopg.Error as exc:
        logger.warning("lexical query %r failed: %s", terms, exc)
        return []
    return [ChunkHit(int(r[0]), float(r[1])) for r in rows]


def vocab_forms(
    conn: Connection,
    folded: Iterable[str],
    max_level: int,
    units: Sequence[str] | None = None,
    unitless_visible: bool = True,
) -> dict[str, list[tuple[str, int]]]:
    """For folded words, the exact forms used at levels <= ``max_level`` in the units a caller may see."""
    words = list(dict.fromkeys(folded))
    out: dict[str, list[tuple[str, int]]] = {}
    if not words:
        return out
    params: list[object] = [words, int(max_level)]
    unit_cond = ""
    if units is not None:
        allowed = [u for u in units if u] + ([""] if unitless_visible else [])
        unit_cond = " AND unit = ANY(?)"
        params.append(allowed)
    rows = conn.execute(
        f"SELECT folded, exact, sum(n) FROM vocab_levels WHERE folded = ANY(?) AND level <= ?{unit_cond}"
        " GROUP BY folded, exact ORDER BY folded, exact",
        params,
    )
    for f, e, n in rows:
        if n > 0:
            out.setdefault(f, []).append((e, int(n)))
    return out
