"""The contracts of a storage backend: a document store, a lexical index and a vector index.

A backend (SQLite + faiss today; PostgreSQL next) implements these and joins in one place,
``indexer.storage.backends.open_backend``. Everything above storage (retrieval, services, security, the CLI)
talks to these Protocols only; ``tests/contracts/`` is the suite every backend must pass.

Guarantees every backend gives, whatever it is built on:

- **Access inside the backend.** Every read that can reveal a document takes a ``SearchFilter`` and applies
  all of it, its clearance (``max_classification``) and unit scope (``units``, ``unitless_visible``) included,
  inside the query, before any top-k: a caller never receives, and a top-k never loses a slot to, something
  the filter excludes. (``chunks`` and ``document_chunks`` take ids a filtered read already returned.)
- **Scores and vocabulary depend only on what the caller may see.** Lexical statistics are those of the levels
  ``max_classification`` allows (see ``sqlite_lexical``); the vocabulary is that of those levels and units.
- **Writes are atomic per batch.** ``write_documents`` and ``delete_documents`` commit everything or nothing and
  bump the generation once; readers never see half a document.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol, runtime_checkable

import numpy as np

from indexer.models import Chunk, Document
from indexer.storage.filters import SearchFilter
from indexer.storage.records import (
    ChunkHit,
    ChunkRecord,
    DocumentRecord,
    FacetCounts,
    IncomingLink,
    RelationLink,
    StoredDocument,
)

Vocab = dict[str, list[tuple[str, int]]]
WriteItem = tuple[Document, str, Sequence[Chunk], Sequence[str], np.ndarray]
"""(document, source root, its chunks, their embedder-input hashes, their vectors (n, dimension))."""


@runtime_checkable
class DocumentStore(Protocol):
    """Documents, their passages and the passages' vectors: the source of truth of an index."""

    def generation(self) -> int:
        """A counter bumped once by every commit that changes passages (0 for an empty store); a reader whose
        vector index reflects another generation reloads it."""
        ...

    def write_documents(self, items: Sequence[WriteItem]) -> None:
        """Replace each document (by ``doc_id``) with its chunks, vectors, number variants and lexical entries,
        all items in one atomic commit; raises ``ValueError`` when chunks, hashes and vectors differ in length
        (nothing is written then)."""
        ...

    def delete_documents(self, doc_ids: Sequence[str]) -> None:
        """Remove documents with everything derived from them, in one commit; unknown ids are ignored and an
        empty list commits nothing (the generation does not move)."""
        ...

    def documents_under(self, source_root: str) -> dict[str, StoredDocument]:
        """The documents indexed from one source root, keyed by doc_id (for incremental updates)."""
        ...

    def hash_of(self, doc_id: str) -> str | None:
        """The content hash a document was indexed with, or None when it is not stored."""
        ...

    def vectors_by_embed_hash(self, hashes: Iterable[str]) -> dict[str, np.ndarray]:
        """Stored vectors of passages whose embedder input had these hashes (unknown hashes are absent), so an
        unchanged passage is never embedded again."""
        ...

    def all_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """(chunk ids int64, vectors float32 (n, dimension)) of every passage, for (re)building a vector index;
        two empty arrays for an empty store."""
        ...

    def allowed_chunk_ids(self, flt: SearchFilter) -> np.ndarray:
        """Ids (int64) of every passage ``flt`` lets through: what a vector search may consider."""
        ...

    def chunks(self, chunk_ids: Sequence[int]) -> dict[int, ChunkRecord]:
        """Passages with their document's identity, keyed by chunk id; ids not stored are absent (a passage
        deleted since it was retrieved), never an error."""
        ...

    def document(self, doc_id: str, flt: SearchFilter) -> DocumentRecord | None:
        """One document when it exists and ``flt`` lets it through; None otherwise (the same answer for both,
        so a caller cannot tell a hidden document from a missing one)."""
        ...

    def document_chunks(self, doc_id: str) -> list[ChunkRecord]:
        """A document's passages by ordinal (empty when it is not stored); call it for a visible document."""
        ...

    def docs_by_number(self, variants: Sequence[str], flt: SearchFilter) -> list[str]:
        """Ids of the documents ``flt`` lets through that carry any of these canonical number variants."""
        ...

    def chunk_vectors(self, chunk_ids: Sequence[int]) -> dict[int, np.ndarray]:
        """The stored vector of each chunk id (ids a filtered read already returned)."""
        ...

    def mean_vector(self, doc_id: str) -> np.ndarray | None:
        """The L2-normalised mean of a document's passage vectors; None when it has no passages."""
        ...

    def facet_counts(self, flt: SearchFilter, doc_ids: Sequence[str] | None = None, limit: int = 50) -> FacetCounts:
        """Counts of the documents ``flt`` lets through (among ``doc_ids`` when given; empty means none) by
        doc_type, issuer, year and language, most frequent first, ``limit`` values per facet."""
        ...

    def stats(self, flt: SearchFilter | None = None) -> dict[str, int]:
        """{"documents": n, "chunks": n}, over what ``flt`` lets through when given."""
        ...

    def doc_ids_matching(self, flt: SearchFilter) -> list[str]:
        """Ids of every document ``flt`` lets through (all of it, access included)."""
        ...

    def chunk_doc_ids(self) -> dict[int, str]:
        """Every chunk id with its document id (evaluation maps passages to judged documents; no filter)."""
        ...

    def relations_of(self, doc_id: str, flt: SearchFilter) -> list[RelationLink]:
        """A visible document's relations, outgoing then incoming. Targets resolve by number to documents the
        filter's access part allows, else stay unlinked (exactly as if not indexed); incoming relations come
        only from documents it allows."""
        ...

    def incoming_links(self, doc_ids: Sequence[str] | None, flt: SearchFilter) -> dict[str, list[IncomingLink]]:
        """Per document (all when None), the relations documents visible under ``flt``'s access hold toward it."""
        ...

    def docs_related_to(self, doc_id: str, kinds: Sequence[str], flt: SearchFilter) -> list[str]:
        """Visible documents holding a relation of one of ``kinds`` toward ``doc_id``, oldest first."""
        ...

    def document_dates(self, doc_ids: Sequence[str]) -> dict[str, tuple[str | None, str | None]]:
        """(effective_date, expiry_date) per document id (ids a filtered read already returned)."""
        ...

    def close(self) -> None:
        """Release this thread's connection; the store may be used again afterwards (it reconnects)."""
        ...


@runtime_checkable
class LexicalIndex(Protocol):
    """BM25 over the passages' exact and diacritic-folded words, and the vocabulary of their word forms.

    The query language is the index's business: callers pass tokens, never a query string of the backend.
    """

    def lexical_search(
        self,
        tokens: Sequence[str],
        flt: SearchFilter,
        k: int,
        weights: tuple[float, float] = (1.0, 0.7),
        *,
        bigrams: bool = False,
    ) -> list[ChunkHit]:
        """Up to k (chunk_id, score) best first (higher is better) of the passages ``flt`` lets through holding
        any token in its exact form or its folded form. ``weights`` weigh the exact and folded columns;
        ``bigrams`` adds each pair of adjacent tokens as a phrase. Scores use the statistics of the levels the
        filter allows only. Returns [] for no tokens and for a query the backend cannot run (logged)."""
        ...

    def vocab_exact_forms(self, folded: Sequence[str], flt: SearchFilter | None = None) -> Vocab:
        """For folded words, their exact (marked) forms with counts in the passages of the levels and units
        ``flt`` allows (every passage without a filter); words with no visible form are absent."""
        ...


@runtime_checkable
class Store(DocumentStore, LexicalIndex, Protocol):
    """A document store that is also its own lexical index (SQLite with FTS5; PostgreSQL with its text search)."""


@runtime_checkable
class VectorIndex(Protocol):
    """Nearest-neighbour search by inner product (cosine: vectors are L2-normalised) over int64 chunk ids."""

    @property
    def size(self) -> int:
        """How many vectors the index holds."""
        ...

    @property
    def kind(self) -> str:
        """What the index is, for health and statistics ("flat-ip", "hnsw(M=32,…)")."""
        ...

    def search(self, query: np.ndarray, k: int, flt: SearchFilter) -> list[ChunkHit]:
        """Up to k (chunk_id, score) best first of the passages ``flt`` lets through. The filter (access part
        included) restricts the search inside the index, before the top-k: nothing it excludes is ever returned
        or takes a slot. How it is applied is the backend's business (faiss: an allow-bitmap of the chunks'
        access labels and the store's ids for user filters; PostgreSQL: the same SQL ``WHERE``)."""
        ...


@runtime_checkable
class VectorSource(Protocol):
    """Keeps a backend's vector index in step with its store."""

    def current(self, generation: int, store: DocumentStore, dimension: int) -> VectorIndex:
        """The vector index reflecting (at least) ``generation`` of ``store``, bound to ``store`` for its filters:
        brought up to date however the backend can (faiss: in place from the store's change log, else the saved
        file, else rebuilt from the store and saved)."""
        ...


@runtime_checkable
class SavesVectors(Protocol):
    """A ``VectorSource`` that keeps its index in memory and saves it when asked (optional: a backend whose
    vectors live in its database has nothing to save)."""

    def save_vectors(self, store: DocumentStore) -> None:
        """Persist the in-memory vector index (after a write run), so the next reader starts from it."""
        ...
