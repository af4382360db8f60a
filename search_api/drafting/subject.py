"""The subject of a review report and the documents about it.

A sơ kết / tổng kết report reviews one document (a resolution, directive or conclusion). The drafter resolves the
number the user typed, in any variant ("05-NQ/TU", "NQ 05", Bengali digits), to a document the caller may see —
an unknown number and a hidden one get the same answer — and gathers the documents about it: those holding a
relation toward it (a plan that implements it, a report on it), and those the topic retrieves, within the
period and unit, whose text cites its number.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from indexer.errors import ThammuuError
from indexer.retrieval.hybrid import HybridRetriever
from indexer.storage.filters import SearchFilter
from indexer.storage.records import DocumentRecord
from indexer.understanding.numbers import find_numbers, number_key, short_key

logger = logging.getLogger(__name__)

# Relation kinds that make a document "about" the subject: it implements, details, reports on or amends it.
ABOUT_KINDS = ("implements", "guides", "amends", "basis", "corrects", "consolidates")
_PREFERRED_TYPES = ("nghị quyết", "chỉ thị", "kết luận", "quy định", "chương trình", "kế hoạch")


class UnknownSubject(ThammuuError, ValueError):
    """The subject names no document the caller may see (unknown and hidden read the same): 422."""

    code = "unknown_subject"
    status = 422


@dataclass(frozen=True)
class SubjectScope:
    """What a draft is drawn from: the subject (when named) and the documents about it, subject first."""

    subject: DocumentRecord | None
    about: tuple[str, ...]


def subject_keys(subject: str) -> list[str]:
    """Lookup keys of the number typed as the subject (every variant the number parser knows)."""
    keys = find_numbers(subject)
    if not keys:
        key = number_key(subject)
        keys = [key] if key and any(c.isdigit() for c in key) and any(c.isalpha() for c in key) else []
    return keys


def resolve_subject(
    retriever: HybridRetriever, subject: str, access: SearchFilter, language: str | None = None
) -> DocumentRecord:
    """The visible document the subject number names; raises UnknownSubject otherwise (never saying which).

    Several documents can hold one number (a resolution and its translations, an "NQ 05" of two committees):
    the exact number first, then the draft's language, then the kind of document a review is about, the oldest.
    """
    keys = subject_keys(subject)
    store = retriever.index.store
    ids = store.docs_by_number(keys, access) if keys else []
    docs = [d for d in (store.document(i, access) for i in ids) if d is not None]
    if not docs:
        raise UnknownSubject(f"subject {subject[:60]!r}: no document with this number among those you may see")
    full = set(keys[:3])  # canonical, folded and separator-free forms: an exact number beats an "NQ 05" match

    def rank(d: DocumentRecord) -> tuple[int, int, int, str]:
        exact = 0 if d.number and number_key(d.number) in {number_key(k) for k in full} else 1
        same_language = 0 if language is None or d.language == language else 1
        kind = 0 if (d.doc_type or "").lower() in _PREFERRED_TYPES else 1
        return exact, same_language, kind, d.issued_date or "9999"

    return min(docs, key=rank)


HEAD_CHARS = 700  # a report names what it reports on in its header and title, within its opening lines


def is_about(doc: DocumentRecord, keys: set[str]) -> bool:
    """Whether a document is about the subject by its own title: the subject's number (a full number, not a
    bare "NQ 05") in its title or opening lines. A document that cites it in passing further down is not."""
    head = f"{doc.title or ''}\n{doc.text[:HEAD_CHARS]}"
    return bool(keys & set(find_numbers(head)))


def gather(
    retriever: HybridRetriever,
    subject: DocumentRecord | None,
    topic: str,
    flt: SearchFilter,
    access: SearchFilter,
    *,
    candidates: int = 60,
) -> SubjectScope:
    """The documents a draft draws on.

    With a subject: the subject, then the visible documents related to it, then those the topic (and the
    subject's number) retrieves that cite its number — the latter two within ``flt`` (period, unit, …).
    Without one: the documents the topic retrieves (``relevant_documents`` keeps the relevant ones).
    """
    store = retriever.index.store
    if subject is None:
        return SubjectScope(None, ())
    keys = set(find_numbers(subject.number or "")) - {short_key(subject.number or "") or ""}
    about: dict[str, None] = {subject.doc_id: None}
    for doc_id in store.docs_related_to(subject.doc_id, ABOUT_KINDS, access):
        if store.document(doc_id, flt) is not None:  # within the period, unit and other filters
            about.setdefault(doc_id, None)
    query = f"{topic} {subject.number or ''}".strip()
    result = retriever.search(query, candidates, "hybrid", replace(flt, exclude_doc_ids=tuple(about)))
    rows = store.chunks([cid for cid, _ in result.hits])
    for cid, _ in result.hits:
        row = rows.get(cid)
        if row is None or row.doc_id in about:
            continue
        doc = store.document(row.doc_id, flt)
        if doc is not None and is_about(doc, keys):
            about.setdefault(row.doc_id, None)
    logger.info("subject %s: %d documents about it", subject.number, len(about))
    return SubjectScope(subject, tuple(about))
