"""Vector and lexical storage: faiss against numpy brute force, saved generations, diacritic-free and Bengali FTS."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import CORPUS

from indexer.build.sources import file_doc_id
from indexer.config import Settings, VectorSettings
from indexer.retrieval.hybrid import HybridRetriever
from indexer.storage.faiss_index import FaissIndex
from indexer.storage.filters import SearchFilter
from indexer.storage.index import Index

QUERIES = ["chuyển đổi số và trí tuệ nhân tạo", "phòng chống tham nhũng", "offshore wind power", "কৃষি ও গ্রামীণ উন্নয়ন"]


@pytest.fixture(scope="module")
def stored(corpus_index: Settings, embedder) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    """(chunk ids, stored vectors, real query vectors) from the session corpus index."""
    idx = Index.open(corpus_index)
    try:
        ids, vecs = idx.store.all_vectors()
    finally:
        idx.close()
    return ids, vecs, embedder.embed_queries(QUERIES)


def brute_force(ids: np.ndarray, vecs: np.ndarray, q: np.ndarray, k: int) -> tuple[list[int], np.ndarray]:
    """Top-k ids by inner product, computed with numpy."""
    scores = vecs @ q
    order = np.argsort(-scores, kind="stable")[:k]
    return [int(ids[i]) for i in order], scores[order]


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_faiss_equals_numpy_brute_force(stored, kind: str) -> None:  # type: ignore[no-untyped-def]
    ids, vecs, queries = stored
    # Unit length: the embedder re-normalises in float32 after a bf16 forward pass.
    assert len(ids) >= 20 and np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    settings = VectorSettings(hnsw_threshold=1 if kind == "hnsw" else 0, hnsw_m=16, hnsw_ef_search=128)
    index = FaissIndex.build(ids, vecs, vecs.shape[1], settings)
    assert index.kind.startswith("hnsw" if kind == "hnsw" else "flat") and index.size == len(ids)
    rng = np.random.default_rng(7)
    allowed = np.sort(rng.choice(ids, size=len(ids) // 3, replace=False))
    mask = np.isin(ids, allowed)
    for q in queries:
        for k in (1, 10, len(ids) + 5):
            hits = index.search(q, k)
            want_ids, want_scores = brute_force(ids, vecs, q, k)
            assert [i for i, _ in hits] == want_ids
            assert np.allclose([s for _, s in hits], want_scores, atol=1e-5)
            # Filtered inside faiss: exactly the brute-force top-k of the allowed subset.
            hits = index.search(q, k, allowed)
            want_ids, want_scores = brute_force(ids[mask], vecs[mask], q, k)
            assert [i for i, _ in hits] == want_ids
            assert np.allclose([s for _, s in hits], want_scores, atol=1e-5)
    assert index.search(queries[0], 10, np.array([], dtype=np.int64)) == []


def test_saved_index_is_used_only_for_its_generation(stored, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ids, vecs, queries = stored
    settings = VectorSettings(hnsw_threshold=0)
    index = FaissIndex.build(ids, vecs, vecs.shape[1], settings)
    path = tmp_path / "vectors.faiss"
    index.save(path, generation=7)
    loaded = FaissIndex.load(path, 7, settings)
    assert loaded is not None and loaded.search(queries[1], 5) == index.search(queries[1], 5)
    assert FaissIndex.load(path, 8, settings) is None  # stale: the caller rebuilds from the store
    path.write_bytes(b"garbage")
    assert FaissIndex.load(path, 7, settings) is None


def test_reader_follows_writer_commits(warm_index: Settings) -> None:
    idx = Index.open(warm_index)
    try:
        before = idx.vectors.size
        doc_id = file_doc_id(CORPUS / "kh-45-tu-2024-bao-ve-moi-truong.md")
        n = len(idx.store.document_chunks(doc_id))
        assert n > 0
        other = Index.open(warm_index)  # a second process-like handle writes
        other.store.delete_documents([doc_id])
        other.close()
        assert idx.vectors.size == before - n
        ids, _ = idx.store.all_vectors()
        q = np.ones(768, dtype=np.float32) / np.sqrt(768)
        hits = idx.dense_search(q, SearchFilter(), 1000)
        assert sorted(c for c, _ in hits) == sorted(ids.tolist())  # the deleted chunks are gone from faiss too
    finally:
        idx.close()


def _top_doc(settings: Settings, embedder, query: str) -> list[str]:  # type: ignore[no-untyped-def]
    idx = Index.open(settings)
    try:
        result = HybridRetriever(idx, embedder, settings).search(query, 10, "lexical")
        rows = idx.store.chunks([c for c, _ in result.hits])
        return [Path(rows[c].source).name for c, _ in result.hits]
    finally:
        idx.close()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("phong chong tham nhung", "ct-27-tw-2024-phong-chong-tham-nhung.md"),
        ("phòng, chống tham nhũng", "ct-27-tw-2024-phong-chong-tham-nhung.md"),
        ("lay phieu tin nhiem", "qd-96-tw-2023-lay-phieu-tin-nhiem.txt"),
        ("du lich bien dao", "nq-09-tu-2024-du-lich-bien-dao.pdf"),
        ("kinh te tu nhan", "nq-68-tw-2025-kinh-te-tu-nhan.docx"),
        ("কৃত্রিম বুদ্ধিমত্তা", "bn-nq-57-tw-2024-bigyan-projukti.md"),
        ("লবণাক্ততা কৃষক", "bn-kl-36-tw-2024-krishi-gramin-unnayan.md"),
        ("offshore wind", "en-bc-112-tu-2024-energy-transition-report.md"),
    ],
)
def test_lexical_search(corpus_index: Settings, embedder, query: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    names = _top_doc(corpus_index, embedder, query)
    assert names and names[0] == expected, names[:5]


def test_lexical_without_diacritics_does_not_match_unrelated_docs(corpus_index: Settings, embedder) -> None:  # type: ignore[no-untyped-def]
    names = set(_top_doc(corpus_index, embedder, "tham nhung"))
    assert "ct-27-tw-2024-phong-chong-tham-nhung.md" in names
    assert "bn-kl-36-tw-2024-krishi-gramin-unnayan.md" not in names
    assert _top_doc(corpus_index, embedder, "zzqx khongcotu") == []
