"""Document identity: số hiệu, type, issuer, date, title, term, classification, language.

``identify`` is the seam: parsers give text and metadata; this decides what the document is. Explicit
metadata (JSONL fields, a ``NAME.meta.json`` sidecar) always overrides what the text suggests.
"""

from __future__ import annotations

import re
from typing import Any

from indexer.models import Classification, DocumentIdentity
from indexer.text import fold, nfc

_NUMBER_RE = re.compile(r"(?im)^\s*(?:Số|So)\s*[:.]?\s*([0-9০-৯][\w/\-.ĐđÐ]*[A-ZĐa-zđ][\w/\-.ĐđÐ]*)")
_BENGALI = re.compile(r"[\u0980-\u09ff]")

# Metadata keys (JSONL records, sidecars) mapped onto identity fields.
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "number": ("number", "so_hieu", "so_ky_hieu"),
    "doc_type": ("doc_type", "loai_van_ban", "type"),
    "issuer": ("issuer", "co_quan_ban_hanh"),
    "issued_date": ("issued_date", "ngay_ban_hanh", "date"),
    "title": ("title", "trich_yeu"),
    "place": ("place", "dia_danh"),
    "term": ("term", "khoa"),
    "unit": ("unit", "don_vi"),
    "language": ("language", "lang"),
    "classification": ("classification", "do_mat", "mat"),
}


def detect_language(text: str) -> str:
    """'bn' for Bengali script, 'vi' when Vietnamese diacritics are frequent, else 'en'."""
    sample = text[:4000]
    if len(_BENGALI.findall(sample)) > 20:
        return "bn"
    letters = [c for c in sample if c.isalpha()]
    if not letters:
        return "vi"
    marked = sum(1 for c in letters if c != fold(c) or c in "đĐ")
    return "vi" if marked / len(letters) > 0.03 else "en"


def canonical_number(raw: str) -> str:
    """A first canonical form: NFC, upper-case, spaces removed (issue 'Document understanding' refines it)."""
    return re.sub(r"\s+", "", nfc(raw)).upper().rstrip(".")


def number_variants(number: str) -> list[str]:
    """Lookup keys under which a number is found: canonical and folded (NĐ → ND)."""
    canon = canonical_number(number)
    return list(dict.fromkeys([canon, fold(canon).upper()]))


def _explicit(metadata: dict[str, Any], field: str) -> Any:
    for key in FIELD_ALIASES[field]:
        value = metadata.get(key)
        if value not in (None, ""):
            return value
    return None


def identify(text: str, metadata: dict[str, Any]) -> DocumentIdentity:
    """Identity from the text's header, overridden by explicit metadata fields."""
    ident = DocumentIdentity(language=detect_language(text))
    m = _NUMBER_RE.search(text[:3000])
    if m:
        ident.number = canonical_number(m.group(1))
    for field in FIELD_ALIASES:
        value = _explicit(metadata, field)
        if value is None:
            continue
        if field == "classification":
            ident.classification = Classification.parse(value)
        elif field == "number":
            ident.number = canonical_number(str(value))
        else:
            setattr(ident, field, nfc(str(value)).strip())
    if ident.title is None:
        for key in ("pdf_title", "docx_title", "html_title"):
            if metadata.get(key):
                ident.title = str(metadata[key])
                break
    if ident.number:
        ident.number_variants = number_variants(ident.number)
    return ident


_QUERY_NUMBER_RE = re.compile(r"\b\d{1,5}(?:/\d{4})?[/-][A-ZĐa-zđ][\w\-/ĐđÐ]*", re.UNICODE)


def find_numbers(text: str) -> list[str]:
    """Document numbers mentioned in free text (a query), as lookup variants."""
    out: list[str] = []
    for m in _QUERY_NUMBER_RE.finditer(nfc(text)):
        candidate = m.group(0)
        if any(c.isalpha() for c in candidate):
            out.extend(number_variants(candidate))
    return list(dict.fromkeys(out))
