"""faiss vector index over chunk vectors: exact inner product while small, HNSW once large.

Inner product equals cosine because every vector is L2-normalised. The index is derived from the SQLite store
and saved with the store generation it reflects; a stale or missing file is rebuilt from the store.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path

import faiss
import numpy as np

from indexer.config import VectorSettings
from indexer.storage.contracts import DocumentStore
from indexer.storage.filters import SearchFilter
from indexer.storage.records import ChunkHit

logger = logging.getLogger(__name__)


class FaissIndex:
    """An IDMap'd faiss index keyed by chunk id, with filtered search through an id selector."""

    def __init__(self, index: faiss.Index, kind: str, ef_search: int) -> None:
        self._index = index
        self.kind = kind
        self._ef_search = ef_search

    @classmethod
    def build(cls, ids: np.ndarray, vectors: np.ndarray, dim: int, settings: VectorSettings) -> FaissIndex:
        """Flat inner product below ``hnsw_threshold`` vectors, HNSW (M, efConstruction recorded) above."""
        base: faiss.Index
        if len(ids) >= settings.hnsw_threshold > 0:
            base = faiss.IndexHNSWFlat(dim, settings.hnsw_m, faiss.METRIC_INNER_PRODUCT)
            base.hnsw.efConstruction = settings.hnsw_ef_construction
            kind = f"hnsw(M={settings.hnsw_m},efC={settings.hnsw_ef_construction},efS={settings.hnsw_ef_search})"
        else:
            base = faiss.IndexFlatIP(dim)
            kind = "flat-ip"
        index = faiss.IndexIDMap2(base)
        if len(ids):
            index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids.astype(np.int64))
        return cls(index, kind, settings.hnsw_ef_search)

    @property
    def size(self) -> int:
        return int(self._index.ntotal)

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[ChunkHit]:
        """Top-k (chunk_id, inner product); ``allowed`` restricts the search inside faiss, before the top-k."""
        if self.size == 0 or k <= 0:
            return []
        q = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        params = None
        if allowed is not None:
            if len(allowed) == 0:
                return []
            sel = faiss.IDSelectorBatch(np.ascontiguousarray(allowed, dtype=np.int64))
            if self.kind.startswith("hnsw"):
                params = faiss.SearchParametersHNSW(sel=sel, efSearch=max(self._ef_search, k))  # type: ignore[attr-defined]
            else:
                params = faiss.SearchParameters(sel=sel)  # type: ignore[call-arg]
            k = min(k, len(allowed))
        elif self.kind.startswith("hnsw"):
            params = faiss.SearchParametersHNSW(efSearch=max(self._ef_search, k))  # type: ignore[attr-defined]
        k = min(k, self.size)
        scores, ids = self._index.search(q, k, params=params)
        return [ChunkHit(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]

    def save(self, path: Path, generation: int) -> None:
        """Write atomically (temp file + rename) with the store generation it reflects."""
        # Unique temp names: a server and a CLI run may save the same index at the same moment.
        tag = f".{os.getpid()}.{threading.get_ident()}.tmp"
        tmp = path.with_name(path.name + tag)
        faiss.write_index(self._index, str(tmp))
        os.replace(tmp, path)
        meta = {"generation": generation, "kind": self.kind, "size": self.size}
        meta_tmp = path.with_name(path.stem + ".json" + tag)
        meta_tmp.write_text(json.dumps(meta))
        os.replace(meta_tmp, path.with_suffix(".json"))

    @classmethod
    def load(cls, path: Path, generation: int, settings: VectorSettings) -> FaissIndex | None:
        """The saved index if it reflects ``generation``, else None (the caller rebuilds)."""
        meta_path = path.with_suffix(".json")
        if not path.is_file() or not meta_path.is_file():
            return None
        try:
            meta = json.loads(meta_path.read_text())
            if int(meta.get("generation", -1)) != generation:
                return None
            index = faiss.read_index(str(path))
        except (OSError, ValueError, RuntimeError) as exc:
            logger.warning("vector index %s unreadable (%s); rebuilding", path, exc)
            return None
        return cls(index, str(meta.get("kind", "flat-ip")), settings.hnsw_ef_search)


class StoreBoundFaiss:
    """The ``VectorIndex`` of the SQLite + faiss backend: a ``FaissIndex`` and the store that resolves filters.

    A filter that is not unrestricted becomes the ids of the chunks it allows (from the store), applied inside
    faiss through an id selector before the top-k.
    """

    def __init__(self, index: FaissIndex, store: DocumentStore) -> None:
        self.index = index
        self._store = store

    @property
    def size(self) -> int:
        return self.index.size

    @property
    def kind(self) -> str:
        return self.index.kind

    def search(self, query: np.ndarray, k: int, flt: SearchFilter) -> list[ChunkHit]:
        allowed = None if flt.is_unrestricted else self._store.allowed_chunk_ids(flt)
        return self.index.search(query, k, allowed)


class FaissFiles:
    """The faiss ``VectorSource``: one saved index file beside the store, rebuilt when it is stale."""

    def __init__(self, path: Path, settings: VectorSettings) -> None:
        self.path = path
        self.settings = settings

    def current(self, generation: int, store: DocumentStore, dimension: int) -> StoreBoundFaiss:
        """The saved index if it reflects ``generation``, else one rebuilt from the store and saved."""
        vectors = FaissIndex.load(self.path, generation, self.settings)
        if vectors is not None:
            return StoreBoundFaiss(vectors, store)
        ids, vecs = store.all_vectors()
        logger.info("building vector index over %d chunks (generation %d)", len(ids), generation)
        vectors = FaissIndex.build(ids, vecs, dimension, self.settings)
        try:
            vectors.save(self.path, generation)
        except OSError as exc:  # a read-only reader still serves from memory
            logger.warning("could not save vector index: %s", exc)
        return StoreBoundFaiss(vectors, store)
