"""The search service: retrieval with filters and clearance, grouping, paging, snippets, documents, similar."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any, Protocol

from indexer.config import Settings
from indexer.models import Classification
from indexer.retrieval.documents_rank import best_per_document, document_pool
from indexer.retrieval.hybrid import HybridRetriever
from indexer.storage.filters import SearchFilter
from indexer.storage.index import Index
from indexer.storage.records import ChunkRecord, DocumentRecord
from indexer.understanding.issuers import canonical_issuer
from indexer.understanding.numbers import number_key
from search_api.errors import ApiError, not_found
from search_api.schemas import (
    ChunkOut,
    DocumentOut,
    FieldReviewOut,
    Hit,
    QueryInterpretationOut,
    SearchFilters,
    SearchRequest,
    SearchResponse,
    SimilarDoc,
    SimilarResponse,
)
from search_api.security.guard import R
from search_api.security.principals import Principal
from search_api.services.snippets import make_snippet
from search_api.services.validity import relations, statuses

logger = logging.getLogger(__name__)


class Guard(Protocol):
    """Drops the records a principal may not see (``guard_chunks`` with the audit log), keeping their order."""

    def __call__(self, principal: Principal, rows: list[R], endpoint: str, /) -> list[R]: ...


class Auditor(Protocol):
    """Records who asked what and which passages and documents they were shown."""

    def __call__(
        self,
        principal: Principal,
        endpoint: str,
        query: str,
        filters: dict[str, Any],
        chunk_ids: list[int],
        doc_ids: list[str],
    ) -> None: ...


def to_filter(filters: SearchFilters) -> SearchFilter:
    """The API's filters as the indexer's SearchFilter (compiled into SQL and a faiss id selector)."""
    numbers: tuple[str, ...] = ()
    if filters.number and filters.number.strip():
        key = number_key(filters.number)
        if not key:
            raise ApiError(422, "invalid_number", f"{filters.number!r} is not a document number")
        numbers = (key,)
    return SearchFilter(
        doc_types=tuple(filters.doc_type),
        issuers=_issuer_names(filters.issuer),
        numbers=numbers,
        date_from=filters.date_from.isoformat() if filters.date_from else None,
        date_to=filters.date_to.isoformat() if filters.date_to else None,
        languages=tuple(filters.language),
        in_force=filters.in_force,
        as_of=filters.as_of.isoformat() if filters.as_of else None,
    )


def _issuer_names(issuers: list[str]) -> tuple[str, ...]:
    """Each issuer as typed and as its canonical body ("Đảng bộ tỉnh Thanh Hóa" finds "TỈNH ỦY THANH HÓA", a
    translation's name finds the body), so a filter matches what the issuer facet counts."""
    names: dict[str, None] = {}
    for name in issuers:
        names[name] = None
        canonical = canonical_issuer(name)
        if canonical:
            names[canonical] = None
    return tuple(names)


def label(level: object) -> str:
    """Classification label of a stored level."""
    try:
        return Classification(int(level)).label  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return Classification.UNCLASSIFIED.label


def _identity(row: ChunkRecord | DocumentRecord) -> dict[str, Any]:
    """The ``DocumentIdentityOut`` fields of a document or a passage."""
    return {
        "doc_id": row.doc_id,
        "number": row.number,
        "doc_type": row.doc_type,
        "issuer": row.issuer,
        "issued_date": row.issued_date,
        "title": row.title,
        "classification": label(row.classification),
    }


class SearchService:
    """Answers searches, document reads, similar-document and facet queries for one index."""

    def __init__(self, index: Index, retriever: HybridRetriever, settings: Settings, guard: Guard, audit: Auditor):
        self.index = index
        self.retriever = retriever
        self.settings = settings
        self.guard = guard
        self.audit = audit

    # ---- validation -------------------------------------------------------------------------------------
    def check_query(self, query: str, *, required: bool = True) -> str:
        """The stripped query; refuses an empty one (when required) and one over the length limit (as typed, the
        limit the OpenAPI schema states)."""
        q = query.strip()
        if required and not q:
            raise ApiError(422, "empty_query", "the query is empty; type words, a question or a document number")
        limit = self.settings.search.max_query_chars
        if len(query) > limit:
            raise ApiError(422, "query_too_long", f"the query has {len(query)} characters; the limit is {limit}")
        return q

    def check_k(self, k: int) -> None:
        limit = self.settings.search.max_k
        if k > limit:
            raise ApiError(422, "k_too_large", f"k is {k}; at most {limit} hits per page")

    # ---- search -----------------------------------------------------------------------------------------
    def search(self, req: SearchRequest, principal: Principal) -> SearchResponse:
        """One page of hits: retrieval once (embed, lexical, vectors), then guard, group, page, snippets."""
        t0 = time.perf_counter()
        query = self.check_query(req.query)
        self.check_k(req.k)
        flt = principal.access(to_filter(req.filters))
        need = req.offset + req.k
        cfg = self.settings.search
        pool = document_pool(cfg, need) if req.group_by_document else max(cfg.candidates, need)
        result = self.retriever.search(query, need, req.mode, flt, candidates=pool)
        rows = self.index.store.chunks([c for c, _ in result.hits])
        visible = {r.chunk_id for r in self.guard(principal, list(rows.values()), "search")}
        ranked = [(c, s) for c, s in result.hits if c in visible]
        if req.group_by_document:  # the grouping of retrieval.documents_rank.rank_documents, after the guard
            ranked = [(c, s) for _, c, s in best_per_document(ranked, rows)]
        page = ranked[req.offset : need]
        hits = [self._hit(rows[c], s, result.interpretation.tokens) for c, s in page]
        valid = statuses(self.index.store, [h.doc_id for h in hits], flt)
        for h in hits:
            h.validity = valid[h.doc_id].status if h.doc_id in valid else None
        interp = result.interpretation
        self.audit(
            principal,
            "search",
            query,
            req.filters.model_dump(mode="json", exclude_defaults=True),
            [h.chunk_id for h in hits],
            list(dict.fromkeys(h.doc_id for h in hits)),
        )
        return SearchResponse(
            hits=hits,
            total=len(ranked),
            offset=req.offset,
            k=req.k,
            took_ms=round((time.perf_counter() - t0) * 1000, 2),
            query_interpretation=QueryInterpretationOut(
                tokens=interp.tokens,
                numbers=interp.numbers,
                number_docs=interp.number_docs,
                diacritics=interp.diacritics,
                mode=interp.mode,
                fusion_profile=interp.fusion_profile,
                embed_cached=interp.embed_cached,
                timings_ms={k: round(v, 2) for k, v in result.timings_ms.items()},
            ),
        )

    @staticmethod
    def _hit(row: ChunkRecord, score: float, tokens: Sequence[str]) -> Hit:
        snippet, highlights = make_snippet(row.text, tokens)
        return Hit(
            chunk_id=row.chunk_id,
            score=round(float(score), 6),
            section=row.section,
            pages=list(row.pages),
            snippet=snippet,
            highlights=highlights,
            role=row.role,
            **_identity(row),
        )

    # ---- documents --------------------------------------------------------------------------------------
    def _visible_document(self, doc_id: str, principal: Principal) -> DocumentRecord:
        """The document if it exists and the principal may see it; the same 404 otherwise."""
        row = self.index.store.document(doc_id, principal.access())
        if row is None or not self.guard(principal, [row], "document"):
            raise not_found()
        return row

    def document(self, doc_id: str, principal: Principal) -> DocumentOut:
        """Identity, sections and passages of one visible document."""
        row = self._visible_document(doc_id, principal)
        chunks = self.index.store.document_chunks(doc_id)
        sections = list(dict.fromkeys(c.section for c in chunks if c.section))
        self.audit(principal, "document", "", {}, [c.chunk_id for c in chunks], [doc_id])
        access = principal.access()
        reviews = row.reviews
        return DocumentOut(
            issuer_raw=row.issuer_raw,
            review=[FieldReviewOut(**r.to_dict()) for r in reviews.values()],
            needs_review=[name for name, r in reviews.items() if r.needs_review],
            place=row.place,
            term=row.term,
            unit=row.unit,
            language=row.language,
            page_count=row.page_count,
            effective_date=row.effective_date,
            expiry_date=row.expiry_date,
            validity=statuses(self.index.store, [doc_id], access).get(doc_id),
            relations=relations(self.index.store, doc_id, access),
            sections=sections,
            chunks=[
                ChunkOut(
                    chunk_id=c.chunk_id,
                    ordinal=c.ordinal,
                    section=c.section,
                    pages=list(c.pages),
                    text=c.text,
                    role=c.role,
                )
                for c in chunks
            ],
            **_identity(row),
        )

    def similar(self, doc_id: str, k: int, principal: Principal) -> SimilarResponse:
        """Documents nearest to the mean of this document's passage vectors, itself excluded, one hit each."""
        t0 = time.perf_counter()
        self.check_k(k)
        self._visible_document(doc_id, principal)
        vec = self.index.store.mean_vector(doc_id)
        out: list[SimilarDoc] = []
        if vec is not None:
            flt = principal.access(SearchFilter(exclude_doc_ids=(doc_id,)))
            pool = max(self.settings.search.candidates, k * 10)
            found = self.index.dense_search(vec, flt, pool)
            rows = self.index.store.chunks([c for c, _ in found])
            visible = {r.chunk_id for r in self.guard(principal, list(rows.values()), "similar")}
            nearest = best_per_document([(c, s) for c, s in found if c in visible], rows)[:k]
            out = [
                SimilarDoc(
                    score=round(float(s), 6),
                    chunk_id=c,
                    section=rows[c].section,
                    **_identity(rows[c]),
                )
                for _, c, s in nearest
            ]
        self.audit(principal, "similar", doc_id, {}, [d.chunk_id for d in out], [d.doc_id for d in out])
        return SimilarResponse(doc_id=doc_id, similar=out, took_ms=round((time.perf_counter() - t0) * 1000, 2))
