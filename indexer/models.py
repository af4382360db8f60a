"""The shared vocabulary of the indexer: documents, their identity, pages and chunks."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from indexer.understanding.relations import Relation


class Classification(IntEnum):
    """Ordered classification levels; a principal sees a document when its clearance is >= the level."""

    UNCLASSIFIED = 0
    MAT = 1  # MẬT (confidential)
    TOI_MAT = 2  # TỐI MẬT (secret)
    TUYET_MAT = 3  # TUYỆT MẬT (top secret)

    @property
    def label(self) -> str:
        return _LABELS[self]

    @classmethod
    def parse(cls, value: object) -> Classification:
        """Accept an int 0–3, an enum name or a marking label ('MẬT', 'toi mat', 'Tuyệt mật (A)', 'secret').

        Delegates to ``indexer.understanding.markings.parse_classification_value``; None and "" read as
        UNCLASSIFIED here (callers that must tell "not given" apart use that function), anything unreadable is a
        ValueError.
        """
        from indexer.errors import InvalidClassification
        from indexer.understanding.markings import parse_classification_value

        try:
            level = parse_classification_value(value)
        except InvalidClassification as exc:
            raise ValueError(str(exc)) from None
        return cls.UNCLASSIFIED if level is None else level


_LABELS = {
    Classification.UNCLASSIFIED: "unclassified",
    Classification.MAT: "MẬT",
    Classification.TOI_MAT: "TỐI MẬT",
    Classification.TUYET_MAT: "TUYỆT MẬT",
}


@dataclass
class DocumentIdentity:
    """What an official document says about itself (số hiệu, type, issuer, date, …)."""

    number: str | None = None
    number_variants: list[str] = field(default_factory=list)
    doc_type: str | None = None
    issuer: str | None = None
    place: str | None = None
    issued_date: str | None = None  # ISO YYYY-MM-DD
    title: str | None = None
    term: str | None = None
    classification: Classification = Classification.UNCLASSIFIED
    classification_source: str = "default"  # where the level came from: "text line 1: 'MẬT'", "metadata field …"
    unit: str | None = None
    language: str = "vi"
    effective_date: str | None = None  # ISO; from the text ("có hiệu lực từ ngày …") or metadata
    expiry_date: str | None = None  # ISO; "hết hiệu lực …", "thời hạn … đến ngày …"
    issuer_raw: str | None = None  # the issuer as the document prints it; ``issuer`` is its canonical name

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["classification"] = int(self.classification)
        return d


@dataclass
class PageSpan:
    """One page of the source and where its text sits in the document text."""

    number: int
    start: int
    end: int
    ocr: bool = False
    ocr_confidence: float | None = None


@dataclass
class ParsedDocument:
    """What a parser returns: text with page spans and any metadata the format carries."""

    text: str
    pages: list[PageSpan] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    key: str | None = None  # record id inside a multi-document source (JSONL)


@dataclass
class Document:
    """A document ready for chunking: stable id, source, hash, text and identity."""

    doc_id: str
    source: str
    content_hash: str
    text: str
    identity: DocumentIdentity
    pages: list[PageSpan] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    relations: list[Relation] = field(default_factory=list)  # what it amends, replaces, implements, …
    date_notes: dict[str, str] = field(default_factory=dict)  # the sentences its effective / expiry dates come from

    @property
    def ocr_pages(self) -> list[int]:
        return [p.number for p in self.pages if p.ocr]


@dataclass
class Chunk:
    """A passage of a document with its place in the structure and the text the embedder sees."""

    doc_id: str
    ordinal: int
    text: str
    section: str = ""
    pages: list[int] = field(default_factory=list)
    char_start: int = 0
    char_end: int = 0
    embed_text: str = ""
    role: str = ""  # the section's role (indexer.understanding.section_roles.SectionRole), "" when none


@dataclass(frozen=True)
class RecordProblem:
    """One skipped line: its number, the record id when it could be read, and why."""

    line: int
    reason: str
    key: str | None = None

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"
