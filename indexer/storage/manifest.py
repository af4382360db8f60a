"""What built an index (model, dimension, chunker, vector layout), saved beside it and checked on every open."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from indexer import __version__
from indexer.config import ChunkingSettings
from indexer.errors import IndexMismatch

CHUNKER_VERSION = "structure-v6"  # v5: one section role per chunk; v6: roles of sub-headings and lead-ins


def chunker_signature(chunking: ChunkingSettings) -> str:
    """Everything that decides how a document is cut: part of each document's content hash."""
    return f"{CHUNKER_VERSION}/{chunking.chunk_size}/{chunking.chunk_overlap}/{chunking.min_chunk}"


MANIFEST_NAME = "manifest.json"


@dataclass
class Manifest:
    """The build configuration of an index; a different model or dimension means a different index."""

    model: str
    dimension: int
    chunker_version: str = CHUNKER_VERSION
    chunk_size: int = 0
    chunk_overlap: int = 0
    hnsw_threshold: int = 0
    hnsw: dict[str, int] = field(default_factory=dict)
    # Encoder backends whose vectors are in the index ("torch", "openvino"): the same model, vectors at cosine
    # ≥ 0.99 of each other, so either may query it (cross-backend retrieval measured in benchmarks/encoder.py).
    backends: list[str] = field(default_factory=list)
    thammuu_version: str = __version__
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    def check_compatible(self, model: str, dimension: int) -> None:
        """Raise IndexMismatch when the index was built with another embedding model or dimension."""
        if model != self.model or dimension != self.dimension:
            raise IndexMismatch(
                f"this index was built with model {self.model!r} (dimension {self.dimension}) but "
                f"{model!r} (dimension {dimension}) is configured; use the same model or re-index into a new "
                "directory (THAMMUU_INDEX_DIR)"
            )

    def record_backend(self, backend: str) -> bool:
        """Note that ``backend`` writes vectors into this index; True when it is new (the manifest must be saved)."""
        if backend in self.backends:
            return False
        self.backends.append(backend)
        return True

    def follow_chunker(self, chunking: ChunkingSettings) -> bool:
        """Record the configured chunker; True when it differs from the one that built the index.

        A changed chunker is not refused: every document's content hash includes ``chunker_signature``, so the
        next write run re-chunks each document (reusing the vectors of passages whose text did not change) and
        the index is never left silently mixed.
        """
        wanted = (CHUNKER_VERSION, chunking.chunk_size, chunking.chunk_overlap)
        if (self.chunker_version, self.chunk_size, self.chunk_overlap) == wanted:
            return False
        self.chunker_version, self.chunk_size, self.chunk_overlap = wanted
        return True

    def save(self, directory: Path) -> None:
        tmp = directory / (MANIFEST_NAME + ".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2, ensure_ascii=False))
        os.replace(tmp, directory / MANIFEST_NAME)

    @classmethod
    def load(cls, directory: Path) -> Manifest | None:
        path = directory / MANIFEST_NAME
        if not path.is_file():
            return None
        data = json.loads(path.read_text())
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)
