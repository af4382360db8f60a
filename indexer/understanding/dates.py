"""Place and date of issue in a document header: Vietnamese, English (both orders) and Bengali forms.

"Hà Nội, ngày 22 tháng 12 năm 2024", "Hanoi, January 24, 2025", "Hanoi, 24 January 2025" and
"হ্যানয়, ২২ ডিসেম্বর ২০২৪" all give a place and an ISO date; Bengali digits are read as digits.
"""

from __future__ import annotations

import re

from indexer.understanding.text import nfc

__all__ = ["PLACE_DATE_RE", "passed_date", "place_date", "valid_date"]

_BN_DIGITS = str.maketrans("০১২৩৪৫৬৭৮৯", "0123456789")
PLACE_DATE_RE = re.compile(
    r"(?i)(?:^|\n)[\s*_]*([^\n,;:]{2,40}?)\s*,\s*ngày\s+(\d{1,2})\s*(?:tháng|/)\s*(\d{1,2})\s*(?:năm|/)\s*(\d{4})"
)
_INLINE_DATE_RE = re.compile(
    r"([A-ZĐ][^\W\d_]*(?:\s[A-ZĐ][^\W\d_]*){0,3})\s*,\s*ngày\s+(\d{1,2})\s*tháng\s*(\d{1,2})\s*năm\s*(\d{4})"
)
_PASSED_RE = re.compile(r"(?i)thông qua\s+ngày\s+(\d{1,2})\s*tháng\s*(\d{1,2})\s*năm\s*(\d{4})")
_EN_MONTHS = "january february march april may june july august september october november december".split()  # noqa: SIM905
_EN_MONTH = "(" + "|".join(_EN_MONTHS) + ")"
_EN_DATE_RE = re.compile(r"(?i)([A-Z][\w ]{1,30}),\s*" + _EN_MONTH + r"\s+(\d{1,2}),\s*(\d{4})")
_EN_DMY_RE = re.compile(r"(?i)([A-Z][\w ]{1,30}),\s*(\d{1,2})(?:st|nd|rd|th)?\s+" + _EN_MONTH + r",?\s+(\d{4})\b")
# Gregorian month names as Bengali writes them, with their common spelling variants.
_BN_MONTHS: dict[str, int] = {
    nfc(name): number
    for number, names in enumerate(
        [
            ("জানুয়ারি", "জানুয়ারী"),
            ("ফেব্রুয়ারি", "ফেব্রুয়ারী"),
            ("মার্চ",),
            ("এপ্রিল",),
            ("মে",),
            ("জুন",),
            ("জুলাই",),
            ("আগস্ট", "অগাস্ট", "অগস্ট"),
            ("সেপ্টেম্বর",),
            ("অক্টোবর",),
            ("নভেম্বর",),
            ("ডিসেম্বর",),
        ],
        start=1,
    )
    for name in names
}
_BN_DATE_RE = re.compile(
    r"(?:^|\n)[\s*_]*([\u0980-\u09ff][\u0980-\u09ff ]{0,30}?)\s*,\s*([0-9০-৯]{1,2})\s+("
    + "|".join(sorted(_BN_MONTHS, key=len, reverse=True))
    + r")\s+([0-9০-৯]{4})"
)


def valid_date(day: int, month: int, year: int) -> str | None:
    """ISO date when day, month and year form a plausible date of issue."""
    if 1 <= day <= 31 and 1 <= month <= 12 and 1900 <= year <= 2100:
        return f"{year:04d}-{month:02d}-{day:02d}"
    return None


def _num(digits: str) -> int:
    return int(digits.translate(_BN_DIGITS))


def place_date(header: str) -> tuple[str | None, str | None]:
    """(place, ISO date) of the header's "Place, date" line, in the first form that matches."""
    m = PLACE_DATE_RE.search(header)
    if m:
        place = re.sub(r"^[\W_]+", "", m.group(1)).strip() or None
        return place, valid_date(int(m.group(2)), int(m.group(3)), int(m.group(4)))
    m = _INLINE_DATE_RE.search(header)  # "Số: 25/2022/TT-BLĐTBXH Hà Nội, ngày 30 tháng 11 năm 2022"
    if m:
        return m.group(1).strip(), valid_date(int(m.group(2)), int(m.group(3)), int(m.group(4)))
    m = _EN_DATE_RE.search(header)  # "Hanoi, January 24, 2025"
    if m:
        month = _EN_MONTHS.index(m.group(2).lower()) + 1
        return m.group(1).strip(), valid_date(int(m.group(3)), month, int(m.group(4)))
    m = _EN_DMY_RE.search(header)  # "Hanoi, 24 January 2025"
    if m:
        month = _EN_MONTHS.index(m.group(3).lower()) + 1
        return m.group(1).strip(), valid_date(int(m.group(2)), month, int(m.group(4)))
    m = _BN_DATE_RE.search(nfc(header))  # "হ্যানয়, ২২ ডিসেম্বর ২০২৪"
    if m:
        return m.group(1).strip(), valid_date(_num(m.group(2)), _BN_MONTHS[m.group(3)], _num(m.group(4)))
    return None, None


def passed_date(text: str) -> str | None:
    """The date a law or resolution was passed ("… thông qua ngày 24 tháng 12 năm 2025"), from its last page."""
    m = _PASSED_RE.search(text[-3000:])
    return valid_date(int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None
