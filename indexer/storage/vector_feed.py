"""What an in-process vector index needs from its store beyond ``DocumentStore``: access labels and a change log.

Not a contract every backend implements: PostgreSQL (pgvector) filters and updates its vectors in SQL. The
SQLite + faiss backend keeps its faiss index and its per-chunk access labels in memory, and catches up with the
store's commits through this narrow feed instead of re-reading every vector whenever the generation moves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np


@dataclass(frozen=True)
class ChunkAccess:
    """Access labels of chunks, column-wise: ids (int64), classification levels (int8), owning units (None or
    '' for office-wide documents). A chunk's labels never change: a re-indexed document gets new chunk ids."""

    ids: np.ndarray
    levels: np.ndarray
    units: list[str | None]

    @classmethod
    def empty(cls) -> ChunkAccess:
        """No chunks."""
        return cls(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int8), [])


@dataclass(frozen=True)
class VectorChanges:
    """The net effect of the commits after one generation up to ``generation``: chunks added (with their
    vectors, float32 (n, dimension), and access labels) and chunk ids removed. An id both added and removed in
    the window is only removed."""

    generation: int
    added: ChunkAccess
    vectors: np.ndarray
    removed: np.ndarray


@dataclass(frozen=True)
class VectorSnapshot:
    """Every chunk of one generation, read in one transaction: access labels and vectors."""

    generation: int
    access: ChunkAccess
    vectors: np.ndarray


@runtime_checkable
class VectorFeed(Protocol):
    """The store side of an incrementally updated in-memory vector index."""

    def vector_snapshot(self) -> VectorSnapshot:
        """Every chunk with its vector and access labels, and the generation they reflect (one read)."""
        ...

    def access_snapshot(self) -> tuple[int, ChunkAccess]:
        """(generation, access labels of every chunk), read in one transaction: cheap, no vectors."""
        ...

    def vector_changes(self, since: int) -> VectorChanges | None:
        """What commits after generation ``since`` added and removed, read in one transaction; None when the
        log no longer reaches back to ``since`` (or never did): the caller rebuilds from a snapshot."""
        ...

    def prune_vector_log(self, up_to: int) -> None:
        """Forget the changes of generations ≤ ``up_to`` (a saved index reflects them); readers further behind
        then rebuild. A read-only store does nothing."""
        ...
