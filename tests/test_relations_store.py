"""The relation graph in the store: external references resolve when their target is indexed later, and a
deleted document's relations go with it (incremental, like everything else)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from indexer.models import Chunk, Document, DocumentIdentity
from indexer.storage.filters import SearchFilter
from indexer.storage.sqlite_store import SQLiteStore
from indexer.understanding.numbers import number_key, number_variants
from indexer.understanding.relations import Relation, RelationKind

ALL = SearchFilter()


def _item(doc_id: str, number: str, relations: list[Relation] = ()):  # type: ignore[no-untyped-def,assignment]
    text = f"Văn bản số {number}."
    ident = DocumentIdentity(number=number, number_variants=number_variants(number), issued_date="2024-01-01")
    doc = Document(doc_id, f"{doc_id}.txt", hashlib.sha256(text.encode()).hexdigest(), text, ident)
    doc.relations = list(relations)
    vec = np.ones((1, 4), dtype=np.float32) / 2.0
    return doc, "root", [Chunk(doc_id, 0, text, embed_text=text)], [doc_id], vec


def _rel(kind: RelationKind, number: str) -> Relation:
    return Relation(kind, number, number_key(number), "Nghị quyết", f"thay thế Nghị quyết số {number}", 0, 10, None)


def test_external_reference_resolves_later_and_goes_with_its_document(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "store.sqlite")
    store.write_documents([_item("new", "05-NQ/TU", [_rel(RelationKind.REPLACES, "01-NQ/TU")])])
    (out,) = store.relations_of("new", ALL)
    assert (out.kind, out.direction, out.number, out.doc_id) == ("replaces", "out", "01-NQ/TU", None)  # external

    store.write_documents([_item("old", "01/NQ-TU")])  # another variant of the same number, indexed later
    (out,) = store.relations_of("new", ALL)
    assert out.doc_id == "old"
    (back,) = store.relations_of("old", ALL)
    assert (back.kind, back.direction, back.doc_id, back.number) == ("replaced_by", "in", "new", "05-NQ/TU")
    assert store.docs_related_to("old", ["replaces"], ALL) == ["new"]

    store.write_documents([_item("new", "05-NQ/TU")])  # re-indexed without the relation: it is gone
    assert store.relations_of("old", ALL) == [] and store.relations_of("new", ALL) == []
    store.write_documents([_item("new", "05-NQ/TU", [_rel(RelationKind.REPLACES, "01-NQ/TU")])])
    store.delete_documents(["new"])
    assert store.relations_of("old", ALL) == []
    assert store.conn.execute("SELECT count(*) FROM relations").fetchone()[0] == 0
    store.close()
