"""Lexical statistics and vocabulary partitioned by classification: what a caller sees of BM25 scores and word
forms never depends on passages above its clearance; schema-1 stores migrate in place."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np

from indexer.models import Chunk, Classification, Document, DocumentIdentity
from indexer.storage.filters import SearchFilter
from indexer.storage.sqlite_store import SQLiteStore, lexical_columns
from indexer.understanding.text import tokenize

PUBLIC = SearchFilter(max_classification=Classification.UNCLASSIFIED)


def _doc(doc_id: str, text: str, level: Classification = Classification.UNCLASSIFIED):  # type: ignore[no-untyped-def]
    doc = Document(doc_id, f"/src/{doc_id}", "h", text, DocumentIdentity(classification=level))
    chunk = Chunk(doc_id=doc_id, ordinal=0, text=text, embed_text=text, char_end=len(text))
    return doc, "/src", [chunk], [f"e-{doc_id}"], np.ones((1, 4), dtype=np.float32) / 2


def _scores(store: SQLiteStore, query: str, flt: SearchFilter) -> dict[int, float]:
    return dict(store.lexical_search(tokenize(query), flt, k=100))


def test_public_scores_do_not_move_when_classified_passages_arrive(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "store.sqlite")
    store.write_documents([_doc("pub", "kinh tế biển đảo phát triển bền vững"), _doc("pub2", "giáo dục đào tạo")])
    before = _scores(store, "kinh tế biển", PUBLIC)
    store.write_documents(
        [_doc(f"tm{i}", "kinh tế biển quốc phòng an ninh biển", Classification.TUYET_MAT) for i in range(5)]
    )
    assert _scores(store, "kinh tế biển", PUBLIC) == before
    everything = _scores(store, "kinh tế biển", SearchFilter())
    assert len(everything) == 6 and everything != before  # the admin's view has its own statistics
    store.delete_documents([f"tm{i}" for i in range(5)])
    assert _scores(store, "kinh tế biển", SearchFilter()) == before  # deletes leave every partition exact


def test_each_clearance_scores_over_the_levels_it_may_see(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "store.sqlite")
    store.write_documents(
        [
            _doc("pub", "chuyển đổi số cơ quan đảng"),
            _doc("mat", "chuyển đổi số quân sự", Classification.MAT),
            _doc("toi", "chuyển đổi số mật mã", Classification.TOI_MAT),
        ]
    )
    mat = SearchFilter(max_classification=Classification.MAT)
    reference = SQLiteStore(tmp_path / "reference.sqlite")
    reference.write_documents([_doc("pub", "chuyển đổi số cơ quan đảng"), _doc("mat", "chuyển đổi số quân sự")])
    by_id = {r: s for r, s in _scores(store, "chuyển đổi số", mat).items()}
    assert sorted(by_id.values()) == sorted(_scores(reference, "chuyển đổi số", SearchFilter()).values())


def test_vocabulary_covers_only_visible_levels(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "store.sqlite")
    store.write_documents([_doc("pub", "hòa bình"), _doc("tm", "quăngtrạch mật", Classification.TUYET_MAT)])
    assert store.vocab_exact_forms(["quangtrach"], PUBLIC) == {}
    assert [n for _, n in store.vocab_exact_forms(["quangtrach"])["quangtrach"]] == [1]  # the admin's view
    assert store.vocab_exact_forms(["hoa"], PUBLIC) == {"hoa": [("hoà", 1)]}


def test_deleting_a_document_drops_exactly_the_word_forms_no_passage_uses_any_more(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "store.sqlite")
    store.write_documents(
        [_doc("a", "hòa bình độc lập"), _doc("b", "hòa bình"), _doc("c", "tự do", Classification.MAT)]
    )
    rows = lambda: {tuple(r) for r in store.conn.execute("SELECT level, folded, exact, n FROM vocab_levels")}  # noqa: E731
    store.delete_documents(["a"])
    assert rows() == {(0, "hoa", "hoà", 1), (0, "binh", "bình", 1), (1, "tu", "tự", 1), (1, "do", "do", 1)}
    store.delete_documents(["b", "c"])
    assert rows() == set()


_V1_DDL = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE documents (doc_id TEXT PRIMARY KEY, source TEXT NOT NULL, source_root TEXT NOT NULL,
  content_hash TEXT NOT NULL, number TEXT, doc_type TEXT, issuer TEXT, place TEXT, issued_date TEXT, title TEXT,
  term TEXT, classification INTEGER NOT NULL DEFAULT 0, unit TEXT, language TEXT,
  page_count INTEGER NOT NULL DEFAULT 0, pages TEXT NOT NULL DEFAULT '[]', metadata TEXT NOT NULL DEFAULT '{}',
  text TEXT NOT NULL, indexed_at TEXT NOT NULL);
CREATE TABLE chunks (chunk_id INTEGER PRIMARY KEY AUTOINCREMENT, doc_id TEXT NOT NULL, ordinal INTEGER NOT NULL,
  section TEXT NOT NULL DEFAULT '', pages TEXT NOT NULL DEFAULT '[]', char_start INTEGER NOT NULL DEFAULT 0,
  char_end INTEGER NOT NULL DEFAULT 0, text TEXT NOT NULL, embed_hash TEXT NOT NULL, vector BLOB NOT NULL);
CREATE VIRTUAL TABLE chunks_fts USING fts5(exact, folded, tokenize = 'ascii');
CREATE TABLE vocab (folded TEXT NOT NULL, exact TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (folded, exact))
  WITHOUT ROWID;
INSERT INTO meta VALUES ('schema_version', '1'), ('generation', '3');
"""


def test_schema_1_store_is_partitioned_in_place(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    conn = sqlite3.connect(path)
    conn.executescript(_V1_DDL)
    for i, (text, level) in enumerate([("biển đảo quê hương", 0), ("biển đảo mật", 3)], 1):
        conn.execute(
            "INSERT INTO documents(doc_id, source, source_root, content_hash, classification, text, indexed_at)"
            " VALUES (?, 's', 'r', 'h', ?, ?, 'now')",
            (f"d{i}", level, text),
        )
        conn.execute(
            "INSERT INTO chunks(chunk_id, doc_id, ordinal, text, embed_hash, vector) VALUES (?, ?, 0, ?, 'e', x'00')",
            (i, f"d{i}", text),
        )
        exact, folded = lexical_columns(f" {text}")
        conn.execute("INSERT INTO chunks_fts(rowid, exact, folded) VALUES (?, ?, ?)", (i, exact, folded))
    conn.commit()
    conn.close()
    store = SQLiteStore(path)
    assert store.get_meta("schema_version") == "3" and store.generation() == 3
    assert set(_scores(store, "biển đảo", PUBLIC)) == {1}
    assert set(_scores(store, "bien dao", SearchFilter())) == {1, 2}
    assert store.vocab_exact_forms(["mat"], PUBLIC) == {}
    names = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master")}
    assert "chunks_fts" not in names and "vocab" not in names
    # Schema 3's columns and tables are there too, empty until the documents are indexed again.
    assert "relations" in names
    doc = store.document("d1", SearchFilter())
    assert doc is not None and doc.effective_date is None and doc.date_notes == {}
    assert store.chunks([1])[1].role == "" and store.relations_of("d1", SearchFilter()) == []


class _NoModel:
    """Stands in for the embedder where only the retriever's query analysis runs (no vectors needed)."""

    name = "no-model"
    dimension = 4


def test_query_language_and_restoration_see_only_visible_vocabulary(tmp_path: Path, settings) -> None:  # type: ignore[no-untyped-def]
    from indexer.retrieval.hybrid import HybridRetriever
    from indexer.storage.index import Index

    s = settings.model_copy(update={"index_dir": tmp_path / "index"})
    index = Index.open_or_create(s, _NoModel.name, _NoModel.dimension)
    index.store.write_documents(
        [_doc("pub", "phát triển kinh tế"), _doc("tm", "khẩu lệnh mật mã quốc phòng", Classification.TUYET_MAT)]
    )
    retriever = HybridRetriever(index, _NoModel(), s)  # type: ignore[arg-type]
    hidden, made_up = "khau lenh mat ma", "zqxv wprt klmn"
    for query in (hidden, made_up):
        vocab, vietnamese = retriever.analyse(query, tokenize(query), False, PUBLIC)
        assert not vietnamese and vocab == {}  # the hidden words look exactly like made-up ones
    assert retriever.analyse(hidden, tokenize(hidden), False, SearchFilter())[1]  # the admin's view knows them
    assert retriever.analyse("phat trien kinh te", tokenize("phat trien kinh te"), False, PUBLIC)[1]
    index.close()


def test_vocabulary_covers_only_visible_units(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "store.sqlite")
    a, b, office = _doc("a", "thượngnguồn sông"), _doc("b", "hạlưu sông"), _doc("o", "đồngbằng sông")
    a[0].identity.unit, b[0].identity.unit = "Ban A", "Ban B"
    store.write_documents([a, b, office])
    scoped = SearchFilter(units=("Ban A",))
    assert set(store.vocab_exact_forms(["thuongnguon", "haluu", "dongbang"], scoped)) == {"thuongnguon", "dongbang"}
    strict = SearchFilter(units=("Ban A",), unitless_visible=False)
    assert set(store.vocab_exact_forms(["thuongnguon", "dongbang"], strict)) == {"thuongnguon"}
    assert len(store.vocab_exact_forms(["thuongnguon", "haluu", "dongbang"])) == 3
    store.delete_documents(["b"])
    assert store.vocab_exact_forms(["haluu"]) == {}
