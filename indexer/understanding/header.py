"""The issuer lines of an official document's header, as printed (``issuers`` makes one canonical name of them).

The header puts the issuer on the left and the motto on the right ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM / Độc lập
- Tự do - Hạnh phúc", or "ĐẢNG CỘNG SẢN VIỆT NAM"), then "Số: …" and the place and date. A text layer gives the
two columns in any order: the issuer above the motto (the usual), both on one line ("BỘ TÀI CHÍNH CỘNG HÒA XÃ
HỘI …"), a two-line issuer interleaved with the motto ("BỘ LAO ĐỘNG - THƯƠNG BINH CỘNG HÒA …" / "VÀ XÃ HỘI Độc
lập - Tự do - Hạnh phúc"), or the motto first and the issuer after it ("CỘNG HÒA …" / "Độc lập …" / "QUỐC HỘI").
``header_issuer`` reads the issuer's lines in each case, the right column cut off, a security marking skipped.

A two-line party header names the party organisation and then the body that issues; the issuer is that body with
its place, as staff call it: "ĐẢNG BỘ TỈNH THANH HÓA" / "TỈNH ỦY" → "TỈNH ỦY THANH HÓA" (THÀNH ỦY, HUYỆN ỦY …
alike); "ĐẢNG BỘ KHỐI CÁC CƠ QUAN TỈNH" / "ĐẢNG ỦY" → "ĐẢNG ỦY KHỐI CÁC CƠ QUAN TỈNH"; "ĐẢNG BỘ TỈNH NGHỆ AN" /
"BAN TUYÊN GIÁO" → "BAN TUYÊN GIÁO TỈNH ỦY NGHỆ AN"; "PARTY ORGANISATION OF BINH THUAN PROVINCE" / "PROVINCIAL
PARTY COMMITTEE" → "BINH THUAN PROVINCIAL PARTY COMMITTEE".
"""

from __future__ import annotations

import re

from indexer.understanding.doctypes import doc_type_from_line
from indexer.understanding.markings import marking_level
from indexer.understanding.numbers import NUMBER_PATTERN

__all__ = ["NUMBER_LINE", "header_issuer", "left_column"]

_TYPE_PREFIX = (
    r"(?:Bộ luật|Luật|Nghị quyết|Pháp lệnh|Lệnh|Nghị định|Quyết định|Thông tư|Chỉ thị|Kết luận|Văn bản hợp nhất)"
)
NUMBER_LINE = re.compile(
    rf"(?im)^[\s*#_]*(?:{_TYPE_PREFIX}\s+)?(?:Số|So|No|নং|সংখ্যা)\s*\.?\s*:?\s*({NUMBER_PATTERN})", re.UNICODE
)
_BENGALI = re.compile(r"[\u0980-\u09ff]")
_NATIONAL = re.compile(
    r"(?i)^(CỘNG HO[ÀA]|CỘNG HÒA|ĐẢNG CỘNG SẢN|SOCIALIST REPUBLIC|COMMUNIST PARTY|ভিয়েতনামের কমিউনিস্ট পার্টি)"
)
# The right column on the issuer's line: the motto, its second line, or the place and date.
_RIGHT_COLUMN = re.compile(
    r"\s*(?:CỘNG HO[ÀA] XÃ HỘI|CỘNG HÒA XÃ HỘI|ĐẢNG CỘNG SẢN VIỆT NAM|Độc lập\s*[-–]\s*Tự do"
    r"|[A-ZĐ][^\W\d_]*(?: [A-ZĐ][^\W\d_]*){0,3}, ngày\s+\d).*$"
)
_MOTTO_LINE = re.compile(r"(?i)^(?:Độc lập\s*[-–]|Independence\s*[-–]|স্বাধীনতা)")
_RULE = re.compile(r"^[\s\-_*—–=~.]*$")
_SIGNATURE = re.compile(r"^(?:TM|T/M|KT|K/T|TL|T/L|Q)\s*[.:]")  # a signature block, never the header
_PARTY_PARENT = re.compile(r"^ĐẢNG BỘ (TỈNH|THÀNH PHỐ|HUYỆN|QUẬN|THỊ XÃ|KHỐI|XÃ|PHƯỜNG)\s+(.+)$")
_COMMITTEE = {"TỈNH": "TỈNH ỦY", "THÀNH PHỐ": "THÀNH ỦY", "HUYỆN": "HUYỆN ỦY", "QUẬN": "QUẬN ỦY", "THỊ XÃ": "THỊ ỦY"}
_EN_PARTY_PARENT = re.compile(r"^PARTY ORGANI[SZ]ATION OF (.+?)(?: PROVINCE| CITY| DISTRICT)?$")
_HEADING_OF = re.compile(r"(?i)^(?:NGHỊ QUYẾT|KẾT LUẬN|CHỈ THỊ|QUY ĐỊNH|THÔNG BÁO)\s+CỦA\s+(.+)$")


def left_column(line: str) -> str:
    """A header line without its right column (the motto, its second line, the place and date)."""
    return _RIGHT_COLUMN.sub("", line).strip()


def _party_issuer(parent: str, body: str) -> str | None:
    """ "ĐẢNG BỘ TỈNH THANH HÓA" over "TỈNH ỦY" → "TỈNH ỦY THANH HÓA" (the body that signs, with its place)."""
    m = _PARTY_PARENT.match(parent)
    if m:
        level, place = m.group(1), m.group(2)
        committee = f"{_COMMITTEE[level]} {place}" if level in _COMMITTEE else None
        if level in _COMMITTEE and body == _COMMITTEE[level]:
            return committee
        if body == "ĐẢNG ỦY":
            return "ĐẢNG ỦY " + parent.removeprefix("ĐẢNG BỘ ")
        if committee and re.match(r"^(?:BAN|VĂN PHÒNG|ỦY BAN KIỂM TRA)\b", body):
            return f"{body} {committee}"
        return None
    m = _EN_PARTY_PARENT.match(parent)
    if m and body.endswith("PARTY COMMITTEE"):
        return f"{m.group(1)} {body}"
    return None


def _issuer_lines(lines: list[str]) -> list[str]:
    """The issuer's lines from the start of ``lines``, the right column cut off; empty when none is there."""
    parts: list[str] = []
    for line in lines:
        if _NATIONAL.match(line):
            break
        if _RULE.match(line) or marking_level(line) is not None:
            continue  # rules and the security marking ("MẬT") above the header are not the issuer
        head = _RIGHT_COLUMN.sub("", line).strip()
        head = re.split(r"\s+(?:[\w ]{0,15}\s)?Số\s*:?\s*\d", head)[0].strip(" -_*—")
        capital = head[:2].isupper() or bool(_BENGALI.match(head))
        if not head or not capital or len(head) > 200 or NUMBER_LINE.match(line) or _SIGNATURE.match(head):
            break
        if doc_type_from_line(head):
            break
        parts.append(head)
    return parts


def header_issuer(lines: list[str]) -> str | None:
    """The issuer as the header prints it (its lines joined, or a two-line party header read as one body)."""
    parts = _issuer_lines(lines[:8])
    if not parts and lines and _NATIONAL.match(lines[0]):
        rest = lines[1:8]
        while rest and (_MOTTO_LINE.match(rest[0]) or _RULE.match(rest[0]) or _NATIONAL.match(rest[0])):
            rest = rest[1:]
        parts = _issuer_lines(rest)  # the motto came first: "CỘNG HÒA …" / "Độc lập …" / "QUỐC HỘI"
    if len(parts) == 2 and (joined := _party_issuer(*parts)):
        return joined
    words = " ".join(parts).split()
    if len(words) >= 2 and len(words) % 2 == 0 and words[: len(words) // 2] == words[len(words) // 2 :]:
        words = words[: len(words) // 2]  # the layout printed the issuer twice
    if words:
        return " ".join(words)
    for line in lines[:5]:
        m = _HEADING_OF.match(line)
        if m:
            return m.group(1).strip().upper()
    return None
