"""Protocols between the parts of the indexer, each with its contract.

The storage contracts (DocumentStore, LexicalIndex, VectorIndex) live with storage: ``indexer.storage.contracts``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from indexer.models import ParsedDocument


@runtime_checkable
class Parser(Protocol):
    """Turns one file into one or more parsed documents.

    Raises CorruptDocument (or a subclass) when the file cannot be read; never returns an empty text.
    """

    def parse(self, path: Path) -> list[ParsedDocument]: ...


@runtime_checkable
class Embedder(Protocol):
    """Maps texts to L2-normalised float32 vectors of a fixed dimension.

    ``name`` identifies the model in the index manifest; querying with another name is refused.
    """

    name: str
    dimension: int

    def embed_documents(self, texts: Sequence[str], titles: Sequence[str | None] | None = None) -> np.ndarray:
        """Return an array (len(texts), dimension); ``titles`` give each passage its document's context."""
        ...

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Return an array (len(texts), dimension) for search queries."""
        ...
