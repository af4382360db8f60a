"""An index: a store, its vector index and the manifest, opened for reading or writing.

The backend (an index directory with SQLite + faiss, or a PostgreSQL database) comes from
``backends.open_backend``; this module sees only its contracts. Readers call ``refresh()`` (one tiny query)
before a query; when a writer has committed since, the vector source brings its index up to date (faiss: in
place, from the store's change log; see ``faiss_files``; pgvector: nothing to load, the index is in the
database and is only re-bound).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import numpy as np

from indexer.config import Settings
from indexer.errors import IndexNotFound
from indexer.storage.backends import STORE_NAME, VECTORS_NAME, Backend, open_backend
from indexer.storage.contracts import SavesVectors, Store, VectorIndex
from indexer.storage.filters import SearchFilter
from indexer.storage.manifest import Manifest
from indexer.storage.records import ChunkHit

logger = logging.getLogger(__name__)

__all__ = ["STORE_NAME", "VECTORS_NAME", "Index"]


class Index:
    """One index directory; safe to share between request threads."""

    def __init__(self, directory: Path, settings: Settings, manifest: Manifest, backend: Backend) -> None:
        self.directory = directory
        self.settings = settings
        self.manifest = manifest
        self.store: Store = backend.store
        self._source = backend.vectors
        self._vectors: VectorIndex | None = None
        self._generation = -1
        self._lock = threading.Lock()
        self._backend = backend
        self.location = backend.location

    @classmethod
    def open(cls, settings: Settings, directory: Path | None = None) -> Index:
        """Open an existing index; raises IndexNotFound when there is none."""
        directory = directory or settings.index_dir
        if not settings.storage.is_postgres and not (directory / STORE_NAME).is_file():
            raise IndexNotFound(f"no index at {directory}; build one with `thammuu index PATH`")
        backend = open_backend(settings, directory)
        manifest = backend.load_manifest()
        if manifest is None:
            backend.store.close()
            raise IndexNotFound(f"no index at {backend.location}; build one with `thammuu index PATH`")
        return cls(directory, settings, manifest, backend)

    @classmethod
    def open_or_create(cls, settings: Settings, model: str, dimension: int, directory: Path | None = None) -> Index:
        """Open the index for writing, creating it for this model if absent; refuses another model."""
        directory = directory or settings.index_dir
        if not settings.storage.is_postgres:
            directory.mkdir(parents=True, exist_ok=True)
        backend = open_backend(settings, directory)
        manifest = backend.load_manifest()
        if manifest is None:
            v = settings.vectors
            manifest = Manifest(
                model=model,
                dimension=dimension,
                chunk_size=settings.chunking.chunk_size,
                chunk_overlap=settings.chunking.chunk_overlap,
                hnsw_threshold=v.hnsw_threshold,
                hnsw={
                    "M": v.hnsw_m,
                    "ef_construction": v.hnsw_ef_construction,
                    "ef_search": v.hnsw_ef_search,
                },
            )
            backend.save_manifest(manifest)
        else:
            manifest.check_compatible(model, dimension)
            if manifest.follow_chunker(settings.chunking):
                logger.warning(
                    "the chunker changed (now %s, %d/%d characters): documents are re-chunked as they are indexed",
                    manifest.chunker_version,
                    manifest.chunk_size,
                    manifest.chunk_overlap,
                )
                backend.save_manifest(manifest)
        return cls(directory, settings, manifest, backend)

    def record_backend(self, backend: str) -> None:
        """Record in the manifest the encoder backend about to write vectors (saved when new)."""
        if self.manifest.record_backend(backend):
            if len(self.manifest.backends) > 1:
                logger.info("index %s now holds vectors of backends %s", self.location, self.manifest.backends)
            self._backend.save_manifest(self.manifest)  # the directory's file, or the database's row

    def check_model(self, model: str, dimension: int) -> None:
        """Refuse to query with a model other than the one that built the index."""
        self.manifest.check_compatible(model, dimension)

    @property
    def vectors(self) -> VectorIndex:
        """The vector index matching the store's current generation."""
        self.refresh()
        assert self._vectors is not None
        return self._vectors

    def refresh(self) -> None:
        """Reload vectors if a writer committed since the last look (one tiny SQL query otherwise)."""
        generation = self.store.generation()
        if generation == self._generation and self._vectors is not None:
            return
        with self._lock:
            if generation == self._generation and self._vectors is not None:
                return
            vectors = self._source.current(generation, self.store, self.manifest.dimension)
            self._vectors, self._generation = vectors, generation

    def commit_vectors(self) -> None:
        """After a write run: bring the vector index up to the store's generation and save it (a backend that
        keeps it in memory), so the next reader loads it and replays only later commits."""
        self.refresh()
        if isinstance(self._source, SavesVectors):
            self._source.save_vectors(self.store)

    def dense_search(self, query_vec: np.ndarray, flt: SearchFilter, k: int) -> list[ChunkHit]:
        """Vector search restricted inside the vector index to the chunks the filter allows."""
        return self.vectors.search(query_vec, k, flt)

    def size_on_disk(self) -> int:
        """Bytes the index takes: its directory's files, or the PostgreSQL database's size."""
        return self._backend.size_bytes()

    def close(self) -> None:
        self.store.close()
