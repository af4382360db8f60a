"""Drafting service: one report from a template, section by section, under the caller's clearance; kept per owner.

A draft is classified at the highest level of what it draws on, so its exports carry the marking and a
re-indexed copy is never readable below that level. Extractive drafts quote verbatim from the chunks they
cite, so the cited chunks decide; an LLM may paraphrase any passage it was shown without citing it (or with a
wrong citation), so for LLM drafts every passage handed to the model counts. Each section carries its own
level (a stream can mark classified text as it arrives); the draft's is the highest of its sections'.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import Any

import numpy as np

from indexer.models import Classification
from indexer.retrieval.hybrid import HybridRetriever
from indexer.storage.filters import SearchFilter
from indexer.storage.records import ChunkRecord
from search_api.drafting.composition import (
    gap_paragraph,
    narrowed,
    rank_rows,
    subject_info,
    subject_title,
    table_citations,
    targets_table,
)
from search_api.drafting.extractive import DraftContext, ExtractiveDrafter, words
from search_api.drafting.llm import LlmDrafter
from search_api.drafting.models import Draft, DraftSection, Source
from search_api.drafting.passages import Guard, in_language, read_pool, relevant_documents
from search_api.drafting.request import DraftRequest, Period
from search_api.drafting.subject import gather, resolve_subject
from search_api.drafting.templates import Template, TemplateRegistry

__all__ = ["DraftRequest", "DraftService", "DraftStore", "Period"]

logger = logging.getLogger(__name__)

Recorder = Callable[[Draft], None]


class DraftStore:
    """The most recent drafts in memory (LRU); a draft is returned only to the principal who made it.

    Owners are principal ids, which never come back: a name revoked and added again (perhaps with a lower
    clearance) is a new principal with a new id, and none of the old drafts.
    """

    def __init__(self, capacity: int = 200) -> None:
        self.capacity = capacity
        self._drafts: OrderedDict[str, Draft] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, draft: Draft) -> None:
        with self._lock:
            self._drafts[draft.id] = draft
            self._drafts.move_to_end(draft.id)
            while len(self._drafts) > self.capacity:
                self._drafts.popitem(last=False)

    def get(self, draft_id: str, owner: str) -> Draft | None:
        """The draft when it exists and belongs to the principal id ``owner``; None otherwise (never tells which)."""
        with self._lock:
            draft = self._drafts.get(draft_id)
            if draft is None or not owner or draft.owner != owner:
                return None
            self._drafts.move_to_end(draft_id)
            return draft


def _blocks(template: Template, today: date) -> dict[str, Any]:
    if template.language == "vi":
        when = f"ngày {today.day:02d} tháng {today.month:02d} năm {today.year}"
    else:
        when = today.isoformat()
    return {
        "issuing_body": template.issuing_body,
        "motto": template.motto,
        "number": template.number,
        "place_date": template.place_date.replace("{date}", when),
        "doc_title": template.title,
        "recipients_heading": template.recipients_heading,
        "recipients": template.recipients,
        "signature": template.signature,
        "sources_heading": template.sources_heading,
    }


class DraftService:
    """Builds drafts with the extractive drafter (default) or the LLM drafter, and keeps them per owner."""

    def __init__(
        self,
        retriever: HybridRetriever,
        templates: TemplateRegistry,
        llm: LlmDrafter | None = None,
        store: DraftStore | None = None,
        passages_per_section: int = 8,
    ) -> None:
        self.retriever = retriever
        self.templates = templates
        self.extractive = ExtractiveDrafter()
        self.llm = llm
        self.store = store or DraftStore()
        self.k = passages_per_section

    def stream(self, request: DraftRequest, flt: SearchFilter, guard: Guard, owner: str) -> Iterator[tuple[str, Any]]:
        """Events ('start', {id}), ('section', DraftSection)…, ('done', Draft); the draft is stored before 'done'.

        ``owner`` is the caller's immutable principal id (``Principal.id``, not its name). ``flt`` must already
        be narrowed to the caller (``flt.with_access``) and ``guard`` drops any row the caller may not see.
        Raises UnknownTemplate, UnknownSubject (422: unknown and hidden alike) and LlmUnavailable.
        """
        from search_api.drafting.llm import LlmUnavailable

        template = self.templates.get(request.template, request.language)
        if request.mode == "llm" and self.llm is None:
            raise LlmUnavailable("LLM drafting is off: set THAMMUU_LLM__BASE_URL to an OpenAI-compatible endpoint")
        access = flt.access_only()
        subject = (
            resolve_subject(self.retriever, request.subject, access, template.language) if request.subject else None
        )
        scoped = narrowed(flt, request)
        # The extractive drafter quotes verbatim: a Vietnamese report quotes Vietnamese documents unless the
        # caller chose languages; the LLM drafter may read any language and write the template's.
        reading = in_language(scoped, template.language) if request.mode != "llm" else scoped
        queries = self._queries(request.topic, template)
        if subject is not None:
            scope = gather(self.retriever, subject, request.topic, reading, access)
            doc_ids: list[str] = list(scope.about)
        else:
            doc_ids = relevant_documents(self.retriever, request.topic, queries[0], reading)
            if not doc_ids and reading is not scoped:
                reading = scoped
                doc_ids = relevant_documents(self.retriever, request.topic, queries[0], reading)
        pool = read_pool(self.retriever, doc_ids, access if subject is not None else reading, guard)
        draft = Draft(
            id=uuid.uuid4().hex[:16],
            template=template.id,
            language=template.language,
            mode=request.mode,
            topic=request.topic,
            title=f"{template.subject_prefix} {subject_title(subject) or request.topic}".strip(),
            owner=owner,
            blocks=_blocks(template, date.today()),
            subject=subject_info(subject, list(pool.doc_order)),
        )
        start: dict[str, Any] = {"id": draft.id, "template": template.id, "sections": len(template.sections)}
        if draft.subject is not None:
            start["subject"] = draft.subject.model_dump(mode="json")
        yield "start", start
        ctx = DraftContext(vectors=pool.vectors, doc_order=pool.doc_order)
        rows_by_chunk = {r.chunk_id: r for r in pool.rows}
        topic_words = words(request.topic)
        offset = 1
        for spec in template.sections:
            rows = pool.with_roles(spec.roles)
            section_queries = queries[offset : offset + len(spec.hints)]
            offset += len(spec.hints)
            qvecs = np.vstack([queries[:1], section_queries])
            section: DraftSection
            if request.mode == "llm" and self.llm is not None:
                ranked = rank_rows(rows, qvecs, pool.vectors)[: self.k]
                section = self.llm.write_section(template, spec, request.topic, ranked)
                read = ranked
            else:
                hint_words = frozenset().union(*(words(h) for h in spec.hints))
                section = self.extractive.write_section(spec, rows, qvecs, topic_words | hint_words, ctx)
                read = [rows_by_chunk[c.chunk_id] for c in section.citations]
            if spec.targets and subject is not None:
                section.targets = targets_table(pool, subject.doc_id)
                read = read + [rows_by_chunk[c.chunk_id] for c in table_citations(section.targets)]
                draft.targets = section.targets
            if not section.paragraphs and not section.targets:
                section.paragraphs = [gap_paragraph(template.gap_text)]
                draft.gaps.append(spec.heading)
            section.classification = highest_level(read)
            draft.sections.append(section)
            yield "section", section
        draft.sources = sources_of(draft, rows_by_chunk)
        draft.classification = max((s.classification for s in draft.sections), default=Classification.UNCLASSIFIED)
        self.store.put(draft)
        logger.info(
            "draft %s (%s, %s): %d documents in scope, %d cited, %d targets, %d gaps, classification %s",
            draft.id,
            template.key,
            request.mode,
            len(pool.doc_order),
            len(draft.sources),
            len(draft.targets),
            len(draft.gaps),
            draft.classification.label,
        )
        yield "done", draft

    def _queries(self, topic: str, template: Template) -> np.ndarray:
        """The topic, then topic-plus-hint for every hint of every section, embedded in one call."""
        texts = [topic, *(f"{topic} {h}" for spec in template.sections for h in spec.hints)]
        return np.asarray(self.retriever.embedder.embed_queries(texts), dtype=np.float32)

    def draft(self, request: DraftRequest, flt: SearchFilter, guard: Guard, owner: str) -> Draft:
        """The whole draft at once (see ``stream``)."""
        result: Draft | None = None
        for name, payload in self.stream(request, flt, guard, owner):
            if name == "done":
                result = payload
        assert result is not None
        return result


def row_level(row: ChunkRecord) -> Classification:
    """A chunk row's classification; one that is missing or unreadable counts as the highest (fails closed)."""
    value = getattr(row, "classification", None)  # a backend bug must not read as UNCLASSIFIED
    try:
        if value is None or isinstance(value, bool):
            raise ValueError(value)
        return Classification.parse(value)
    except (TypeError, ValueError):
        logger.warning("chunk %s has no readable classification (%r): marked TUYỆT MẬT", row.chunk_id, value)
        return Classification.TUYET_MAT


def highest_level(rows: Iterable[ChunkRecord]) -> Classification:
    """The highest classification among ``rows`` (UNCLASSIFIED when there are none)."""
    return max((row_level(r) for r in rows), default=Classification.UNCLASSIFIED)


def sources_of(draft: Draft, rows: dict[int, ChunkRecord]) -> list[Source]:
    """Cited documents in order of first citation, each with the chunks cited and the highest level among them."""
    sources: dict[str, Source] = {}
    for cid in draft.cited_chunk_ids():
        row = rows[cid]
        src = sources.setdefault(
            row.doc_id,
            Source(
                doc_id=row.doc_id,
                number=row.number,
                title=row.title,
                issuer=row.issuer,
                issued_date=row.issued_date,
            ),
        )
        src.chunk_ids.append(cid)
        src.classification = max(src.classification, row_level(row))
    return list(sources.values())
