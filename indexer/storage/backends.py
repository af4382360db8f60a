"""The one place a storage backend is chosen: ``open_backend`` builds the store and the vector source.

Only SQLite + faiss exists today; a second backend (PostgreSQL) adds its branch here, imported lazily, and
passes ``tests/contracts/``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from indexer.config import Settings
from indexer.storage.contracts import Store, VectorSource

STORE_NAME = "store.sqlite"
VECTORS_NAME = "vectors.faiss"


@dataclass(frozen=True)
class Backend:
    """A store (documents + lexical index) and the source of its vector index."""

    store: Store
    vectors: VectorSource


def backend_exists(directory: Path) -> bool:
    """Whether ``directory`` holds a store this backend can open."""
    return (directory / STORE_NAME).is_file()


def open_backend(settings: Settings, directory: Path) -> Backend:
    """The SQLite store ``store.sqlite`` (created when absent) and faiss vectors ``vectors.faiss`` of an index
    directory."""
    from indexer.storage.faiss_files import FaissFiles
    from indexer.storage.sqlite_store import SQLiteStore

    return Backend(SQLiteStore(directory / STORE_NAME), FaissFiles(directory / VECTORS_NAME, settings.vectors))
