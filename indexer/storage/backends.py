"""The one place a storage backend is chosen: ``open_backend`` builds the store and the vector source.

``THAMMUU_STORAGE__URL=postgresql://…`` (or ``--storage URL`` on the CLI) selects PostgreSQL + pgvector; without
it, the embedded index directory (SQLite + faiss) as always. Each backend is imported lazily, so the embedded one
needs no PostgreSQL driver. Both pass ``tests/test_store_contract.py``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from indexer.config import Settings
from indexer.storage.contracts import Store, VectorSource
from indexer.storage.manifest import Manifest

STORE_NAME = "store.sqlite"
VECTORS_NAME = "vectors.faiss"


@dataclass(frozen=True)
class Backend:
    """A store (documents + lexical index), the source of its vector index, and where its manifest lives."""

    store: Store
    vectors: VectorSource
    location: str
    """Where the index is, for logs and the admin's health view (a URL without its password)."""
    load_manifest: Callable[[], Manifest | None]
    save_manifest: Callable[[Manifest], None]
    size_bytes: Callable[[], int]


def redact_url(url: str) -> str:
    """A database URL with its password replaced by ``***``."""
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", url)


def backend_exists(settings: Settings, directory: Path) -> bool:
    """Whether the configured backend holds an index (a store with a manifest)."""
    if settings.storage.is_postgres:
        return open_backend(settings, directory).load_manifest() is not None
    return (directory / STORE_NAME).is_file() and Manifest.load(directory) is not None


def open_backend(settings: Settings, directory: Path) -> Backend:
    """PostgreSQL when ``settings.storage.url`` names a server (migrated on open); otherwise the SQLite store
    ``store.sqlite`` (created when absent) and faiss vectors ``vectors.faiss`` of an index directory."""
    if settings.storage.is_postgres:
        return _open_postgres(settings)
    from indexer.storage.faiss_files import FaissFiles
    from indexer.storage.sqlite_store import SQLiteStore

    def size() -> int:
        return sum(p.stat().st_size for p in directory.iterdir() if p.is_file())

    return Backend(
        SQLiteStore(directory / STORE_NAME),
        FaissFiles(directory / VECTORS_NAME, settings.vectors),
        str(directory),
        lambda: Manifest.load(directory),
        lambda manifest: manifest.save(directory),
        size,
    )


def _open_postgres(settings: Settings) -> Backend:
    try:
        from indexer.storage.pgvector_index import PgVectorSource
        from indexer.storage.postgres_store import PostgresStore
    except ImportError as exc:  # the driver is an extra
        from indexer.errors import StorageUnavailable

        raise StorageUnavailable(
            f"the PostgreSQL backend needs its driver: pip install 'thammuu[postgres]' ({exc})"
        ) from exc
    url = str(settings.storage.url)
    store = PostgresStore(url)
    return Backend(
        store,
        PgVectorSource(settings.vectors, settings.storage.vector_type, settings.storage.vector_scan),
        redact_url(url),
        store.load_manifest,
        store.save_manifest,
        store.size_bytes,
    )
