"""Repeated queries cost no encoder time: an LRU cache of query vectors in front of any embedder.

The same question typed again, paged, re-run with other filters or drafted twice is embedded once. Passages are
never cached here (indexing reuses stored vectors by their input hash instead). Thread-safe: the API serves
requests from a thread pool.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from indexer.interfaces import Embedder


class QueryCachingEmbedder:
    """Wraps an embedder; ``embed_queries`` answers from an LRU cache of ``size`` query vectors."""

    def __init__(self, inner: Embedder, size: int) -> None:
        self.inner = inner
        self.name = inner.name
        self.dimension = inner.dimension
        self.backend: str = getattr(inner, "backend", "torch")
        self.size = size
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def embed_documents(self, texts: Sequence[str], titles: Sequence[str | None] | None = None) -> np.ndarray:
        return self.inner.embed_documents(texts, titles)

    def cached(self, text: str) -> bool:
        """Whether a query's vector is in the cache (it would cost no encoder time)."""
        with self._lock:
            return text in self._cache

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors of ``texts`` in order; only the ones not cached reach the encoder, in one call."""
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for t in texts:
                if t in self._cache:
                    self._cache.move_to_end(t)
                    found[t] = self._cache[t]
        missing = list(dict.fromkeys(t for t in texts if t not in found))
        self.hits += len(texts) - len(missing)
        self.misses += len(missing)
        if missing:
            vectors = np.asarray(self.inner.embed_queries(missing), dtype=np.float32)
            fresh = dict(zip(missing, vectors, strict=True))
            found.update(fresh)
            with self._lock:
                for t, v in fresh.items():
                    v.setflags(write=False)  # shared by later callers: nobody may change it in place
                    self._cache[t] = v
                    self._cache.move_to_end(t)
                while len(self._cache) > self.size:
                    self._cache.popitem(last=False)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.vstack([found[t] for t in texts])
