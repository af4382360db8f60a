"""Request and response models of the HTTP API: the contract, with examples for OpenAPI."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

Mode = Literal["hybrid", "lexical", "dense"]
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_date(value: object) -> object:
    """Only a calendar date as YYYY-MM-DD (pydantic alone would read 0 or 1.5 as a Unix time)."""
    if isinstance(value, dt.date) or (isinstance(value, str) and _ISO_DATE.match(value)):
        return value
    raise ValueError("expected a date as YYYY-MM-DD")


def _iso_datetime(value: object) -> object:
    """Only an ISO 8601 date or date-time text (never a bare number)."""
    if isinstance(value, dt.datetime) or (isinstance(value, str) and _ISO_DATE.match(value[:10])):
        return value
    raise ValueError("expected an ISO 8601 date or date-time, e.g. 2026-12-01T08:00:00Z")


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]
IsoDateTime = Annotated[dt.datetime, BeforeValidator(_iso_datetime)]
MAX_PATH_CHARS = 4096  # PATH_MAX on Linux: a longer path cannot name a file
MAX_UNIT_CHARS = 200


class SearchFilters(BaseModel):
    """Restrictions applied inside retrieval (SQL and the faiss id selector), never after a top-k."""

    model_config = ConfigDict(extra="forbid")

    doc_type: list[str] = Field(default_factory=list, description="Document types, any of (e.g. 'Nghị định').")
    issuer: list[str] = Field(
        default_factory=list,
        description="Issuing bodies, any of (case-insensitive; a header's or a translation's name of a body finds it).",
    )
    number: str | None = Field(None, description="A document number (số hiệu), typed any way.")
    date_from: IsoDate | None = Field(None, description="Issued on or after (YYYY-MM-DD).")
    date_to: IsoDate | None = Field(None, description="Issued on or before (YYYY-MM-DD).")
    language: list[str] = Field(default_factory=list, description="Languages, any of: vi, en, bn.")
    in_force: bool = Field(
        False,
        description="Only documents in force on as_of: not replaced or repealed (as a whole), not expired, not yet "
        "to take effect. Documents whose validity is unknown stay.",
    )
    as_of: IsoDate | None = Field(None, description="The date validity is judged on (YYYY-MM-DD); today when absent.")

    @model_validator(mode="after")
    def _dates_in_order(self) -> SearchFilters:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError("date_from is after date_to")
        return self


class SearchRequest(BaseModel):
    """A search: words, a question or a document number, with filters and paging."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"query": "thu hút chuyên gia khoa học công nghệ", "k": 10, "mode": "hybrid"},
                {"query": "Nghị định 249/2025/NĐ-CP", "k": 5},
                {
                    "query": "chuyen doi so",
                    "filters": {"doc_type": ["Nghị định"], "date_from": "2024-01-01"},
                    "group_by_document": True,
                    "offset": 10,
                },
            ]
        },
    )

    query: str = Field(..., description="Free text; Vietnamese with or without diacritics.")
    k: int = Field(10, ge=1, description="Hits per page (at most settings.search.max_k).")
    mode: Mode = Field("hybrid", description="hybrid (default), lexical (BM25) or dense (vectors).")
    filters: SearchFilters = Field(default_factory=lambda: SearchFilters())
    group_by_document: bool = Field(False, description="One hit per document (its best passage).")
    offset: int = Field(0, ge=0, le=10_000, description="Hits to skip (paging).")


class DocumentIdentityOut(BaseModel):
    """The identity every answer naming a document carries (hits, documents, similar documents)."""

    doc_id: str
    number: str | None = None
    doc_type: str | None = None
    issuer: str | None = None
    issued_date: str | None = None
    title: str | None = None
    classification: str = Field("unclassified", description="Classification label (MẬT, TỐI MẬT, …).")


class ValidityOut(BaseModel):
    """Whether a document is in force on a date, and why (judged only on documents the caller may see)."""

    status: Literal["in_force", "not_yet_in_force", "replaced", "repealed", "partly_amended", "expired", "unknown"]
    as_of: str = Field(description="The date it is judged on (YYYY-MM-DD).")
    reason: str = ""
    by_doc_id: str | None = Field(None, description="The document that replaced, repealed or amended it.")
    by_number: str | None = None
    sentence: str | None = Field(None, description="The sentence the status rests on.")


class RelationOut(BaseModel):
    """A relation of a document: outgoing as stated ("replaces") or incoming ("replaced_by").

    ``doc_id`` links the other document when it is indexed and visible to the caller; an outgoing relation
    to a document the caller may not see reads exactly like one to a document not indexed, and an incoming
    relation from such a document is never listed."""

    kind: str = Field(examples=["implements", "implemented_by", "replaces", "amended_by", "basis"])
    direction: Literal["out", "in"]
    number: str | None = None
    doc_id: str | None = None
    title: str | None = None
    doc_type: str | None = None
    issued_date: str | None = None
    sentence: str = ""
    scope: str | None = Field(None, description="The part concerned ('Điều 5, khoản 2'); none: the whole document.")


class Hit(DocumentIdentityOut):
    """One passage (or, grouped, a document by its best passage)."""

    chunk_id: int
    score: float
    section: str = ""
    pages: list[int] = Field(default_factory=list)
    snippet: str = Field("", description="Best sentences, HTML-escaped, query terms in <mark>.")
    highlights: list[str] = Field(default_factory=list, description="Words of the passage that matched the query.")
    role: str = Field("", description="Role of the passage's section: targets, results, limitations, …")
    validity: str | None = Field(None, description="The document's validity on the filter's as_of (today).")


class QueryInterpretationOut(BaseModel):
    """How the query was understood."""

    tokens: list[str] = Field(default_factory=list)
    numbers: list[str] = Field(default_factory=list, description="Document numbers recognised in the query.")
    number_docs: list[str] = Field(default_factory=list, description="Documents carrying those numbers.")
    diacritics: bool = True
    mode: str = "hybrid"
    fusion_profile: str = Field(
        "other", description="Which language's fusion weights ranked the hits: 'vietnamese' or 'other'."
    )
    timings_ms: dict[str, float] = Field(default_factory=dict)
    embed_cached: bool = Field(False, description="The query vector came from the cache (no encoder time).")


class SearchResponse(BaseModel):
    """A page of hits with the number of hits available and how long it took."""

    hits: list[Hit]
    total: int = Field(..., description="Hits available for this query and filters (capped by the candidate pool).")
    offset: int = 0
    k: int = 10
    took_ms: float
    query_interpretation: QueryInterpretationOut


class ChunkOut(BaseModel):
    """A passage of a document."""

    chunk_id: int
    ordinal: int
    section: str
    pages: list[int]
    text: str
    role: str = Field("", description="Role of its section (targets, results, limitations, …); '' when none.")


class FieldReviewOut(BaseModel):
    """How sure indexing is of one identity field, and whether staff should check it against the document."""

    field: Literal["number", "doc_type", "issuer", "issued_date"]
    value: str | None = None
    confidence: float = Field(..., ge=0.0, le=1.0, description="1: read from a text layer and valid.")
    needs_review: bool = Field(..., description="Below its field's threshold, or missing: check it by hand.")
    reasons: list[str] = Field(default_factory=list, description="What lowered (or confirmed) the confidence.")


class DocumentOut(DocumentIdentityOut):
    """A document's identity, its sections and its passages."""

    issuer_raw: str | None = Field(None, description="The issuer as the document prints it (issuer: canonical).")
    review: list[FieldReviewOut] = Field(
        default_factory=list, description="Confidence of each identity field (OCR'd scans, odd layouts)."
    )
    needs_review: list[str] = Field(default_factory=list, description="The identity fields staff should check.")
    place: str | None = None
    term: str | None = None
    unit: str | None = None
    language: str | None = None
    page_count: int = 0
    effective_date: str | None = Field(None, description="When it takes effect (YYYY-MM-DD), if known.")
    expiry_date: str | None = None
    validity: ValidityOut | None = None
    relations: list[RelationOut] = Field(default_factory=list)
    sections: list[str] = Field(default_factory=list)
    chunks: list[ChunkOut] = Field(default_factory=list)


class SimilarDoc(DocumentIdentityOut):
    """A document near another one by content."""

    score: float
    chunk_id: int = Field(..., description="Its passage nearest to the source document.")
    section: str = ""


class SimilarResponse(BaseModel):
    """Documents nearest to one document, itself excluded."""

    doc_id: str
    similar: list[SimilarDoc]
    took_ms: float


class FacetValue(BaseModel):
    """One value of a facet and how many visible documents carry it."""

    value: str
    count: int


class FacetsResponse(BaseModel):
    """Counts of visible documents by type, issuer, year and language."""

    total: int
    doc_type: list[FacetValue]
    issuer: list[FacetValue]
    year: list[FacetValue]
    language: list[FacetValue]
    validity: list[FacetValue] = Field(default_factory=list, description="Counts by validity on as_of (today).")


class HealthResponse(BaseModel):
    """Whether the index is loaded; the rest only for identified callers (paths and generation: admins)."""

    status: Literal["ok", "degraded"]
    index_loaded: bool | None = None
    index_dir: str | None = None
    model: str | None = None
    dimension: int | None = None
    documents: int | None = None
    chunks: int | None = None
    index_type: str | None = None
    generation: int | None = None
    message: str | None = None


class IndexRequest(BaseModel):
    """Index a file or folder that exists on the server."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"path": "corpus/", "unit": None}]})

    path: str = Field(..., min_length=1, max_length=MAX_PATH_CHARS, description="File or folder on the server.")
    unit: str | None = Field(None, max_length=MAX_UNIT_CHARS, description="Owning unit for documents that name none.")


class IndexJob(BaseModel):
    """A background indexing job and, once done, its report."""

    id: str
    status: Literal["queued", "running", "done", "failed"]
    source: str
    created_at: str
    started_at: str | None = None
    finished_at: str | None = None
    report: dict[str, Any] | None = None
    error: str | None = None


class ErrorDetail(BaseModel):
    """What went wrong, safe to show."""

    code: str
    message: str


class ErrorResponse(BaseModel):
    """The body of every 4xx/5xx answer."""

    error: ErrorDetail


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse, "description": text}
    for status, text in (
        (401, "No or invalid API key"),
        (403, "Not allowed for this principal, or a cross-site write"),
        (413, "Request body too large"),
        (415, "A POST body that is neither application/json nor a multipart upload"),
        (421, "Host name not served (DNS-rebinding protection)"),
        (422, "Invalid request"),
        (503, "No index loaded"),
    )
}
