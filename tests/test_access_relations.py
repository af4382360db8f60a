"""Property: relations, validity and the in-force filter tell a principal nothing about documents it may not see.

Random documents (level, unit, number, dates) with random relations between them (replaces, repeals, amends,
implements) × random principals. For each principal the answers over the whole store must equal the answers over
a store holding only the documents it may see: a hidden document changes no relation list, no status and no
in-force result. Each example builds two fresh in-memory stores.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer.models import Chunk, Classification, Document, DocumentIdentity
from indexer.retrieval.validity_lookup import validity_of
from indexer.storage.filters import SearchFilter
from indexer.storage.sqlite_store import SQLiteStore
from indexer.understanding.numbers import number_key, number_variants
from indexer.understanding.relations import Relation, RelationKind
from search_api.security import Principal

DIM = 4
UNITS = [None, "Ban Tổ chức", "Văn phòng"]
NUMBERS = ["01-NQ/TU", "02-NQ/TU", "03-KH/TU", "04-NQ/TU", "05-CT/TU"]
DATES = [None, "2020-01-01", "2023-06-01", "2026-01-01", "2030-01-01"]
KINDS = [RelationKind.REPLACES, RelationKind.REPEALS, RelationKind.AMENDS, RelationKind.IMPLEMENTS]
AS_OF = ["2021-01-01", "2024-01-01", "2027-01-01"]
EXAMPLES = 300

doc_st = st.tuples(
    st.integers(0, 3),  # level
    st.sampled_from(UNITS),
    st.sampled_from(NUMBERS),
    st.sampled_from(DATES),  # effective date
    st.lists(st.tuples(st.sampled_from(KINDS), st.sampled_from(NUMBERS), st.booleans()), max_size=3),
)
principal_st = st.builds(
    lambda level, units: Principal("p", frozenset({"reader"}), Classification(level), units),
    st.integers(0, 3),
    st.one_of(st.none(), st.lists(st.sampled_from(UNITS[1:]), max_size=2, unique=True).map(tuple)),
)


def _store(raw: list[tuple], keep: set[int] | None = None) -> SQLiteStore:  # type: ignore[type-arg]
    store = SQLiteStore(Path(":memory:"))
    items = []
    for i, (level, unit, number, effective, rels) in enumerate(raw):
        if keep is not None and i not in keep:
            continue
        text = f"Văn bản {number} số {i}."
        ident = DocumentIdentity(
            number=number,
            number_variants=number_variants(number),
            classification=Classification(level),
            unit=unit,
            issued_date="2019-01-01",
            effective_date=effective,
        )
        doc = Document(f"d{i}", f"d{i}.txt", hashlib.sha256(text.encode()).hexdigest(), text, ident)
        doc.relations = [
            Relation(kind, target, number_key(target), None, f"câu {j}", 0, 5, "Điều 2" if scoped else None)
            for j, (kind, target, scoped) in enumerate(rels)
            if target != number
        ]
        vec = np.ones((1, DIM), dtype=np.float32) / 2.0
        items.append((doc, "root", [Chunk(doc.doc_id, 0, text, embed_text=text)], [f"d{i}"], vec))
    if items:
        store.write_documents(items)
    return store


@settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=st.lists(doc_st, min_size=1, max_size=6), principal=principal_st, as_of=st.sampled_from(AS_OF))
def test_hidden_documents_change_no_relation_status_or_in_force_answer(
    raw: list[tuple],
    principal: Principal,
    as_of: str,  # type: ignore[type-arg]
) -> None:
    visible = {i for i, (level, unit, *_rest) in enumerate(raw) if principal.can_see(level, unit)}
    full, only_visible = _store(raw), _store(raw, visible)
    try:
        flt = principal.access(SearchFilter(as_of=as_of))
        ids = [f"d{i}" for i in sorted(visible)]
        for doc_id in ids:
            a, b = full.relations_of(doc_id, flt), only_visible.relations_of(doc_id, flt)
            assert a == b, doc_id
            assert all(r.doc_id is None or int(r.doc_id[1:]) in visible for r in a)
        assert validity_of(full, ids, flt) == validity_of(only_visible, ids, flt)
        in_force = SearchFilter(in_force=True, as_of=as_of)
        assert sorted(full.doc_ids_matching(principal.access(in_force))) == sorted(
            only_visible.doc_ids_matching(principal.access(in_force))
        )
    finally:
        full.close()
        only_visible.close()
