"""Validity and relations as the API shows them: statuses for hits, documents and facets; relation lists."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from indexer.retrieval.validity_lookup import validity_of
from indexer.storage.contracts import DocumentStore
from indexer.storage.filters import SearchFilter, as_of_date
from search_api.schemas import FacetValue, RelationOut, ValidityOut


def statuses(store: DocumentStore, doc_ids: Sequence[str], flt: SearchFilter) -> dict[str, ValidityOut]:
    """Each document's validity on ``flt.as_of`` (today), judged on what the caller (``flt``'s access) may see."""
    day = as_of_date(flt)
    return {
        doc_id: ValidityOut(
            status=v.status.value,
            as_of=day,
            reason=v.reason,
            by_doc_id=v.by_doc_id,
            by_number=v.by_number,
            sentence=v.sentence,
        )
        for doc_id, v in validity_of(store, doc_ids, flt).items()
    }


def relations(store: DocumentStore, doc_id: str, flt: SearchFilter) -> list[RelationOut]:
    """A visible document's relations both ways, narrowed to what the caller may see."""
    return [
        RelationOut(
            kind=r.kind,
            direction="out" if r.direction == "out" else "in",
            number=r.number,
            doc_id=r.doc_id,
            title=r.title,
            doc_type=r.doc_type,
            issued_date=r.issued_date,
            sentence=r.sentence,
            scope=r.scope,
        )
        for r in store.relations_of(doc_id, flt.access_only())
    ]


def validity_facet(store: DocumentStore, doc_ids: Sequence[str], flt: SearchFilter) -> list[FacetValue]:
    """Counts of the documents by validity status, most frequent first."""
    counts = Counter(v.status for v in statuses(store, doc_ids, flt).values())
    return [FacetValue(value=status, count=n) for status, n in counts.most_common()]
