"""Document identity: số hiệu, type, issuer, place and date, title, term, classification, language.

``identify`` is the seam: parsers give text and metadata; this decides what the document is. It reads the
header block of an official document (issuer left, "CỘNG HÒA …"/"ĐẢNG CỘNG SẢN VIỆT NAM" right, then
"Số: …", "Hà Nội, ngày … tháng … năm …", the type in capitals and the trích yếu). Explicit metadata
(JSONL fields, a ``NAME.meta.json`` sidecar) always overrides what the text suggests.
"""

from __future__ import annotations

import re
from typing import Any

from indexer.doctypes import doc_type_from_line, doc_type_from_number
from indexer.models import Classification, DocumentIdentity
from indexer.numbers import NUMBER_PATTERN, canonical_number, find_numbers, number_variants
from indexer.text import canonical_tones, fold, nfc

__all__ = ["FIELD_ALIASES", "canonical_number", "detect_language", "find_numbers", "identify", "number_variants"]

_HEADER_CHARS = 4000
_FRONT_MATTER = re.compile(r"^---\n.*?\n---\n", re.S)  # Markdown YAML front matter is not the document's header
_BENGALI = re.compile(r"[\u0980-\u09ff]")
_TYPE_PREFIX = (
    r"(?:Bộ luật|Luật|Nghị quyết|Pháp lệnh|Lệnh|Nghị định|Quyết định|Thông tư|Chỉ thị|Kết luận|Văn bản hợp nhất)"
)
_NUMBER_RE = re.compile(
    rf"(?im)^[\s*#_]*(?:{_TYPE_PREFIX}\s+)?(?:Số|So|No|নং|সংখ্যা)\s*\.?\s*:?\s*({NUMBER_PATTERN})", re.UNICODE
)
_PLACE_DATE_RE = re.compile(
    r"(?i)(?:^|\n)[\s*_]*([^\n,;:]{2,40}?)\s*,\s*ngày\s+(\d{1,2})\s*(?:tháng|/)\s*(\d{1,2})\s*(?:năm|/)\s*(\d{4})"
)
_INLINE_DATE_RE = re.compile(
    r"([A-ZĐ][^\W\d_]*(?:\s[A-ZĐ][^\W\d_]*){0,3})\s*,\s*ngày\s+(\d{1,2})\s*tháng\s*(\d{1,2})\s*năm\s*(\d{4})"
)
_PASSED_RE = re.compile(r"(?i)thông qua\s+ngày\s+(\d{1,2})\s*tháng\s*(\d{1,2})\s*năm\s*(\d{4})")
_EN_MONTHS = "january february march april may june july august september october november december".split()  # noqa: SIM905
_EN_DATE_RE = re.compile(r"(?i)([A-Z][\w ]{1,30}),\s*(" + "|".join(_EN_MONTHS) + r")\s+(\d{1,2}),\s*(\d{4})")
_NATIONAL = re.compile(r"(?i)^(CỘNG HO[ÀA]|CỘNG HÒA|ĐẢNG CỘNG SẢN|SOCIALIST REPUBLIC|COMMUNIST PARTY)")
_NATIONAL_INLINE = re.compile(r"\s*(?:CỘNG HO[ÀA] XÃ HỘI|CỘNG HÒA XÃ HỘI|ĐẢNG CỘNG SẢN VIỆT NAM).*$")
_RULE = re.compile(r"^[\s\-_*—–=~.]*$")
_TERM_RE = re.compile(r"(?i)(?<!đại biểu )(?:Chấp hành|Quốc hội|Đại hội)[^\n.;]{0,80}?\bkh(?:óa|oá)\s+([IVXLC]{1,6})\b")
_CLASS_RE = re.compile(
    r"(?im)^[\s*#_]*(?:độ mật\s*:?\s*)?(TUYỆT MẬT|TỐI MẬT|MẬT|TOP SECRET|SECRET|CONFIDENTIAL)[\s*_]*$"
)
_TITLE_STOP = re.compile(r"(?i)^(căn cứ|xét|theo đề nghị|pursuant|at the (?:proposal|request)|chương|điều \d|phần)\b")

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


def _lines(header: str) -> list[str]:
    """Non-empty header lines with Markdown emphasis and heading marks removed."""
    out = []
    for line in header.splitlines():
        clean = re.sub(r"^[#>\s]+|\*\*|__", "", line).strip()
        if clean:
            out.append(clean)
    return out


def _valid_date(day: int, month: int, year: int) -> str | None:
    if 1 <= day <= 31 and 1 <= month <= 12 and 1900 <= year <= 2100:
        return f"{year:04d}-{month:02d}-{day:02d}"
    return None


def _place_date(header: str) -> tuple[str | None, str | None]:
    m = _PLACE_DATE_RE.search(header)
    if m:
        place = re.sub(r"^[\W_]+", "", m.group(1)).strip() or None
        return place, _valid_date(int(m.group(2)), int(m.group(3)), int(m.group(4)))
    m = _INLINE_DATE_RE.search(header)  # "Số: 25/2022/TT-BLĐTBXH Hà Nội, ngày 30 tháng 11 năm 2022"
    if m:
        return m.group(1).strip(), _valid_date(int(m.group(2)), int(m.group(3)), int(m.group(4)))
    m2 = _EN_DATE_RE.search(header)
    if m2:
        month = _EN_MONTHS.index(m2.group(2).lower()) + 1
        return m2.group(1).strip(), _valid_date(int(m2.group(3)), month, int(m2.group(4)))
    return None, None


def _issuer(lines: list[str]) -> str | None:
    """The issuing body: the capitalised lines above the national or party motto."""
    parts: list[str] = []
    for line in lines[:8]:
        if _NATIONAL.match(line):
            break
        if _RULE.match(line):
            continue
        head = _NATIONAL_INLINE.sub("", line).strip()
        head = re.split(r"\s+(?:[\w ]{0,15}\s)?Số\s*:?\s*\d", head)[0].strip(" -_*—")
        if not head or not head[:2].isupper() or len(head) > 200 or _NUMBER_RE.match(line) or doc_type_from_line(head):
            break
        parts.append(head)
        if head != line:
            break
    if parts:
        return " ".join(parts)
    for line in lines[:5]:
        m = re.match(r"(?i)^(?:NGHỊ QUYẾT|KẾT LUẬN|CHỈ THỊ|QUY ĐỊNH|THÔNG BÁO)\s+CỦA\s+(.+)$", line)
        if m:
            return m.group(1).strip().upper()
    return None


def _type_and_title(lines: list[str], issuer: str | None) -> tuple[str | None, str | None]:
    """The type heading in capitals ("NGHỊ ĐỊNH") and the trích yếu lines after it."""
    for i, line in enumerate(lines[:25]):
        doc_type = doc_type_from_line(line)
        if not doc_type:
            continue
        title: list[str] = []
        for nxt in lines[i + 1 : i + 8]:
            if _RULE.match(nxt) or _TITLE_STOP.match(nxt) or (issuer and fold(nxt) == fold(issuer)):
                break
            if _NUMBER_RE.match(nxt) or _PLACE_DATE_RE.search("\n" + nxt):
                break
            title.append(nxt)
            if nxt.endswith((".", ";")) or sum(len(t) for t in title) > 400:
                break
        return doc_type, (" ".join(title).strip() or None)
    return None, None


def extract_identity(text: str) -> DocumentIdentity:
    """Identity read from the text alone (no metadata): the header, then the body for term and marking."""
    text = nfc(text)
    header = _FRONT_MATTER.sub("", text[: _HEADER_CHARS * 2], count=1)[:_HEADER_CHARS]
    lines = _lines(header)
    ident = DocumentIdentity(language=detect_language(text))
    m = _NUMBER_RE.search(header)
    if m:
        ident.number = canonical_number(m.group(1))
    ident.issuer = _issuer(lines)
    ident.place, ident.issued_date = _place_date(header)
    if ident.issued_date is None:
        passed = _PASSED_RE.search(text[-3000:])  # laws and resolutions: "… thông qua ngày 24 tháng 12 năm 2025"
        if passed:
            ident.issued_date = _valid_date(int(passed.group(1)), int(passed.group(2)), int(passed.group(3)))
    ident.doc_type, ident.title = _type_and_title(lines, ident.issuer)
    if ident.doc_type is None:
        prefix = re.match(rf"(?i)^[\s*#]*({_TYPE_PREFIX})\s+số", header.lstrip())
        ident.doc_type = doc_type_from_line(prefix.group(1)) if prefix else doc_type_from_number(ident.number)
    term = _TERM_RE.search(header) or _TERM_RE.search(text[-3000:])
    if term:
        ident.term = term.group(1).upper()
    marking = _CLASS_RE.search(header[:1500])
    if marking:
        ident.classification = Classification.parse(marking.group(1))
    return ident


def _explicit(metadata: dict[str, Any], field: str) -> Any:
    for key in FIELD_ALIASES[field]:
        value = metadata.get(key)
        if value not in (None, ""):
            return value
    return None


def identify(text: str, metadata: dict[str, Any]) -> DocumentIdentity:
    """Identity from the text's header, overridden by explicit metadata fields."""
    ident = extract_identity(text)
    for field in FIELD_ALIASES:
        value = _explicit(metadata, field)
        if value is None:
            continue
        if field == "classification":
            try:
                ident.classification = Classification.parse(value)
            except ValueError:
                continue  # a free-text category ("Chính sách / Quy hoạch") is not a security marking
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


def issuer_key(issuer: str | None) -> str:
    """Comparison form of an issuer: upper-case, one tone placement, no rules or trailing header text."""
    if not issuer:
        return ""
    s = canonical_tones(nfc(issuer)).upper()
    s = re.split(r"CỘNG HÒA|CỘNG HOÀ|(?:\s(?:LUẬT|NGHỊ QUYẾT|PHÁP LỆNH))?\s+SỐ\b|\s[_\-—*]{2,}", s)[0]
    return re.sub(r"\s+", " ", s).strip(" _-—*")
