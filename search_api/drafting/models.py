"""The draft's data: sections of paragraphs, each paragraph with its citations and whether it is supported.

Classification in JSON, for a draft and for each of its sources: ``classification`` is the label, as search
hits and documents print it ("unclassified", "MẬT", "TỐI MẬT", "TUYỆT MẬT"), and ``classification_level`` the
level 0–3. In Python ``classification`` is a ``Classification`` (an ``IntEnum``, so levels compare as ints).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, Field, PlainSerializer, computed_field

from indexer.models import Classification

DraftMode = Literal["extractive", "llm"]


def _parse_level(value: object) -> Classification:
    # None would parse as the alias 'none' (level 0): a missing level must be refused, never read as public.
    if value is None or isinstance(value, bool):
        raise ValueError("a classification level is required")
    return Classification.parse(value)


Level = Annotated[
    Classification,
    BeforeValidator(_parse_level),
    PlainSerializer(lambda c: Classification(c).label, return_type=str, when_used="json"),
]
"""A classification level: read from an int, an enum or a marking ('TỐI MẬT'); written to JSON as its label."""


class Citation(BaseModel):
    """A passage a paragraph rests on: document, chunk, its number and section (e.g. 57-NQ/TW, Điều 3)."""

    doc_id: str
    chunk_id: int
    number: str | None = None
    section: str = ""
    label: str = Field("", description="How it is printed, e.g. '[57-NQ/TW, Điều 3]'.")


class Paragraph(BaseModel):
    """One paragraph of a section; ``supported`` is false when its citations were not verified."""

    text: str
    citations: list[Citation] = Field(default_factory=list)
    supported: bool = True
    note: str = Field("", description="Why a paragraph is unsupported (wrong or missing citation).")
    sentences: list[str] = Field(default_factory=list, description="Extractive: the verbatim source sentences.")
    gap: bool = Field(False, description="The placeholder of a section no source supports (quotes nothing).")


class TargetResult(BaseModel):
    """A verbatim sentence of a report that states a result on a target's indicator, with its citation."""

    text: str
    citation: Citation


class TargetRow(BaseModel):
    """One quantitative target of the subject (verbatim) and the reported results linked to it; ``results`` is
    empty when no source reports on it (staff fill the row in)."""

    text: str
    citation: Citation
    results: list[TargetResult] = Field(default_factory=list)


class DraftSection(BaseModel):
    """A numbered section of the report, with the level of what it draws on (so a stream can mark it at once)."""

    heading: str
    paragraphs: list[Paragraph] = Field(default_factory=list)
    targets: list[TargetRow] = Field(
        default_factory=list, description="The targets table, in the section that holds it (see Draft.targets)."
    )
    classification: Level = Field(
        Classification.UNCLASSIFIED,
        description="Highest level among the passages this section quotes (extractive) or was written from (LLM).",
    )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def classification_level(self) -> int:
        """The level as 0–3 (``classification`` is its label in JSON)."""
        return int(self.classification)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def text(self) -> str:
        """The section as plain paragraphs, each followed by its citation labels (for simple clients)."""
        return "\n\n".join(f"{p.text} {' '.join(c.label for c in p.citations)}".strip() for p in self.paragraphs)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def citations(self) -> list[Citation]:
        """Every citation of the section, without repeats."""
        seen: dict[int, Citation] = {}
        for p in self.paragraphs:
            for c in p.citations:
                seen.setdefault(c.chunk_id, c)
        return list(seen.values())


class SubjectInfo(BaseModel):
    """The document a review report is about, and the documents drafted from as being about it."""

    doc_id: str
    number: str | None = None
    title: str | None = None
    doc_type: str | None = None
    issued_date: str | None = None
    about: list[str] = Field(default_factory=list, description="Documents about the subject (ids), subject first.")


class Source(BaseModel):
    """A document cited anywhere in the draft."""

    doc_id: str
    number: str | None = None
    title: str | None = None
    issuer: str | None = None
    issued_date: str | None = None
    chunk_ids: list[int] = Field(default_factory=list)
    classification: Level = Field(
        Classification.UNCLASSIFIED, description="Highest level among the chunks of this document the draft cites."
    )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def classification_level(self) -> int:
        """The level as 0–3 (``classification`` is its label in JSON)."""
        return int(self.classification)


class Draft(BaseModel):
    """A whole report draft plus the template's fixed blocks needed to export it.

    ``owner`` is the immutable id of the principal who made it (never its name: a name revoked and added again
    is another principal); it is kept out of every public answer. ``classification`` is the highest level of
    what the draft draws on, and the DOCX and Markdown exports carry it as their security marking.
    """

    id: str
    template: str
    language: str
    mode: DraftMode = "extractive"
    topic: str
    title: str
    owner: str = Field("", description="Immutable id of the principal who made the draft (never made public).")
    classification: Level = Field(
        Classification.UNCLASSIFIED,
        description="Highest level among the passages the draft quotes (extractive) or was written from (LLM).",
    )
    created: str = Field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    sections: list[DraftSection] = Field(default_factory=list)
    subject: SubjectInfo | None = Field(None, description="The reviewed document, when the request named one.")
    targets: list[TargetRow] = Field(default_factory=list, description="The subject's targets and their results.")
    gaps: list[str] = Field(default_factory=list, description="Headings of sections no source supports.")
    sources: list[Source] = Field(default_factory=list)
    blocks: dict[str, Any] = Field(default_factory=dict, description="Issuing body, motto, number, place/date…")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def classification_level(self) -> int:
        """The level as 0–3 (``classification`` is its label in JSON)."""
        return int(self.classification)

    @property
    def marking(self) -> str | None:
        """The security marking to print ('TỐI MẬT'), or None for an unclassified draft (no marking at all)."""
        return self.classification.label if self.classification > Classification.UNCLASSIFIED else None

    def cited_chunk_ids(self) -> list[int]:
        """Every chunk id cited (sections, then the targets table), in order of first citation."""
        seen: dict[int, None] = {}
        for s in self.sections:
            for p in s.paragraphs:
                for c in p.citations:
                    seen.setdefault(c.chunk_id, None)
        for row in self.targets:
            seen.setdefault(row.citation.chunk_id, None)
            for r in row.results:
                seen.setdefault(r.citation.chunk_id, None)
        return list(seen)
