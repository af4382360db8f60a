"""Validity of indexed documents on a date, from their stored dates and the relation graph visible to a caller.

What a document's status is built from depends on who asks: a replacing or repealing document above the
caller's clearance never counts, so nothing about it can be inferred from a status, a badge or a facet.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from indexer.storage.contracts import DocumentStore
from indexer.storage.filters import SearchFilter, as_of_date
from indexer.understanding.relations import RelationKind
from indexer.understanding.validity import IncomingRelation, ValidityStatus, validity_as_of


def validity_of(store: DocumentStore, doc_ids: Sequence[str], flt: SearchFilter) -> dict[str, ValidityStatus]:
    """Each document's status on ``flt.as_of`` (today when None), judged on what ``flt``'s access may see."""
    ids = list(dict.fromkeys(doc_ids))
    if not ids:
        return {}
    day = date.fromisoformat(as_of_date(flt))
    dates = store.document_dates(ids)
    incoming = store.incoming_links(ids, flt.access_only())
    out: dict[str, ValidityStatus] = {}
    for doc_id in ids:
        effective, expiry = dates.get(doc_id, (None, None))
        links = [
            IncomingRelation(
                kind=RelationKind(link.kind),
                source_doc_id=link.source_doc_id,
                source_number=link.source_number,
                source_effective=link.source_effective,
                sentence=link.sentence,
                scope=link.scope,
            )
            for link in incoming.get(doc_id, [])
            if link.kind in RelationKind.__members__.values()
        ]
        out[doc_id] = validity_as_of(effective, expiry, links, day)
    return out
