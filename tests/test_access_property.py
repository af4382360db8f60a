"""Property: at the store level, no retrieval path returns anything a principal may not see, and all it may.

Random documents (level, unit, number, words) × random principals × random user filters, against a brute-force
oracle written independently of filter_sql. Each example builds a fresh in-memory SQLite store and faiss index;
the PostgreSQL variant rewrites one database per example and also checks the row-level policies alone (a
non-superuser role reading the tables with no WHERE at all sees exactly the visible rows).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer.config import VectorSettings
from indexer.models import Chunk, Classification, Document, DocumentIdentity
from indexer.storage.faiss_index import FaissIndex
from indexer.storage.filters import SearchFilter
from indexer.storage.sqlite_store import SQLiteStore
from search_api.security import Principal

DIM = 8
UNITS = ["Ban Tuyên giáo", "Ban Tổ chức", "Văn phòng", "ban tổ chức"]  # last: case differs, must not match
WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"]
NUMBERS = ["01-NQ/TU", "02-CT/TU", "15-KL/TW"]
EXAMPLES = 1000
PG_EXAMPLES = 100  # each rewrites one database and opens a second connection: about 0.1 s


@dataclass
class Doc:
    """A synthetic document: its access attributes and one word list per chunk."""

    doc_id: str
    level: int
    unit: str | None
    number: str | None
    chunks: list[list[str]]


unit_st = st.one_of(st.none(), st.just(""), st.sampled_from(UNITS))
doc_st = st.builds(
    lambda level, unit, number, chunks: (level, unit, number, chunks),
    st.integers(0, 3),
    unit_st,
    st.one_of(st.none(), st.sampled_from(NUMBERS)),
    st.lists(st.lists(st.sampled_from(WORDS), min_size=1, max_size=4), min_size=1, max_size=3),
)
units_scope_st = st.one_of(st.none(), st.lists(st.sampled_from(UNITS), max_size=3, unique=True).map(tuple))
principal_st = st.builds(
    lambda level, units: Principal("p", frozenset({"reader"}), Classification(level), units),
    st.integers(0, 3),
    units_scope_st,
)
user_filter_st = st.builds(
    lambda level, units: SearchFilter(max_classification=Classification(level), units=units),
    st.integers(0, 3),
    units_scope_st,
)


def visible(doc: Doc, p: Principal, flt: SearchFilter) -> bool:
    """The oracle: clearance and unit scope of the principal, then the user's own (narrowing) filter."""
    for level, units in ((p.clearance, p.units), (flt.max_classification, flt.units)):
        if doc.level > level:
            return False
        if units is not None and doc.unit not in (None, "") and doc.unit not in units:
            return False
    return True


def build(
    raw: list[tuple[int, str | None, str | None, list[list[str]]]], seed: int, store: Any = None
) -> tuple[Any, list[Doc]]:
    """A fresh in-memory store (or ``store``, emptied) holding these documents with seeded random unit vectors."""
    rng = np.random.default_rng(seed)
    if store is None:
        store = SQLiteStore(Path(":memory:"))
    else:
        store.delete_documents(store.doc_ids_matching(SearchFilter()))
    docs, items = [], []
    for i, (level, unit, number, chunk_words) in enumerate(raw):
        doc = Doc(f"d{i}", level, unit, number, chunk_words)
        docs.append(doc)
        texts = [" ".join(w) for w in chunk_words]
        ident = DocumentIdentity(
            number=number,
            number_variants=[number] if number else [],
            classification=Classification(level),
            unit=unit,
        )
        text = "\n".join(texts)
        document = Document(doc.doc_id, f"{doc.doc_id}.txt", hashlib.sha256(text.encode()).hexdigest(), text, ident)
        chunks = [Chunk(doc.doc_id, n, t, embed_text=t) for n, t in enumerate(texts)]
        vecs = rng.normal(size=(len(texts), DIM)).astype(np.float32)
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        items.append((document, "root", chunks, [f"{doc.doc_id}:{n}" for n in range(len(texts))], vecs))
    store.write_documents(items)
    return store, docs


@settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    raw=st.lists(doc_st, min_size=1, max_size=7),
    principal=principal_st,
    user=user_filter_st,
    word=st.sampled_from(WORDS),
    number=st.sampled_from(NUMBERS),
    seed=st.integers(0, 2**16),
)
def test_store_never_leaks_and_never_hides(
    raw: list[tuple[int, str | None, str | None, list[list[str]]]],
    principal: Principal,
    user: SearchFilter,
    word: str,
    number: str,
    seed: int,
) -> None:
    store, docs = build(raw, seed)
    try:
        flt = principal.access(user)
        ids, vecs = store.all_vectors()
        chunk_doc = {int(c): r.doc_id for c, r in store.chunks(ids.tolist()).items()}
        by_id = {d.doc_id: d for d in docs}
        seen_docs = {d.doc_id for d in docs if visible(d, principal, user)}
        seen_chunks = {c for c, d in chunk_doc.items() if d in seen_docs}

        # Principal.can_see agrees with the oracle for the principal's own scope.
        for d in docs:
            assert principal.can_see(d.level, d.unit) == visible(d, principal, SearchFilter())

        # Lexical: exactly the visible chunks containing the word.
        words_of = {c: by_id[d].chunks[r.ordinal] for c, d, r in _rows(store, chunk_doc)}
        expected_lex = {c for c in seen_chunks if word in words_of[c]}
        assert {c for c, _ in store.lexical_search([word], flt, k=1000)} == expected_lex

        # Vector side: the id selector is exactly the visible chunks; faiss returns only those, best first.
        allowed = store.allowed_chunk_ids(flt)
        assert set(allowed.tolist()) == seen_chunks
        index = FaissIndex.build(ids, vecs, DIM, VectorSettings())
        query = np.random.default_rng(seed + 1).normal(size=DIM).astype(np.float32)
        hits = index.search(query, k=len(ids) + 5, allowed=allowed)
        assert {c for c, _ in hits} == seen_chunks
        if seen_chunks:
            sims = {int(c): float(v @ query) for c, v in zip(ids, vecs, strict=True) if int(c) in seen_chunks}
            assert abs(hits[0][1] - max(sims.values())) < 1e-4

        # Numbers and single documents.
        assert set(store.docs_by_number([number], flt)) == {d for d in seen_docs if by_id[d].number == number}
        for d in docs:
            assert (store.document(d.doc_id, flt) is not None) == (d.doc_id in seen_docs)
        assert store.document("missing", flt) is None
    finally:
        store.close()


def _rows(store: SQLiteStore, chunk_doc: dict[int, str]) -> list[tuple[int, str, dict[str, Any]]]:
    rows = store.chunks(list(chunk_doc))
    return [(c, chunk_doc[c], rows[c]) for c in chunk_doc]


@pytest.fixture(scope="module")
def pg_property(pg_server: str) -> Iterator[tuple[Any, Any, str]]:
    """One PostgreSQL store for every example, its vector index, and the URL of an ordinary (non-superuser) role
    that can read its tables: superusers skip row-level security, so the policies are checked through it."""
    import psycopg

    from indexer.storage.pgvector_index import PgVectorSource
    from indexer.storage.postgres_store import PostgresStore
    from tests.postgres_fixture import create_database, drop_database

    url = create_database(pg_server)
    store = PostgresStore(url)
    vectors = PgVectorSource(VectorSettings(), "halfvec").current(0, store, DIM)
    with psycopg.connect(url, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = 'thammuu_reader'").fetchone() is None:
            conn.execute("CREATE ROLE thammuu_reader LOGIN")
        conn.execute("GRANT SELECT ON documents, chunks TO thammuu_reader")
    reader_url = url.replace("postgres:@", "thammuu_reader:@", 1)
    yield store, vectors, reader_url
    store.close()
    drop_database(pg_server, url)


def _policy_rows(reader_url: str, flt: SearchFilter) -> tuple[set[str], set[int]]:
    """The documents and chunks the row-level policies alone let ``flt``'s access read (no WHERE)."""
    import psycopg

    from indexer.storage.postgres_base import access_settings

    with psycopg.connect(reader_url) as conn:
        conn.execute(
            "SELECT set_config('thammuu.max_level', %s, true), set_config('thammuu.units', %s, true),"
            " set_config('thammuu.unitless', %s, true)",
            access_settings(flt),
        )
        docs = {r[0] for r in conn.execute("SELECT doc_id FROM documents")}
        chunks = {int(r[0]) for r in conn.execute("SELECT chunk_id FROM chunks")}
    return docs, chunks


@pytest.mark.postgres
@settings(max_examples=PG_EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(
    raw=st.lists(doc_st, min_size=1, max_size=7),
    principal=principal_st,
    user=user_filter_st,
    word=st.sampled_from(WORDS),
    number=st.sampled_from(NUMBERS),
    seed=st.integers(0, 2**16),
)
def test_postgres_never_leaks_and_never_hides(
    pg_property: tuple[Any, Any, str],
    raw: list[tuple[int, str | None, str | None, list[list[str]]]],
    principal: Principal,
    user: SearchFilter,
    word: str,
    number: str,
    seed: int,
) -> None:
    pg_store, vectors, reader_url = pg_property
    store, docs = build(raw, seed, pg_store)
    flt = principal.access(user)
    ids, vecs = store.all_vectors()
    chunk_doc = {int(c): r.doc_id for c, r in store.chunks(ids.tolist()).items()}
    by_id = {d.doc_id: d for d in docs}
    seen_docs = {d.doc_id for d in docs if visible(d, principal, user)}
    seen_chunks = {c for c, d in chunk_doc.items() if d in seen_docs}

    words_of = {c: by_id[d].chunks[r.ordinal] for c, d, r in _rows(store, chunk_doc)}
    expected_lex = {c for c in seen_chunks if word in words_of[c]}
    assert {c for c, _ in store.lexical_search([word], flt, k=1000)} == expected_lex
    assert set(store.allowed_chunk_ids(flt).tolist()) == seen_chunks

    query = np.random.default_rng(seed + 1).normal(size=DIM).astype(np.float32)
    hits = vectors.search(query, len(ids) + 5, flt)
    assert {c for c, _ in hits} == seen_chunks
    if seen_chunks:
        sims = {int(c): float(v @ query) for c, v in zip(ids, vecs, strict=True) if int(c) in seen_chunks}
        assert abs(hits[0][1] - max(sims.values())) < 1e-4

    assert set(store.docs_by_number([number], flt)) == {d for d in seen_docs if by_id[d].number == number}
    for d in docs:
        assert (store.document(d.doc_id, flt) is not None) == (d.doc_id in seen_docs)
    assert store.stats(flt) == {"documents": len(seen_docs), "chunks": len(seen_chunks)}

    # Defence in depth: the policies alone, without any WHERE, show exactly the same rows.
    assert _policy_rows(reader_url, flt) == (seen_docs, seen_chunks)
