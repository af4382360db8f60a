"""Whether a document is in force on a given day, from its own dates and what other documents say about it.

A document's own text gives when it takes effect and, rarely, when it ends (``effective_dates``); other
documents replace, repeal or amend it (``relations``, seen from the target's side as ``IncomingRelation``).
The status follows one order, the first that applies:

1. replaced or repealed as a whole by a document in effect on that day → ``replaced`` / ``repealed``;
2. its own end date reached → ``expired``;
3. its effective date still ahead → ``not_yet_in_force``;
4. amended, or partly repealed or replaced, by a document in effect → ``partly_amended``;
5. effective on or before that day → ``in_force``;
6. nothing known → ``unknown``.

A relation whose source has no date is not applied: the day it acts is unknown. The in-force search filter
drops ``EXCLUDED_BY_IN_FORCE`` and keeps ``in_force``, ``partly_amended`` and ``unknown`` (an undated document
is not hidden for lack of a date).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from indexer.understanding.relation_rules import RelationKind

__all__ = ["EXCLUDED_BY_IN_FORCE", "IncomingRelation", "Validity", "ValidityStatus", "validity_as_of"]


class Validity(StrEnum):
    """A document's standing on one day."""

    IN_FORCE = "in_force"
    NOT_YET_IN_FORCE = "not_yet_in_force"
    REPLACED = "replaced"
    REPEALED = "repealed"
    PARTLY_AMENDED = "partly_amended"
    EXPIRED = "expired"
    UNKNOWN = "unknown"


EXCLUDED_BY_IN_FORCE = frozenset({Validity.NOT_YET_IN_FORCE, Validity.REPLACED, Validity.REPEALED, Validity.EXPIRED})


@dataclass(frozen=True)
class IncomingRelation:
    """A relation some other document holds toward this one."""

    kind: RelationKind
    source_doc_id: str
    source_number: str | None
    source_effective: str | None  # ISO: the source's effective date, else its issue date
    sentence: str
    scope: str | None


@dataclass(frozen=True)
class ValidityStatus:
    """The status, a short English reason, and the document and sentence that decided it, if one did."""

    status: Validity
    reason: str
    by_doc_id: str | None = None
    by_number: str | None = None
    sentence: str | None = None


_WHOLE = {RelationKind.REPLACES: Validity.REPLACED, RelationKind.REPEALS: Validity.REPEALED}
_VERB = {RelationKind.REPLACES: "replaced", RelationKind.REPEALS: "repealed", RelationKind.AMENDS: "amended"}


def _day(iso: str | None) -> date | None:
    """A date from ISO text; None when absent or not a calendar date."""
    if not iso:
        return None
    try:
        return date.fromisoformat(iso[:10])
    except ValueError:
        return None


def _by(rel: IncomingRelation) -> str:
    return rel.source_number or rel.source_doc_id


def _status(status: Validity, reason: str, rel: IncomingRelation | None = None) -> ValidityStatus:
    if rel is None:
        return ValidityStatus(status, reason)
    return ValidityStatus(status, reason, rel.source_doc_id, rel.source_number, rel.sentence)


def validity_as_of(
    effective_date: str | None, expiry_date: str | None, incoming: Sequence[IncomingRelation], as_of: date
) -> ValidityStatus:
    """The document's status on ``as_of``; ``expiry_date`` is the first day it no longer applies."""
    dated = sorted(
        ((d, rel) for rel in incoming if (d := _day(rel.source_effective)) is not None and d <= as_of),
        key=lambda pair: pair[0],
    )
    for d, rel in dated:
        if rel.kind in _WHOLE and rel.scope is None:
            return _status(_WHOLE[rel.kind], f"{_VERB[rel.kind]} by {_by(rel)} from {d.isoformat()}", rel)
    end = _day(expiry_date)
    if end is not None and end <= as_of:
        return _status(Validity.EXPIRED, f"expired on {end.isoformat()}")
    start = _day(effective_date)
    if start is not None and start > as_of:
        return _status(Validity.NOT_YET_IN_FORCE, f"takes effect on {start.isoformat()}")
    for d, rel in reversed(dated):
        if rel.kind is RelationKind.AMENDS or rel.kind in _WHOLE:
            verb = _VERB[rel.kind] if rel.kind is RelationKind.AMENDS else f"partly {_VERB[rel.kind]}"
            return _status(Validity.PARTLY_AMENDED, f"{verb} by {_by(rel)} from {d.isoformat()}", rel)
    if start is not None:
        ahead = [
            (d, rel)
            for rel in incoming
            if rel.kind in _WHOLE and rel.scope is None and (d := _day(rel.source_effective)) and d > as_of
        ]
        if ahead:
            d, rel = min(ahead, key=lambda pair: pair[0])
            later = f"{_VERB[rel.kind]} by {_by(rel)} from {d.isoformat()}"
            return _status(Validity.IN_FORCE, f"in force since {start.isoformat()}; to be {later}", rel)
        return _status(Validity.IN_FORCE, f"in force since {start.isoformat()}")
    return _status(Validity.UNKNOWN, "no effective date known")
