"""The query-vector cache: repeated queries reach the encoder once; the LRU keeps the most recent ones."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from indexer.embedding.query_cache import QueryCachingEmbedder


class CountingEmbedder:
    name, dimension = "count", 4

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def embed_documents(self, texts: Sequence[str], titles: Sequence[str | None] | None = None) -> np.ndarray:
        return np.ones((len(texts), 4), dtype=np.float32)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(list(texts))
        return np.vstack([np.full(4, float(len(t)), dtype=np.float32) for t in texts])


def test_repeated_queries_cost_no_encoder_call_and_the_lru_evicts_the_oldest() -> None:
    inner = CountingEmbedder()
    cache = QueryCachingEmbedder(inner, size=2)
    first = cache.embed_queries(["chuyển đổi số", "hạ tầng"])
    assert inner.calls == [["chuyển đổi số", "hạ tầng"]]
    again = cache.embed_queries(["hạ tầng", "chuyển đổi số", "hạ tầng"])
    assert inner.calls == [["chuyển đổi số", "hạ tầng"]]  # nothing new reached the encoder
    assert np.array_equal(again[1], first[0]) and np.array_equal(again[0], first[1])
    assert cache.cached("hạ tầng") and cache.hits == 3 and cache.misses == 2
    cache.embed_queries(["kinh tế số"])  # evicts the least recently used ("chuyển đổi số" was used before "hạ tầng")
    assert not cache.cached("chuyển đổi số") and cache.cached("hạ tầng") and cache.cached("kinh tế số")
    assert cache.embed_queries([]).shape == (0, 4)
