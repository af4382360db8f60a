"""The draft's data: sections of paragraphs, each paragraph with its citations and whether it is supported."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, computed_field

DraftMode = Literal["extractive", "llm"]


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


class DraftSection(BaseModel):
    """A numbered section of the report."""

    heading: str
    paragraphs: list[Paragraph] = Field(default_factory=list)

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


class Source(BaseModel):
    """A document cited anywhere in the draft."""

    doc_id: str
    number: str | None = None
    title: str | None = None
    issuer: str | None = None
    issued_date: str | None = None
    chunk_ids: list[int] = Field(default_factory=list)


class Draft(BaseModel):
    """A whole report draft plus the template's fixed blocks needed to export it."""

    id: str
    template: str
    language: str
    mode: DraftMode = "extractive"
    topic: str
    title: str
    owner: str = ""
    created: str = Field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    sections: list[DraftSection] = Field(default_factory=list)
    sources: list[Source] = Field(default_factory=list)
    blocks: dict[str, Any] = Field(default_factory=dict, description="Issuing body, motto, number, place/date…")

    def cited_chunk_ids(self) -> list[int]:
        """Every chunk id cited, in order of first citation."""
        seen: dict[int, None] = {}
        for s in self.sections:
            for p in s.paragraphs:
                for c in p.citations:
                    seen.setdefault(c.chunk_id, None)
        return list(seen)
