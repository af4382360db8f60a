"""Protocols between the parts of the indexer, each with its contract.

The storage contracts (DocumentStore, LexicalIndex, VectorIndex) live with storage: ``indexer.storage.contracts``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from indexer.models import ParsedDocument, RecordProblem


@runtime_checkable
class Parser(Protocol):
    """Turns one file into one or more parsed documents.

    Raises CorruptDocument (or a subclass) when the file cannot be read; never returns an empty text.
    """

    def parse(self, path: Path) -> list[ParsedDocument]: ...


@runtime_checkable
class RecordParser(Parser, Protocol):
    """A parser of files holding many documents (JSONL), each with its own key.

    ``parse_records`` judges every record on its own: the good ones, and for each bad one a RecordProblem (line,
    reason, the record's key where it could be read, so the caller can keep that record's previous version).
    Raises CorruptDocument only when no record at all can be read.
    """

    def parse_records(self, path: Path) -> tuple[list[ParsedDocument], list[RecordProblem]]: ...


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
