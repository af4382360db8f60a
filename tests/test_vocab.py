"""The store's vocabulary (folded → exact forms with counts) follows additions, replacements and deletions."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from indexer.models import Chunk, Document, DocumentIdentity
from indexer.storage.sqlite_store import SQLiteStore


def _doc(doc_id: str, text: str) -> tuple[Document, str, list[Chunk], list[str], np.ndarray]:
    doc = Document(doc_id, f"/src/{doc_id}", "h", text, DocumentIdentity())
    chunk = Chunk(doc_id=doc_id, ordinal=0, text=text, embed_text=text, char_end=len(text))
    return doc, "/src", [chunk], [f"e-{doc_id}"], np.ones((1, 4), dtype=np.float32) / 2


def _count(store: SQLiteStore, folded: str, exact: str) -> int:
    forms = dict(store.vocab_exact_forms([folded]).get(folded, []))
    return forms.get(exact, 0)


def test_vocab_counts_follow_updates_and_deletes(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "store.sqlite")
    store.write_documents([_doc("a", "Hoà bình hòa bình"), _doc("b", "hòa giải")])
    assert _count(store, "hoa", "hoà") == 3  # both tone placements count as one canonical form
    store.write_documents([_doc("a", "phát triển")])  # replacing a document takes its old tokens out
    assert _count(store, "hoa", "hoà") == 1
    assert _count(store, "phat", "phát") == 1
    store.delete_documents(["b"])
    assert _count(store, "hoa", "hoà") == 0
    assert store.vocab_exact_forms(["hoa"]) == {}
