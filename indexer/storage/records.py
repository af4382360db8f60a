"""What a store returns: typed, immutable records instead of rows (any backend builds the same ones)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from indexer.understanding.review import FieldReview, reviews_from_metadata


class ChunkHit(NamedTuple):
    """One retrieval hit: a passage and its score (higher is better).

    A NamedTuple rather than a dataclass: it is immutable all the same and still unpacks as the
    ``(chunk_id, score)`` pair that fusion, paging and ``dict(hits)`` work with.
    """

    chunk_id: int
    score: float


@dataclass(frozen=True)
class StoredDocument:
    """What incremental indexing needs to know of a stored document."""

    doc_id: str
    source: str
    content_hash: str


@dataclass(frozen=True)
class DocumentRecord:
    """A stored document: where it came from, its identity, its access labels and its text."""

    doc_id: str
    source: str
    content_hash: str
    text: str
    number: str | None = None
    doc_type: str | None = None
    issuer: str | None = None
    place: str | None = None
    issued_date: str | None = None
    title: str | None = None
    term: str | None = None
    classification: int = 0
    unit: str | None = None
    language: str | None = None
    page_count: int = 0
    pages: tuple[dict[str, Any], ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict)
    source_root: str = ""
    indexed_at: str = ""
    effective_date: str | None = None
    expiry_date: str | None = None
    date_notes: dict[str, str] = field(default_factory=dict)

    @property
    def issuer_raw(self) -> str | None:
        """The issuer as the document prints it, when it differs from the canonical ``issuer``."""
        raw = self.metadata.get("issuer_raw")
        return str(raw) if raw else None

    @property
    def reviews(self) -> dict[str, FieldReview]:
        """Each identity field's confidence and review flag, as indexing judged them (empty for a document
        indexed before reviews existed)."""
        return reviews_from_metadata(self.metadata)


@dataclass(frozen=True)
class ChunkRecord:
    """A stored passage joined with its document's identity and access labels (what a hit shows and cites)."""

    chunk_id: int
    doc_id: str
    ordinal: int
    text: str
    section: str = ""
    pages: tuple[int, ...] = ()
    char_start: int = 0
    char_end: int = 0
    number: str | None = None
    doc_type: str | None = None
    issuer: str | None = None
    issued_date: str | None = None
    title: str | None = None
    classification: int = 0
    unit: str | None = None
    language: str | None = None
    source: str = ""
    role: str = ""  # the section's role (targets, results, limitations, …), "" when its heading names none
    effective_date: str | None = None
    expiry_date: str | None = None


@dataclass(frozen=True)
class RelationLink:
    """A relation seen from one document: outgoing (``kind`` as stated, e.g. "replaces") or incoming (the
    reverse, e.g. "replaced_by"). ``doc_id`` links the other document when it is indexed and visible to the
    caller; otherwise it is None and ``number`` is what the visible document's own text says (an outgoing
    relation to a document the caller may not see reads exactly like one to a document not indexed at all;
    an incoming relation from such a document is never returned)."""

    kind: str
    direction: str  # "out" | "in"
    number: str | None
    doc_id: str | None = None
    title: str | None = None
    doc_type: str | None = None
    issued_date: str | None = None
    sentence: str = ""
    scope: str | None = None


@dataclass(frozen=True)
class IncomingLink:
    """A relation another visible document holds toward a document, with that source's effective date: what
    validity is computed from."""

    target_doc_id: str
    kind: str
    source_doc_id: str
    source_number: str | None
    source_effective: str | None
    sentence: str
    scope: str | None


@dataclass(frozen=True)
class FacetCounts:
    """Visible documents in total and, per facet (doc_type, issuer, year, language), (value, count) best first."""

    total: int
    values: dict[str, list[tuple[str, int]]]
