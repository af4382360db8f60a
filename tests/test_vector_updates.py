"""The faiss side at scale, without the model: cached allow-bitmaps that follow commits, in-place vector updates
from the store's change log (flat and HNSW with tombstones), and a saved file that stays usable after a crash.

Every expectation is brute force over the store: the allowed set comes from ``allowed_chunk_ids`` (the SQL of
``filters.filter_sql``), scores from numpy over ``all_vectors``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from test_store_contract import Spec, item

from indexer.config import Settings, VectorSettings
from indexer.models import Classification
from indexer.storage.backends import VECTORS_NAME, open_backend
from indexer.storage.faiss_files import FaissFiles, StoreBoundFaiss
from indexer.storage.faiss_index import FaissIndex
from indexer.storage.filters import SearchFilter
from indexer.storage.sqlite_store import SQLiteStore

DIM = 16
LEVELS = list(Classification)
UNITS = [None, "Ban A", "Ban B", "Ban C"]


def rand_unit(rng: np.random.Generator, n: int) -> np.ndarray:
    v = rng.normal(size=(n, DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def random_docs(rng: np.random.Generator, n: int, start: int = 0) -> list[tuple[Spec, np.ndarray]]:
    """``n`` documents of 1–3 passages with random vectors, levels, units, types and dates."""
    out = []
    for i in range(start, start + n):
        spec = Spec(
            f"doc{i}",
            [f"passage {i} {j}" for j in range(int(rng.integers(1, 4)))],
            level=LEVELS[int(rng.integers(0, 4))],
            unit=UNITS[int(rng.integers(0, 4))],
            doc_type=["Nghị định", "Thông tư"][i % 2],
            issued_date=f"20{10 + i % 15:02d}-01-01",
        )
        out.append((spec, rand_unit(rng, len(spec.passages))))
    return out


def write(store: SQLiteStore, docs: list[tuple[Spec, np.ndarray]]) -> None:
    items = []
    for spec, vecs in docs:
        doc, root, chunks, hashes, _ = item(spec)
        items.append((doc, root, chunks, hashes, vecs))
    store.write_documents(items)


def brute(store: SQLiteStore, query: np.ndarray, k: int, flt: SearchFilter) -> list[int]:
    ids, vecs = store.all_vectors()
    allowed = set(store.allowed_chunk_ids(flt).tolist())
    mask = np.array([int(c) in allowed for c in ids], dtype=bool)
    if not mask.any():
        return []
    scores = vecs[mask] @ query
    return [int(c) for c in ids[mask][np.argsort(-scores, kind="stable")][:k]]


FILTERS = [
    SearchFilter(),
    SearchFilter(max_classification=Classification.UNCLASSIFIED),
    SearchFilter(max_classification=Classification.MAT, units=("Ban A",)),
    SearchFilter(max_classification=Classification.TOI_MAT, units=("Ban B", "Ban C"), unitless_visible=False),
    SearchFilter(units=()),
    SearchFilter(doc_types=("Thông tư",), max_classification=Classification.MAT),
    SearchFilter(date_from="2016-01-01", units=("Ban A",)),
    SearchFilter(doc_ids=("doc3", "doc4", "doc5"), max_classification=Classification.UNCLASSIFIED),
    SearchFilter(exclude_doc_ids=("doc1",), in_force=True, units=("Ban C",)),
]


@pytest.fixture(params=["flat", "hnsw"])
def layout(request: pytest.FixtureRequest) -> VectorSettings:
    """Flat, or HNSW from the first vector with exact scoring only for tiny sets (so bitmaps walk the graph)."""
    if request.param == "flat":
        return VectorSettings(hnsw_threshold=0, exact_below=0)
    return VectorSettings(hnsw_threshold=1, hnsw_m=16, hnsw_ef_search=256, exact_below=8)


@pytest.fixture()
def pair(tmp_path: Path, layout: VectorSettings) -> Iterator[tuple[SQLiteStore, SQLiteStore, FaissFiles]]:
    """(writer store, reader store, reader's vector source) over one index directory."""
    settings = Settings(index_dir=tmp_path, vectors=layout)
    backend = open_backend(settings, tmp_path)
    writer = SQLiteStore(tmp_path / "store.sqlite")
    assert isinstance(backend.vectors, FaissFiles) and isinstance(backend.store, SQLiteStore)
    yield writer, backend.store, backend.vectors
    writer.close()
    backend.store.close()


def current(reader: SQLiteStore, source: FaissFiles) -> StoreBoundFaiss:
    return source.current(reader.generation(), reader, DIM)


def test_searches_equal_brute_force_and_follow_commits_in_place(pair, layout: VectorSettings) -> None:  # type: ignore[no-untyped-def]
    writer, reader, source = pair
    rng = np.random.default_rng(3)
    write(writer, random_docs(rng, 60))
    vectors = current(reader, source)
    queries = rand_unit(rng, 4)

    def check() -> None:
        for flt in FILTERS:
            for q in queries:
                got = [c for c, _ in vectors.search(q, 10, flt)]
                want = brute(reader, q, 10, flt)
                if layout.hnsw_threshold == 0:
                    assert got == want, flt
                else:  # HNSW: never anything the filter excludes; recall near 1 on a graph this small
                    assert set(got) <= set(reader.allowed_chunk_ids(flt).tolist())
                    assert len(set(got) & set(want)) >= 0.9 * len(want), flt

    check()
    # Commits reach the reader as deltas: the same objects are updated, the file is never read again.
    file_reads = []
    original = FaissIndex.load_any
    FaissIndex.load_any = classmethod(lambda cls, *a: file_reads.append(a) or original(*a))  # type: ignore[method-assign,assignment]
    try:
        write(writer, random_docs(rng, 20, start=60))
        writer.delete_documents([f"doc{i}" for i in range(0, 60, 3)])
        again = current(reader, source)
        assert again is vectors and file_reads == []
        assert vectors.size == len(writer.all_vectors()[0])
        check()
    finally:
        FaissIndex.load_any = original  # type: ignore[method-assign]


def test_a_new_classified_chunk_never_reaches_a_lower_clearance(pair) -> None:  # type: ignore[no-untyped-def]
    writer, reader, source = pair
    rng = np.random.default_rng(5)
    write(writer, random_docs(rng, 30))
    public = SearchFilter(max_classification=Classification.UNCLASSIFIED)
    query = rand_unit(rng, 1)[0]
    current(reader, source).search(query, 5, public)  # the bitmap of this key is now cached
    secret = Spec("mat-1", ["mật"], level=Classification.MAT)
    write(writer, [(secret, query.reshape(1, -1))])  # the best possible match for the query
    (mat_chunk,) = [c.chunk_id for c in writer.document_chunks("mat-1")]
    vectors = current(reader, source)
    assert mat_chunk not in {c for c, _ in vectors.search(query, 50, public)}
    assert vectors.search(query, 1, SearchFilter(max_classification=Classification.MAT))[0][0] == mat_chunk
    assert vectors.search(query, 1, SearchFilter())[0][0] == mat_chunk
    # Deleted: it disappears for everybody, unrestricted included (a tombstone in HNSW).
    writer.delete_documents(["mat-1"])
    vectors = current(reader, source)
    for flt in (SearchFilter(), SearchFilter(max_classification=Classification.MAT), public):
        assert mat_chunk not in {c for c, _ in vectors.search(query, 200, flt)}


def test_saved_file_survives_a_killed_writer_and_compacts(tmp_path: Path) -> None:
    layout = VectorSettings(hnsw_threshold=1, hnsw_m=16, exact_below=0, hnsw_compact_ratio=0.2)
    settings = Settings(index_dir=tmp_path, vectors=layout)
    rng = np.random.default_rng(11)
    backend = open_backend(settings, tmp_path)
    store = backend.store
    assert isinstance(store, SQLiteStore) and isinstance(backend.vectors, FaissFiles)
    write(store, random_docs(rng, 40))
    backend.vectors.current(store.generation(), store, DIM)
    backend.vectors.save_vectors(store)
    saved_at = int(str(FaissIndex.read_meta(tmp_path / VECTORS_NAME)["generation"]))  # type: ignore[index]
    # The writer commits more and dies before saving: the file is stale, the log covers the gap.
    write(store, random_docs(rng, 10, start=40))
    store.delete_documents([f"doc{i}" for i in range(10)])
    assert store.generation() > saved_at
    fresh = open_backend(settings, tmp_path)
    reader = fresh.store
    assert isinstance(reader, SQLiteStore)
    vectors = fresh.vectors.current(reader.generation(), reader, DIM)
    assert sorted(vectors.index.live_ids().tolist()) == sorted(store.all_vectors()[0].tolist())
    assert vectors.index.dead > 0  # the file's deleted vectors are tombstoned, not returned
    q = rand_unit(rng, 1)[0]
    assert {c for c, _ in vectors.search(q, 500, SearchFilter())} == set(store.all_vectors()[0].tolist())
    # The writer's next save compacts (over 20% tombstoned) and prunes the log behind the file.
    assert isinstance(fresh.vectors, FaissFiles)
    fresh.vectors.save_vectors(reader)
    assert vectors.index.dead == 0 or fresh.vectors.current(reader.generation(), reader, DIM).index.dead == 0
    # A log pruned past the file: the reader rebuilds from the store, still exact.
    store.prune_vector_log(store.generation())
    write(store, random_docs(rng, 3, start=50))
    late = open_backend(settings, tmp_path)
    assert isinstance(late.store, SQLiteStore)
    rebuilt = late.vectors.current(late.store.generation(), late.store, DIM)
    assert rebuilt.size == len(store.all_vectors()[0])
    for s in (store, reader, late.store):
        s.close()


def test_bitmap_cache_is_per_access_key_and_cleared_by_commits(pair) -> None:  # type: ignore[no-untyped-def]
    writer, reader, source = pair
    rng = np.random.default_rng(2)
    write(writer, random_docs(rng, 20))
    vectors = current(reader, source)
    assert vectors.access is not None
    flt = SearchFilter(max_classification=Classification.MAT, units=("Ban B", "Ban A"))
    same = SearchFilter(max_classification=Classification.MAT, units=("Ban A", "Ban B"))
    first = vectors.access.bitmap((1, ("Ban A", "Ban B"), True))
    vectors.search(rand_unit(rng, 1)[0], 3, flt)
    vectors.search(rand_unit(rng, 1)[0], 3, same)
    assert vectors.access.bitmap((1, ("Ban A", "Ban B"), True))[0] is first[0]  # one bitmap for both orders
    expected = set(reader.allowed_chunk_ids(flt).tolist())
    from indexer.storage.access_bitmaps import ids_of

    assert set(ids_of(first[0]).tolist()) == expected and first[1] == len(expected)
    write(writer, random_docs(rng, 5, start=20))
    current(reader, source)
    after = vectors.access.bitmap((1, ("Ban A", "Ban B"), True))
    assert after[0] is not first[0]
    assert set(ids_of(after[0]).tolist()) == set(reader.allowed_chunk_ids(flt).tolist())


def test_a_writer_that_keeps_no_log_forces_a_reload_not_a_miss(pair, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """An older version committing without the log (mixed versions on one index) must not go unnoticed."""
    from indexer.storage import sqlite_store

    writer, reader, source = pair
    rng = np.random.default_rng(8)
    write(writer, random_docs(rng, 10))
    vectors = current(reader, source)
    before = vectors.size
    with monkeypatch.context() as m:  # the old write path: generation bumped, nothing logged
        m.setattr(sqlite_store, "log_added", lambda *a: None)
        m.setattr(sqlite_store, "log_removed", lambda *a: None)
        m.setattr(
            sqlite_store,
            "next_generation",
            lambda conn: int(conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0]) + 1,
        )
        write(writer, random_docs(rng, 5, start=10))
        writer.delete_documents(["doc0"])
    assert reader.vector_changes(reader.generation() - 2) is None  # the log admits it has a gap
    after = current(reader, source)
    assert sorted(after.index.live_ids().tolist()) == sorted(writer.all_vectors()[0].tolist())
    assert after.size != before
    # A logging writer afterwards: the log is complete again from there, readers follow it in place.
    write(writer, random_docs(rng, 2, start=20))
    assert current(reader, source) is after
    assert sorted(after.index.live_ids().tolist()) == sorted(writer.all_vectors()[0].tolist())


def _two_handles(tmp_path: Path, layout: VectorSettings) -> tuple[FaissFiles, FaissFiles, SQLiteStore, SQLiteStore]:
    """A writer's and a reader's vector source over one index directory, and their SQLite stores."""
    settings = Settings(index_dir=tmp_path, vectors=layout)
    writer_side, reader_side = open_backend(settings, tmp_path), open_backend(settings, tmp_path)
    w, r = writer_side.store, reader_side.store
    assert isinstance(w, SQLiteStore) and isinstance(r, SQLiteStore) and isinstance(writer_side.vectors, FaissFiles)
    assert isinstance(reader_side.vectors, FaissFiles)
    return writer_side.vectors, reader_side.vectors, w, r


def test_a_reader_takes_the_writers_compacted_file(tmp_path: Path) -> None:
    """Tombstones past the ratio in a running reader: it loads the file the writer compacted, not its own graph."""
    layout = VectorSettings(hnsw_threshold=1, hnsw_m=16, exact_below=0, hnsw_compact_ratio=0.2)
    rng = np.random.default_rng(4)
    writer_side, reader_side, w, r = _two_handles(tmp_path, layout)
    write(w, random_docs(rng, 30))
    reading = reader_side.current(r.generation(), r, DIM)
    w.delete_documents([f"doc{i}" for i in range(15)])
    writer_side.current(w.generation(), w, DIM)
    writer_side.save_vectors(w)  # compacts: half the graph was deleted
    saved = FaissIndex.load_any(tmp_path / VECTORS_NAME, layout)
    assert saved is not None and saved[0].stored == len(w.all_vectors()[0])  # no deleted vector left in the file
    after = reader_side.current(r.generation(), r, DIM)
    assert after is not reading and after.index.dead == 0 and after.size == len(w.all_vectors()[0])
    w.close()
    r.close()


def _hnsw(n: int, rng: np.random.Generator) -> tuple[FaissIndex, np.ndarray]:
    vecs = rand_unit(rng, n)
    settings = VectorSettings(hnsw_threshold=1, hnsw_m=16, hnsw_ef_search=64, exact_below=0)
    return FaissIndex.build(np.arange(n, dtype=np.int64), vecs, DIM, settings), vecs


def _top1(index: FaissIndex, vec: np.ndarray, how: str, n_bits: int) -> int | None:
    if how == "ids":
        hits = index.search(vec, 1, np.arange(n_bits, dtype=np.int64))
    elif how == "bitmap":
        hits = index.search_bitmap(vec, 1, np.packbits(np.ones(n_bits, dtype=bool), bitorder="little"), n_bits)
    else:
        hits = index.search(vec, 1)
    return hits[0].chunk_id if hits else None


def test_new_vectors_wait_beside_the_graph_searchable_until_folded() -> None:
    rng = np.random.default_rng(11)
    index, _ = _hnsw(50, rng)
    new = rand_unit(rng, 20)
    new_ids = np.arange(100, 120, dtype=np.int64)
    index.apply(new_ids, new, np.zeros(0, dtype=np.int64))
    assert (index.pending, index.stored, index.size) == (20, 50, 70)  # the graph itself is untouched
    for how in ("all", "ids", "bitmap"):
        assert [_top1(index, v, how, 128) for v in new] == new_ids.tolist(), how
    index.apply(np.zeros(0, dtype=np.int64), np.zeros((0, DIM), np.float32), new_ids[:5])
    assert index.pending == 15 and index.size == 65
    assert all(_top1(index, v, "all", 128) != i for v, i in zip(new[:5], new_ids[:5], strict=True))
    assert index.fold(step=4) == 15
    assert (index.pending, index.stored, index.size) == (0, 65, 65)
    assert [_top1(index, v, "bitmap", 128) for v in new[5:]] == new_ids[5:].tolist()
    index.apply(new_ids[:5], new[:5], np.zeros(0, dtype=np.int64))  # a replayed add of removed ids
    assert index.size == 65 and set(index.live_ids().tolist()) == set(range(50)) | set(new_ids[5:].tolist())


def test_searches_during_a_fold_see_every_vector() -> None:
    import threading

    rng = np.random.default_rng(12)
    index, _ = _hnsw(200, rng)
    new = rand_unit(rng, 60)
    new_ids = np.arange(500, 560, dtype=np.int64)
    index.apply(new_ids, new, np.zeros(0, dtype=np.int64))
    missed: list[int] = []
    done = threading.Event()

    def search() -> None:
        while not done.is_set():
            for v, i in zip(new[::7], new_ids[::7], strict=True):
                if _top1(index, v, "all", 0) != i:
                    missed.append(int(i))

    thread = threading.Thread(target=search)
    thread.start()
    try:
        assert index.fold(step=1) == 60
    finally:
        done.set()
        thread.join()
    assert missed == [] and index.pending == 0


def test_a_saved_file_holds_the_pending_vectors(tmp_path: Path) -> None:
    rng = np.random.default_rng(13)
    index, _ = _hnsw(40, rng)
    index.apply(np.arange(40, 50, dtype=np.int64), rand_unit(rng, 10), np.zeros(0, dtype=np.int64))
    index.save(tmp_path / "v.faiss", 9)
    loaded = FaissIndex.load(tmp_path / "v.faiss", 9, index.settings)
    assert loaded is not None and loaded.stored == loaded.size == 50 and loaded.pending == 0


def test_a_reader_with_much_pending_takes_the_writers_newer_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from indexer.storage import faiss_files

    monkeypatch.setattr(faiss_files, "RELOAD_PENDING", 5)
    layout = VectorSettings(hnsw_threshold=1, hnsw_m=16, exact_below=0)
    rng = np.random.default_rng(14)
    writer_side, reader_side, w, r = _two_handles(tmp_path, layout)
    write(w, random_docs(rng, 10))
    writer_side.current(w.generation(), w, DIM)
    writer_side.save_vectors(w)
    reading = reader_side.current(r.generation(), r, DIM)
    write(w, random_docs(rng, 2, start=10))  # a few: the reader keeps them pending
    small = reader_side.current(r.generation(), r, DIM)
    assert small is reading and 0 < small.index.pending < 5
    write(w, random_docs(rng, 10, start=12))
    writer_side.current(w.generation(), w, DIM)
    writer_side.save_vectors(w)  # folds and saves
    after = reader_side.current(r.generation(), r, DIM)
    assert after is not reading and after.index.pending == 0 and after.size == len(w.all_vectors()[0])
    w.close()
    r.close()
