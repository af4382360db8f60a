"""The contract every storage backend passes (the mixin pattern of Haystack's ``testing/document_store.py``).

Each class tests one part of ``indexer.storage.contracts`` through the ``backend`` fixture; a backend joins by
adding one parametrisation to that fixture and its branch in ``open_backend``: SQLite + faiss, and PostgreSQL +
pgvector (``postgres`` marker; a fresh database on the session's server from ``tests/postgres_fixture.py``).
No model: vectors are constructed, one direction per topic.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from indexer.config import Settings
from indexer.models import Chunk, Classification, Document, DocumentIdentity, PageSpan
from indexer.storage.backends import Backend, open_backend
from indexer.storage.contracts import DocumentStore, LexicalIndex, Store, VectorIndex, VectorSource
from indexer.storage.filters import SearchFilter
from indexer.storage.records import ChunkRecord, DocumentRecord
from indexer.understanding.text import tokenize

DIM = 8
PUBLIC = SearchFilter(max_classification=Classification.UNCLASSIFIED)


def unit_vector(axis: int, tilt: float = 0.0) -> np.ndarray:
    """A deterministic L2-normalised vector near ``axis`` (``tilt`` leans it towards the next axis)."""
    v = np.zeros(DIM, dtype=np.float32)
    v[axis % DIM] = 1.0
    v[(axis + 1) % DIM] = tilt
    return v / np.linalg.norm(v)


@dataclass
class Spec:
    """A document to write: its identity and passages, each passage with its vector axis."""

    doc_id: str
    passages: list[str]
    axis: int = 0
    level: Classification = Classification.UNCLASSIFIED
    unit: str | None = None
    number: str | None = None
    variants: list[str] = field(default_factory=list)
    doc_type: str | None = None
    issuer: str | None = None
    issued_date: str | None = None
    language: str = "vi"
    title: str | None = None


def item(spec: Spec, root: str = "/src"):  # type: ignore[no-untyped-def]
    text = "\n".join(spec.passages)
    ident = DocumentIdentity(
        number=spec.number,
        number_variants=spec.variants or ([spec.number] if spec.number else []),
        doc_type=spec.doc_type,
        issuer=spec.issuer,
        issued_date=spec.issued_date,
        title=spec.title,
        classification=spec.level,
        unit=spec.unit,
        language=spec.language,
    )
    doc = Document(spec.doc_id, f"{root}/{spec.doc_id}.txt", f"h-{spec.doc_id}-{len(text)}", text, ident)
    doc.pages = [PageSpan(1, 0, len(text))]
    chunks, start = [], 0
    for n, passage in enumerate(spec.passages):
        chunks.append(Chunk(spec.doc_id, n, passage, f"S{n}", [1], start, start + len(passage), passage))
        start += len(passage) + 1
    hashes = [f"e:{spec.doc_id}:{n}:{p}" for n, p in enumerate(spec.passages)]
    vectors = np.vstack([unit_vector(spec.axis, 0.1 * n) for n in range(len(spec.passages))])
    return doc, root, chunks, hashes, vectors


@pytest.fixture(
    params=[pytest.param("sqlite-faiss", id="sqlite-faiss"), pytest.param("postgres", marks=pytest.mark.postgres)]
)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """A fresh, empty backend of each kind (add a backend here)."""
    settings = Settings(index_dir=tmp_path)
    if request.param == "postgres":
        url = request.getfixturevalue("pg_url")
        settings = settings.model_copy(update={"storage": settings.storage.model_copy(update={"url": url})})
    opened = open_backend(settings, tmp_path)
    yield opened
    opened.store.close()


def write(store: Store, *specs: Spec) -> None:
    store.write_documents([item(s) for s in specs])


def chunk_ids_of(store: Store, doc_id: str) -> list[int]:
    return [c.chunk_id for c in store.document_chunks(doc_id)]


def lexical_docs(store: Store, query: str, flt: SearchFilter, k: int = 100) -> list[str]:
    hits = store.lexical_search(tokenize(query), flt, k)
    records = store.chunks([c for c, _ in hits])
    return [records[c].doc_id for c, _ in hits]


class TestProtocols:
    def test_backend_satisfies_the_contracts(self, backend: Backend) -> None:
        assert isinstance(backend.store, DocumentStore) and isinstance(backend.store, LexicalIndex)
        assert isinstance(backend.store, Store) and isinstance(backend.vectors, VectorSource)
        assert isinstance(backend.vectors.current(backend.store.generation(), backend.store, DIM), VectorIndex)


class TestWriteRead:
    def test_round_trip_of_typed_records(self, backend: Backend) -> None:
        store = backend.store
        spec = Spec(
            "d1",
            ["kinh tế biển", "chuyển đổi số"],
            number="01-NQ/TU",
            doc_type="Nghị quyết",
            issuer="Tỉnh ủy",
            issued_date="2024-05-01",
            title="Về kinh tế biển",
            level=Classification.MAT,
            unit="Ban A",
        )
        write(store, spec)
        doc = store.document("d1", SearchFilter())
        assert isinstance(doc, DocumentRecord)
        assert (doc.doc_id, doc.source, doc.number, doc.doc_type, doc.issuer, doc.issued_date, doc.title) == (
            "d1",
            "/src/d1.txt",
            "01-NQ/TU",
            "Nghị quyết",
            "Tỉnh ủy",
            "2024-05-01",
            "Về kinh tế biển",
        )
        assert (doc.classification, doc.unit, doc.language, doc.page_count) == (1, "Ban A", "vi", 1)
        assert doc.text == "kinh tế biển\nchuyển đổi số" and doc.content_hash.startswith("h-d1")
        chunks = store.document_chunks("d1")
        assert all(isinstance(c, ChunkRecord) for c in chunks)
        assert [(c.ordinal, c.text, c.section, c.pages) for c in chunks] == [
            (0, "kinh tế biển", "S0", (1,)),
            (1, "chuyển đổi số", "S1", (1,)),
        ]
        first = chunks[0]
        assert (first.char_start, first.char_end, first.doc_id, first.number, first.classification) == (
            0,
            12,
            "d1",
            "01-NQ/TU",
            1,
        )
        assert (first.unit, first.language, first.source, first.title) == ("Ban A", "vi", "/src/d1.txt", spec.title)
        assert store.chunks([c.chunk_id for c in chunks] + [10**9]) == {c.chunk_id: c for c in chunks}
        assert store.hash_of("d1") == doc.content_hash and store.hash_of("missing") is None
        assert store.documents_under("/src")["d1"].content_hash == doc.content_hash
        assert store.documents_under("/elsewhere") == {}
        with pytest.raises(AttributeError):
            first.text = "changed"  # type: ignore[misc]

    def test_missing_document_reads_as_none(self, backend: Backend) -> None:
        assert backend.store.document("missing", SearchFilter()) is None
        assert backend.store.document_chunks("missing") == []
        assert backend.store.mean_vector("missing") is None


class TestReplaceDelete:
    def test_rewrite_replaces_passages(self, backend: Backend) -> None:
        store = backend.store
        write(store, Spec("d1", ["alpha one", "alpha two"]))
        old = chunk_ids_of(store, "d1")
        write(store, Spec("d1", ["bravo"]))
        assert [c.text for c in store.document_chunks("d1")] == ["bravo"]
        assert all(r.text == "bravo" for r in store.chunks(old).values())  # old ids are gone (or reused)
        assert lexical_docs(store, "alpha", SearchFilter()) == [] and lexical_docs(store, "bravo", SearchFilter()) == [
            "d1"
        ]
        assert store.stats() == {"documents": 1, "chunks": 1}

    def test_delete_removes_everything_derived(self, backend: Backend) -> None:
        store = backend.store
        write(store, Spec("d1", ["charlie"], number="05-CT/TU"), Spec("d2", ["delta"]))
        store.delete_documents(["d1", "never-stored"])
        assert store.document("d1", SearchFilter()) is None and store.document_chunks("d1") == []
        assert lexical_docs(store, "charlie", SearchFilter()) == []
        assert store.vocab_exact_forms(["charlie"]) == {}
        assert store.docs_by_number(["05-CT/TU"], SearchFilter()) == []
        assert store.stats() == {"documents": 1, "chunks": 1}

    def test_a_failed_batch_writes_nothing(self, backend: Backend) -> None:
        store = backend.store
        write(store, Spec("keep", ["echo"]))
        generation = store.generation()
        doc, root, chunks, hashes, vectors = item(Spec("bad", ["foxtrot", "golf"]))
        with pytest.raises(ValueError):
            store.write_documents([item(Spec("ok", ["hotel"])), (doc, root, chunks, hashes[:1], vectors[:1])])
        assert store.generation() == generation
        assert store.document("ok", SearchFilter()) is None and store.stats() == {"documents": 1, "chunks": 1}


class TestGeneration:
    def test_each_batch_moves_the_generation_once(self, backend: Backend) -> None:
        store = backend.store
        g0 = store.generation()
        write(store, Spec("a", ["x"]), Spec("b", ["y"]))
        assert store.generation() == g0 + 1
        store.delete_documents(["a"])
        assert store.generation() == g0 + 2
        store.delete_documents([])
        assert store.generation() == g0 + 2


class TestEmbedHashReuse:
    def test_vectors_come_back_by_embed_hash(self, backend: Backend) -> None:
        store = backend.store
        doc, root, chunks, hashes, vectors = item(Spec("d1", ["india", "juliet"], axis=3))
        store.write_documents([(doc, root, chunks, hashes, vectors)])
        found = store.vectors_by_embed_hash([*hashes, "unknown"])
        assert set(found) == set(hashes)
        for h, v in zip(hashes, vectors, strict=True):
            np.testing.assert_array_equal(found[h], v)
        ids, all_vecs = store.all_vectors()
        assert sorted(ids.tolist()) == sorted(chunk_ids_of(store, "d1")) and all_vecs.shape == (2, DIM)
        mean = store.mean_vector("d1")
        assert mean is not None and float(np.linalg.norm(mean)) == pytest.approx(1.0)


FILTER_DOCS = [
    Spec(
        "nq",
        ["kilo"],
        number="01-NQ/TU",
        variants=["01-NQ/TU", "1-NQ/TU"],
        doc_type="Nghị quyết",
        issuer="Tỉnh ủy",
        issued_date="2024-01-10",
        language="vi",
    ),  # fmt: skip
    Spec(
        "ct", ["kilo"], number="02-CT/TU", doc_type="Chỉ thị", issuer="Tỉnh ủy", issued_date="2024-06-01", language="vi"
    ),  # fmt: skip
    Spec("en", ["kilo"], doc_type="Report", issuer="Office", issued_date="2023-12-31", language="en"),
]


class TestFilters:
    @pytest.mark.parametrize(
        ("flt", "expected"),
        [
            (SearchFilter(doc_types=("nghị quyết",)), {"nq"}),
            (SearchFilter(issuers=("TỈNH ỦY", "tỉnh ủy")), {"nq", "ct"}),
            (SearchFilter(numbers=("1-NQ/TU",)), {"nq"}),
            (SearchFilter(date_from="2024-01-01"), {"nq", "ct"}),
            (SearchFilter(date_to="2024-01-10"), {"nq", "en"}),
            (SearchFilter(date_from="2024-02-01", date_to="2024-12-31"), {"ct"}),
            (SearchFilter(languages=("en",)), {"en"}),
            (SearchFilter(doc_ids=("ct", "en")), {"ct", "en"}),
            (SearchFilter(exclude_doc_ids=("ct",)), {"nq", "en"}),
            (SearchFilter(doc_types=("Chỉ thị",), languages=("en",)), set()),
        ],
    )
    def test_every_read_applies_the_filter(self, backend: Backend, flt: SearchFilter, expected: set[str]) -> None:
        store = backend.store
        write(store, *FILTER_DOCS)
        assert set(lexical_docs(store, "kilo", flt)) == expected
        allowed = store.allowed_chunk_ids(flt).tolist()
        assert {r.doc_id for r in store.chunks(allowed).values()} == expected
        assert {d for d in ("nq", "ct", "en") if store.document(d, flt) is not None} == expected
        assert store.stats(flt)["documents"] == len(expected) == store.facet_counts(flt).total

    def test_numbers_and_facets(self, backend: Backend) -> None:
        store = backend.store
        write(store, *FILTER_DOCS)
        assert store.docs_by_number(["1-NQ/TU", "99-XX"], SearchFilter()) == ["nq"]
        assert store.docs_by_number(["01-NQ/TU"], SearchFilter(languages=("en",))) == []
        counts = store.facet_counts(SearchFilter())
        assert counts.total == 3
        assert counts.values["issuer"] == [("Tỉnh ủy", 2), ("Office", 1)]
        assert counts.values["year"] == [("2024", 2), ("2023", 1)]
        assert store.facet_counts(SearchFilter(), doc_ids=["en"]).values["language"] == [("en", 1)]
        empty = store.facet_counts(SearchFilter(), doc_ids=[])
        assert empty.total == 0 and all(v == [] for v in empty.values.values())


ACCESS_DOCS = [
    Spec("pub", ["lima mike"], axis=0),
    Spec("mat", ["lima lima mike"], axis=0, level=Classification.MAT),
    Spec("tm", ["lima lima lima"], axis=0, level=Classification.TUYET_MAT),
    Spec("ban-a", ["lima mike november"], axis=0, unit="Ban A"),
    Spec("ban-b", ["lima lima lima lima"], axis=0, unit="Ban B"),
]


class TestAccessInsideTheBackend:
    @pytest.mark.parametrize(
        ("flt", "expected"),
        [
            (PUBLIC, {"pub", "ban-a", "ban-b"}),
            (SearchFilter(max_classification=Classification.MAT), {"pub", "mat", "ban-a", "ban-b"}),
            (SearchFilter(units=("Ban A",)), {"pub", "mat", "tm", "ban-a"}),
            (SearchFilter(units=("Ban A",), unitless_visible=False), {"ban-a"}),
            (SearchFilter(units=(), max_classification=Classification.UNCLASSIFIED), {"pub"}),
        ],
    )
    def test_clearance_and_units_before_the_top_k(
        self, backend: Backend, flt: SearchFilter, expected: set[str]
    ) -> None:
        store = backend.store
        write(store, *ACCESS_DOCS)
        # k=1: the best visible passage comes back even though hidden ones score higher.
        top = lexical_docs(store, "lima", flt, k=1)
        assert len(top) == 1 and top[0] in expected
        assert set(lexical_docs(store, "lima", flt)) == expected
        vectors = backend.vectors.current(store.generation(), store, DIM)
        found = vectors.search(unit_vector(0), 1, flt)
        assert len(found) == 1 and store.chunks([found[0][0]])[found[0][0]].doc_id in expected
        assert store.stats(flt) == {"documents": len(expected), "chunks": len(expected)}
        assert store.facet_counts(flt).total == len(expected)
        visible = {d.doc_id for d in ACCESS_DOCS if store.document(d.doc_id, flt) is not None}
        assert visible == expected

    def test_lexical_scores_do_not_depend_on_hidden_levels(self, backend: Backend) -> None:
        store = backend.store
        write(store, Spec("p1", ["oscar papa quebec"]), Spec("p2", ["romeo sierra"]))
        before = dict(store.lexical_search(tokenize("oscar papa"), PUBLIC, 10))
        write(store, *[Spec(f"s{i}", ["oscar oscar papa"], level=Classification.TOI_MAT) for i in range(4)])
        assert dict(store.lexical_search(tokenize("oscar papa"), PUBLIC, 10)) == before
        assert len(store.lexical_search(tokenize("oscar papa"), SearchFilter(), 10)) == 5

    def test_vocabulary_by_level_and_unit(self, backend: Backend) -> None:
        store = backend.store
        write(
            store,
            Spec("pub", ["tango"]),
            Spec("mat", ["tăng"], level=Classification.MAT),
            Spec("ban-b", ["tàng"], unit="Ban B"),
        )
        forms = lambda flt: {e for e, _ in store.vocab_exact_forms(["tang"], flt).get("tang", [])}  # noqa: E731
        assert forms(None) == {"tăng", "tàng"}
        assert forms(PUBLIC) == {"tàng"}
        assert forms(SearchFilter(max_classification=Classification.MAT, units=("Ban A",))) == {"tăng"}
        assert forms(SearchFilter(units=("Ban A",), unitless_visible=False)) == set()
        assert store.vocab_exact_forms(["tango"], PUBLIC) == {"tango": [("tango", 1)]}


class TestVectorSource:
    def test_vectors_follow_the_generation_and_match_brute_force(self, backend: Backend) -> None:
        store = backend.store
        write(store, *[Spec(f"d{i}", ["uniform"], axis=i) for i in range(DIM)])
        vectors = backend.vectors.current(store.generation(), store, DIM)
        assert vectors.size == DIM and vectors.kind
        ids, vecs = store.all_vectors()
        query = unit_vector(2, 0.4)
        expected = ids[np.argsort(-(vecs @ query))][:3].tolist()
        assert [c for c, _ in vectors.search(query, 3, SearchFilter())] == expected
        assert vectors.search(query, 3, SearchFilter(doc_ids=("absent",))) == []
        only = vectors.search(query, 3, SearchFilter(doc_ids=("d5", "d6")))
        assert {store.chunks([c])[c].doc_id for c, _ in only} == {"d5", "d6"}
        write(store, Spec("new", ["victor"], axis=5))
        again = backend.vectors.current(store.generation(), store, DIM)
        assert again.size == DIM + 1


def related_item(spec: Spec, replaces: str | None = None, effective: str | None = None, role: str = ""):  # type: ignore[no-untyped-def]
    """``item`` plus a whole-document replacement of ``replaces``, an effective date and a section role."""
    from indexer.understanding.numbers import number_key
    from indexer.understanding.relations import Relation, RelationKind

    doc, root, chunks, hashes, vectors = item(spec)
    doc.identity.effective_date = effective
    if replaces:
        sentence = f"thay thế Nghị quyết số {replaces}"
        doc.relations = [Relation(RelationKind.REPLACES, replaces, number_key(replaces), None, sentence, 0, 5, None)]
    for c in chunks:
        c.role = role
    return doc, root, chunks, hashes, vectors


class TestRelationsAndValidity:
    OLD = Spec("old", ["hạ tầng số cũ"], number="01-NQ/TU", variants=["01-NQ/TU", "01NQTU"], issued_date="2020-01-01")
    NEW = Spec("new", ["hạ tầng số mới"], number="05-NQ/TU", variants=["05-NQ/TU", "05NQTU"], issued_date="2023-03-01")

    def test_relations_resolve_later_both_ways_and_go_with_their_document(self, backend: Backend) -> None:
        store = backend.store
        store.write_documents([related_item(self.NEW, replaces="01-NQ/TU", effective="2023-03-01")])
        (out,) = store.relations_of("new", SearchFilter())
        assert (out.kind, out.direction, out.number, out.doc_id) == ("replaces", "out", "01-NQ/TU", None)
        store.write_documents([related_item(self.OLD, effective="2020-01-01")])  # the target, indexed later
        assert store.relations_of("new", SearchFilter())[0].doc_id == "old"
        (back,) = store.relations_of("old", SearchFilter())
        assert (back.kind, back.direction, back.doc_id, back.number) == ("replaced_by", "in", "new", "05-NQ/TU")
        assert store.docs_related_to("old", ["replaces"], SearchFilter()) == ["new"]
        links = store.incoming_links(["old"], SearchFilter())["old"]
        assert [(x.kind, x.source_doc_id, x.source_effective) for x in links] == [("replaces", "new", "2023-03-01")]
        store.delete_documents(["new"])
        assert store.relations_of("old", SearchFilter()) == [] and store.incoming_links(None, SearchFilter()) == {}

    def test_in_force_filter_inside_retrieval_judged_on_visible_replacements(self, backend: Backend) -> None:
        store = backend.store
        hidden_new = Spec(
            "new", self.NEW.passages, number="05-NQ/TU", level=Classification.MAT, issued_date="2023-03-01"
        )
        store.write_documents(
            [related_item(self.OLD, effective="2020-01-01"), related_item(hidden_new, "01-NQ/TU", "2023-03-01")]
        )
        now = SearchFilter(in_force=True, as_of="2024-01-01")
        assert store.doc_ids_matching(now) == ["new"]  # the old one is replaced; the replacement is in force
        assert lexical_docs(store, "hạ tầng", now) == ["new"]  # inside retrieval, like every filter
        before = SearchFilter(in_force=True, as_of="2021-01-01")
        assert store.doc_ids_matching(before) == ["old"]  # the replacement did not yet have effect
        public = SearchFilter(in_force=True, as_of="2024-01-01", max_classification=Classification.UNCLASSIFIED)
        assert store.doc_ids_matching(public) == ["old"]  # a replacement the caller may not see never counts
        assert store.relations_of("old", public) == []

    def test_roles_dates_and_vectors_round_trip(self, backend: Backend) -> None:
        store = backend.store
        store.write_documents([related_item(self.OLD, effective="2020-01-01", role="targets")])
        (chunk,) = store.document_chunks("old")
        assert chunk.role == "targets" and chunk.effective_date == "2020-01-01"
        doc = store.document("old", SearchFilter())
        assert doc is not None and doc.effective_date == "2020-01-01" and doc.expiry_date is None
        assert store.document_dates(["old"]) == {"old": ("2020-01-01", None)}
        vec = store.chunk_vectors([chunk.chunk_id])[chunk.chunk_id]
        assert np.allclose(vec, unit_vector(self.OLD.axis))
