"""Consolidated texts (văn bản hợp nhất): their own number, issuer and date, from the authentication block.

A consolidated text opens like the act it consolidates (its type heading "THÔNG TƯ", its title, then "Thông tư số
06/2017/TT-BLĐTBXH … được sửa đổi, bổ sung bởi: …") and carries no number in its header. Its own identity is in
the authentication block at the end, beside the signature:

    BỘ TÀI CHÍNH
    Số: 16/VBHN-BTC          XÁC THỰC VĂN BẢN HỢP NHẤT
                              Hà Nội, ngày 06 tháng 3 năm 2020
                              KT. BỘ TRƯỞNG …

``read_consolidation`` finds the block (the last "XÁC THỰC VĂN BẢN HỢP NHẤT" line with a ``…/VBHN-…`` number
beside it) and reads the number, the issuer (the capital lines above "Số:", or before the block's title on its
line; the number's code names it when no line does) and the place and date. A text filed under the gazette's
"VĂN BẢN HỢP NHẤT" heading without the block still is a consolidated text; its number is the first ``…/VBHN-…``
it holds, its issuer the heading's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from indexer.understanding.dates import place_date
from indexer.understanding.header import NUMBER_LINE
from indexer.understanding.issuers import body_of_code
from indexer.understanding.numbers import canonical_number, find_numbers
from indexer.understanding.text import fold

__all__ = ["CONSOLIDATED", "Consolidation", "read_consolidation"]

CONSOLIDATED = "Văn bản hợp nhất"
_TITLE = "xac thuc van ban hop nhat"
_WINDOW = 12  # lines around the block's title that belong to the block
_RULE = re.compile(r"^[\s\-_*—–=~.]*$")
_SIGNATURE = re.compile(r"^(?:KT|TL|TM|T/M|Q|K/T|T/L)\s*[./]|^(?:PHÓ\s+)?(?:BỘ|THỨ) TRƯỞNG$|^CHỦ NHIỆM|^TỔNG THƯ KÝ")
_NUMBER_IN_LINE = re.compile(r"\s*(?:Số|So)\s*:?\s*\d.*$")


@dataclass(frozen=True)
class Consolidation:
    """What a consolidated text says about itself."""

    number: str | None  # canonical, "16/VBHN-BTC"
    issuer: str | None  # as printed, "BỘ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI"
    place: str | None
    issued_date: str | None  # ISO


def _caps(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters)


def _vbhn(line: str) -> str | None:
    m = NUMBER_LINE.search(line)
    candidates = [m.group(1)] if m else []
    candidates += find_numbers(line)
    for number in candidates:
        canonical = canonical_number(number)
        if "/VBHN-" in canonical:
            return canonical
    return None


def _issuer_above(lines: list[str], end: int, start: int) -> str | None:
    """The capital lines right above ``lines[end]`` (rules and blanks skipped), down to ``start`` at most."""
    found: list[str] = []
    for line in reversed(lines[start:end]):
        clean = _NUMBER_IN_LINE.sub("", line).strip(" *_")
        if not clean or _RULE.match(clean):
            if found:
                break
            continue
        if not _caps(clean) or _SIGNATURE.match(clean) or clean.endswith((".", ";", ":")) or len(found) == 3:
            break
        found.append(clean)
    return " ".join(reversed(found)) or None


def read_consolidation(text: str, gazette_heading: str | None = None) -> Consolidation | None:
    """The consolidated text's own identity, or None when ``text`` is not one (see the module docstring)."""
    lines = text.split("\n")
    titles = [i for i, line in enumerate(lines) if _TITLE in fold(line)]
    for i in reversed(titles):
        lo, hi = max(0, i - _WINDOW), min(len(lines), i + _WINDOW)
        numbered = [(j, n) for j in range(lo, hi) if (n := _vbhn(lines[j]))]
        if not numbered:
            continue
        j, number = min(numbered, key=lambda item: abs(item[0] - i))
        folded = fold(lines[i])
        before = lines[i][: folded.index(_TITLE)].strip(" *_") if len(folded) == len(lines[i]) else ""
        issuer = before if _caps(before) else None
        issuer = issuer or _issuer_above(lines, min(i, j), lo) or _issuer_above(lines, max(i, j), min(i, j) + 1)
        place, issued = place_date("\n".join(lines[min(i, j) : hi]))
        return Consolidation(number, issuer or body_of_code(number), place, issued)
    heading = re.sub(r"\s+", " ", gazette_heading or "").strip()
    if fold(heading).startswith("van ban hop nhat"):
        own = next((n for line in lines if (n := _vbhn(line))), None)
        named = heading.split("-", 1)[1].strip() if "-" in heading else None
        return Consolidation(own, named or body_of_code(own), None, None)
    return None
