"""Document identity: số hiệu, type, issuer, place and date, title, term, classification, language.

``identify`` is the seam: parsers give text and metadata; this decides what the document is. It reads the
header block of an official document (issuer left, "CỘNG HÒA …"/"ĐẢNG CỘNG SẢN VIỆT NAM" right, then
"Số: …", "Hà Nội, ngày … tháng … năm …", the type in capitals and the trích yếu). Explicit metadata
(JSONL fields, a ``NAME.meta.json`` sidecar) overrides what the text suggests — except the classification.

Classification fails closed: the level is the highest of what the text marks (``understanding.markings``: the
header region and the edges of every page), what a DOCX carries in its page headers, text boxes and core
properties, and what explicit metadata fields say. Metadata may raise the level, never lower it (a lower value is logged
and noted in ``classification_source``); an explicit value that cannot be read raises InvalidClassification.

Issuer: the header's issuer lines as printed (``header``: the right column cut off, a two-line party header read
as one body: "ĐẢNG BỘ TỈNH THANH HÓA" / "TỈNH ỦY" → "TỈNH ỦY THANH HÓA") are kept in ``issuer_raw``; ``issuer``
is their one canonical name (``issuers``: "Bộ Chính trị", "THE POLITBURO" and "পলিটব্যুরো" are all "BỘ CHÍNH
TRỊ"), or the party body that actually issued the document where the type heading names it ("NGHỊ QUYẾT / CỦA
BỘ CHÍNH TRỊ" under "BAN CHẤP HÀNH TRUNG ƯƠNG" → "BỘ CHÍNH TRỊ"; "CỦA BAN THƯỜNG VỤ TỈNH ỦY" under "TỈNH ỦY
KHÁNH HÒA" → "BAN THƯỜNG VỤ TỈNH ỦY KHÁNH HÒA"). A header without an issuer (a page cut off, a scan) takes the
body its signature acts for ("TM. CHÍNH PHỦ"), else the one its number's code names ("…/NĐ-CP").

A consolidated text (văn bản hợp nhất) is identified by its authentication block, not by the act it consolidates
(``consolidated``): type "Văn bản hợp nhất", its own "…/VBHN-…" number, issuer and date.

Title: the trích yếu only, the line(s) after the type heading ("về …"); a capital continuation of the heading
("CỦA BỘ CHÍNH TRỊ", "HỘI NGHỊ LẦN THỨ TÁM …") goes with the type, and the title stops at the body.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

from indexer.models import DocumentIdentity, PageSpan
from indexer.understanding.classification import CLASSIFICATION_FIELDS, classify
from indexer.understanding.consolidated import CONSOLIDATED, read_consolidation
from indexer.understanding.dates import PLACE_DATE_RE, passed_date, place_date
from indexer.understanding.doctypes import doc_type_from_line, doc_type_from_number
from indexer.understanding.header import NUMBER_LINE as _NUMBER_RE
from indexer.understanding.header import header_issuer
from indexer.understanding.issuers import body_of_code, canonical_issuer, party_body, signed_for
from indexer.understanding.markings import find_marking
from indexer.understanding.numbers import canonical_number, find_numbers, number_variants
from indexer.understanding.text import canonical_tones, fold, nfc

__all__ = [
    "FIELD_ALIASES",
    "canonical_number",
    "detect_language",
    "explicit_fields",
    "find_numbers",
    "identify",
    "number_variants",
]

logger = logging.getLogger(__name__)

_HEADER_CHARS = 4000
_TAIL_CHARS = 1500  # the signature block sits in the last lines
_FRONT_MATTER = re.compile(r"^---\n.*?\n---\n", re.S)  # Markdown YAML front matter is not the document's header
_BENGALI = re.compile(r"[\u0980-\u09ff]")
_TYPE_PREFIX = (
    r"(?:Bộ luật|Luật|Nghị quyết|Pháp lệnh|Lệnh|Nghị định|Quyết định|Thông tư|Chỉ thị|Kết luận|Văn bản hợp nhất)"
)
_RULE = re.compile(r"^[\s\-_*—–=~.]*$")
_TERM_RE = re.compile(r"(?i)(?<!đại biểu )(?:Chấp hành|Quốc hội|Đại hội)[^\n.;]{0,80}?\bkh(?:óa|oá)\s+([IVXLC]{1,6})\b")
# The body's own headings: "I.", "II-", "1.", "a)", "ক)", Phần/Chương/Mục/Điều.
_STRUCTURE = re.compile(
    r"^(?:[IVXLC]+\s*[.\-–]\s|\d{1,2}\s*[.\-–]\s|[a-zđ\u0995-\u09b9]\)\s"
    r"|(?i:phần|chương|mục)\s+(?:[IVXLC]+|\d+|thứ)\b|(?i:điều)\s+\d)"
)
# Capital lines continuing the type heading: "CỦA BỘ CHÍNH TRỊ", "OF THE POLITBURO", "HỘI NGHỊ LẦN THỨ TÁM …".
_HEADING_TAIL = re.compile(r"^(?:CỦA|OF|HỘI NGHỊ)\s")
_TITLE_STOP = re.compile(r"(?i)^(căn cứ|xét|theo đề nghị|pursuant|at the (?:proposal|request))\b")

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
    "classification": CLASSIFICATION_FIELDS,
}


def detect_language(text: str) -> str:
    """'bn' for Bengali script, 'vi' when Vietnamese diacritics are frequent, else 'en'."""
    sample = text[:4000]
    if len(_BENGALI.findall(sample)) > 20:
        return "bn"
    letters = [c for c in sample if c.isalpha()]
    if not letters:
        return "vi"
    marked = sum(1 for c in letters if c.lower() != fold(c.lower()) or c in "đĐ")  # diacritics, not capitals
    return "vi" if marked / len(letters) > 0.03 else "en"


def _entries(header: str) -> list[tuple[str, bool]]:
    """Header lines with Markdown emphasis and heading marks removed, each with whether it was a "#" heading.

    Blank lines are kept (as "") because they end a trích yếu.
    """
    out = []
    for line in header.splitlines():
        clean = re.sub(r"^[#>\s]+|\*\*|__", "", line).strip()
        out.append((clean, line.lstrip().startswith("#")))
    return out


def _title_ends(line: str, issuer: str | None) -> bool:
    """True for a line that cannot belong to a trích yếu: a rule, a heading of the body, a preamble, the date."""
    return bool(
        _RULE.match(line)
        or _TITLE_STOP.match(line)
        or _STRUCTURE.match(line)
        or (line.startswith("(") and line.endswith(")"))  # "(Văn bản mẫu …)", "(Ban hành kèm theo …)"
        or (issuer and fold(line) == fold(issuer))
        or _NUMBER_RE.match(line)
        or PLACE_DATE_RE.search("\n" + line)
    )


def _caps(line: str) -> bool:
    """Set in capitals (a script without case, as Bengali, never is)."""
    return line == line.upper() and line != line.lower()


def _continues(title: list[str], line: str) -> bool:
    """Whether a line after a blank line still belongs to the title (texts from HTML put a blank between lines).

    It does when it starts in lower case or with a digit ("trong lĩnh vực …", "28/12/2021 của …"), when it is set
    in capitals like the title, or when it is mixed case like the title and not a sentence of the body (those end
    with "." or ":", as "Tại Hội nghị lần thứ tám, … kết luận như sau:" does).
    """
    if line[0].islower() or line[0].isdigit():
        return True
    title_caps, line_caps = all(_caps(t) for t in title), _caps(line)
    if title_caps or line_caps:
        return title_caps and line_caps
    return not line.endswith((".", ":", "।"))


def _type_and_title(entries: list[tuple[str, bool]], issuer: str | None) -> tuple[str | None, str | None, list[str]]:
    """The type heading in capitals ("NGHỊ ĐỊNH"), the trích yếu lines after it and the heading's lines.

    A heading continuation in capitals ("CỦA BỘ CHÍNH TRỊ", "HỘI NGHỊ LẦN THỨ TÁM …") belongs with the type,
    not the title; the title ends at a blank line (unless a continuation follows, see ``_continues``), a Markdown
    heading, a body heading (I., 1., a), Chương …), a preamble ("Căn cứ …") or a parenthesised note.
    """
    filled = [i for i, (line, _) in enumerate(entries) if line]
    for i in filled[:25]:
        doc_type = doc_type_from_line(entries[i][0])
        if not doc_type:
            continue
        title: list[str] = []
        heading_lines = [entries[i][0]]
        seen, gap = 0, False
        for line, heading in entries[i + 1 :]:
            if not line:
                gap = bool(title)
                continue
            seen += 1
            if gap and not _continues(title, line):
                break
            if seen > 7 or (title and heading) or _title_ends(line, issuer):
                break
            if not title and line == line.upper() and _HEADING_TAIL.match(line):
                heading_lines.append(line)
                continue
            title.append(line)
            if line.endswith((".", ";")) or sum(len(t) for t in title) > 400:
                break
        return doc_type, (" ".join(title).strip() or None), heading_lines
    return None, None, []


def _read_issuer(ident: DocumentIdentity, raw: str | None, heading: list[str], tail: str) -> None:
    """``issuer_raw`` as printed and ``issuer`` canonical, the issuing party body, or a signature or code's body."""
    ident.issuer_raw = raw
    issuer = canonical_issuer(raw)
    if issuer is None:
        ident.issuer_raw = signed = signed_for(tail)
        issuer = signed or body_of_code(ident.number)
    ident.issuer = party_body(heading, issuer, tail) or issuer


def extract_identity(
    text: str, pages: Sequence[PageSpan] | None = None, gazette_heading: str | None = None
) -> DocumentIdentity:
    """Identity read from the text alone (no metadata): the header, then the body for term and marking.

    ``pages`` (the parser's spans) let a marking at the top of any page count, not only one in the header;
    ``gazette_heading`` (the gazette section the parser removed, "VĂN BẢN HỢP NHẤT - BỘ TÀI CHÍNH") tells a
    consolidated text that lost its authentication block.
    """
    text = nfc(text)
    header = _FRONT_MATTER.sub("", text[: _HEADER_CHARS * 2], count=1)[:_HEADER_CHARS]
    entries = _entries(header)
    lines = [line for line, _ in entries if line]
    ident = DocumentIdentity(language=detect_language(text))
    m = _NUMBER_RE.search(header)
    if m:
        ident.number = canonical_number(m.group(1))
    raw_issuer = header_issuer(lines)
    ident.place, ident.issued_date = place_date(header)
    if ident.issued_date is None:
        ident.issued_date = passed_date(text)  # laws and resolutions: "… thông qua ngày 24 tháng 12 năm 2025"
    ident.doc_type, ident.title, heading = _type_and_title(entries, raw_issuer)
    if ident.doc_type is None:
        prefix = re.match(rf"(?i)^[\s*#]*({_TYPE_PREFIX})\s+số", header.lstrip())
        ident.doc_type = doc_type_from_line(prefix.group(1)) if prefix else doc_type_from_number(ident.number)
    _read_issuer(ident, raw_issuer, heading, text[-_TAIL_CHARS:])
    consolidation = read_consolidation(text, gazette_heading)
    if consolidation:
        ident.doc_type = CONSOLIDATED
        ident.number = consolidation.number  # the consolidated act's number is not this text's
        if consolidation.issuer:
            ident.issuer_raw, ident.issuer = consolidation.issuer, canonical_issuer(consolidation.issuer)
        if consolidation.issued_date:
            ident.place, ident.issued_date = consolidation.place, consolidation.issued_date
    term = _TERM_RE.search(header) or _TERM_RE.search(text[-3000:])
    if term:
        ident.term = term.group(1).upper()
    marking = find_marking(text, pages)
    if marking:
        ident.classification, ident.classification_source = marking.level, marking.source
    return ident


def _explicit(metadata: dict[str, Any], field: str) -> Any:
    for key in FIELD_ALIASES[field]:
        value = metadata.get(key)
        if value not in (None, ""):
            return value
    return None


def explicit_fields(metadata: dict[str, Any]) -> set[str]:
    """The identity fields that explicit metadata (a sidecar, a JSONL record) sets, so review does not doubt
    them for how a scan was read."""
    return {f for f in FIELD_ALIASES if f != "classification" and _explicit(metadata, f) is not None}


def identify(text: str, metadata: dict[str, Any], pages: Sequence[PageSpan] | None = None) -> DocumentIdentity:
    """Identity from the text's header, overridden by explicit metadata fields (the classification only raised).

    Raises InvalidClassification when a classification field holds a value that cannot be read.
    """
    heading = metadata.get("gazette_heading")
    ident = extract_identity(text, pages, heading if isinstance(heading, str) else None)
    classify(ident, metadata)
    for field in FIELD_ALIASES:
        if field == "classification":
            continue
        value = _explicit(metadata, field)
        if value is None:
            continue
        if field == "number":
            ident.number = canonical_number(str(value))
        elif field == "issuer":  # the name as given is kept; facets count the body under its one name
            ident.issuer_raw = nfc(str(value)).strip()
            ident.issuer = canonical_issuer(ident.issuer_raw)
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
