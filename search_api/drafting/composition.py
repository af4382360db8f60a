"""Pieces of a draft's composition: the request's scope as a filter, ranking, the targets table, gaps."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from indexer.storage.filters import SearchFilter
from indexer.storage.records import ChunkRecord, DocumentRecord
from search_api.drafting.models import Citation, Paragraph, SubjectInfo, TargetResult, TargetRow
from search_api.drafting.sentences import citation_for
from search_api.drafting.targets import extract_targets, link_results, result_candidates

if TYPE_CHECKING:
    from search_api.drafting.passages import Pool
    from search_api.drafting.request import DraftRequest


def narrowed(flt: SearchFilter, request: DraftRequest) -> SearchFilter:
    """The caller's filter narrowed to the request's period (issue dates) and unit; never widened."""
    out = flt
    if request.period is not None:
        lo = request.period.date_from.isoformat() if request.period.date_from else None
        hi = request.period.date_to.isoformat() if request.period.date_to else None
        out = replace(
            out,
            date_from=max(filter(None, (out.date_from, lo)), default=None),
            date_to=min(filter(None, (out.date_to, hi)), default=None),
        )
    if request.unit:
        unit = request.unit.strip()
        units = (unit,) if out.units is None else tuple(u for u in out.units if u == unit)
        out = replace(out, units=units)
    return out


def rank_rows(rows: list[ChunkRecord], queries: np.ndarray, vectors: dict[int, np.ndarray]) -> list[ChunkRecord]:
    """Rows by their best similarity to any of the queries, best first (rows without a vector last)."""

    def score(row: ChunkRecord) -> float:
        vec = vectors.get(row.chunk_id)
        return float(np.max(queries @ vec)) if vec is not None and len(queries) else -1.0

    return sorted(rows, key=score, reverse=True)


def targets_table(pool: Pool, subject_id: str) -> list[TargetRow]:
    """The subject's targets, each with the results the other documents in scope report on its indicator."""
    subject_rows = [r for r in pool.rows if r.doc_id == subject_id]
    targets = extract_targets(subject_rows)
    if not targets:
        return []
    ordered = sorted(pool.rows, key=lambda r: (pool.doc_order.get(r.doc_id, 0), r.ordinal))
    linked = link_results(targets, result_candidates(ordered, subject_id))
    return [
        TargetRow(
            text=t.text,
            citation=citation_for(t.row),
            results=[TargetResult(text=q.text, citation=citation_for(q.row)) for q in results],
        )
        for t, results in zip(targets, linked, strict=True)
    ]


def table_citations(rows: list[TargetRow]) -> list[Citation]:
    """Every citation of a targets table."""
    return [c for row in rows for c in (row.citation, *(r.citation for r in row.results))]


def gap_paragraph(text: str) -> Paragraph:
    """The one paragraph of a section no source supports: says so, quotes nothing, cites nothing."""
    return Paragraph(
        text=text, citations=[], supported=True, gap=True, note="no source of the roles this section accepts"
    )


def subject_title(subject: DocumentRecord | None) -> str | None:
    """How the draft's title names the subject ("Nghị quyết số 05-NQ/TU …")."""
    if subject is None:
        return None
    kind = subject.doc_type or ""
    number = f"số {subject.number}" if subject.number else ""
    return " ".join(p for p in (kind, number, subject.title or "") if p).strip() or None


def subject_info(subject: DocumentRecord | None, about: list[str]) -> SubjectInfo | None:
    """The subject as the draft reports it."""
    if subject is None:
        return None
    return SubjectInfo(
        doc_id=subject.doc_id,
        number=subject.number,
        title=subject.title,
        doc_type=subject.doc_type,
        issued_date=subject.issued_date,
        about=about,
    )
