"""From a parsed document to the ``Document`` the index stores: identity, relations, dates and field reviews.

The one place both indexing (``pipeline``) and ``thammuu inspect`` turn a parse into a document, so that what
inspect shows is exactly what indexing stores.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from indexer.models import Document, ParsedDocument
from indexer.understanding.classification import merge_metadata
from indexer.understanding.identity import explicit_fields, identify
from indexer.understanding.review import REVIEW_KEY, review_identity
from indexer.understanding.validity_facts import state_relations

__all__ = ["OCR_NOTES_KEY", "understand"]

OCR_NOTES_KEY = "ocr_notes"
"""The parser's notes on what OCR repaired or doubted: read by the review, not stored (the review keeps why)."""


def understand(
    parsed: ParsedDocument,
    doc_id: str,
    source: str,
    content_hash: str,
    overrides: Mapping[str, Any],
    unit: str | None = None,
) -> Document:
    """The document with its identity (explicit metadata over the text's header), the owning ``unit`` when it
    names none, its relations and dates, and each identity field's confidence and review flag.

    Raises ``InvalidClassification`` when a classification field cannot be read.
    """
    metadata = merge_metadata(parsed.metadata, dict(overrides))
    identity = identify(parsed.text, metadata, parsed.pages)  # pages: a marking atop any page counts
    if identity.unit is None and unit:
        identity.unit = unit
    notes = [n for n in parsed.metadata.get(OCR_NOTES_KEY) or () if isinstance(n, Mapping)]
    reviews = review_identity(identity, parsed.pages, parsed.text, notes, given=explicit_fields(metadata))
    stored = {k: v for k, v in parsed.metadata.items() if k != OCR_NOTES_KEY}
    stored[REVIEW_KEY] = {name: r.to_dict() for name, r in reviews.items()}
    if identity.issuer_raw and identity.issuer_raw != identity.issuer:
        stored["issuer_raw"] = identity.issuer_raw
    doc = Document(doc_id, source, content_hash, parsed.text, identity, parsed.pages, stored)
    state_relations(doc, metadata)
    return doc
