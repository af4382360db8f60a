"""Security markings: reading a classification level from a document's text, its properties and its metadata.

A marking is a line that holds nothing but marking vocabulary (the tables below) and punctuation: a level
("TUYỆT MẬT", "SECRET", "অতি গোপনীয়"), optionally a prefix ("TÀI LIỆU", "Độ mật:", "Classification:"), a law
letter ("(A)") and urgency words before or after ("HỎA TỐC", "KHẨN", "URGENT", "জরুরি"), joined by any of
"-", "–", ",", "/" or spaces, in any case, with or without diacritics, wrapped in emphasis or brackets
("**MẬT**", "[MẬT]", "- MẬT -"). A line with any other word ("Điều 5. Tài liệu mật được …", "Mật độ dân số",
"the secret ballot") is prose, never a marking.

Failing closed: the readers here only ever *find* a level; ``parse_classification_value`` (the strict one, for
explicit metadata fields) raises ``InvalidClassification`` for anything it cannot read instead of guessing
"unclassified".
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import Enum

from indexer.errors import InvalidClassification
from indexer.models import Classification, PageSpan
from indexer.understanding.text import canonical_tones, fold, nfc

__all__ = [
    "Marking",
    "find_marking",
    "find_markings",
    "marking_level",
    "parse_classification_value",
    "scan_lines",
]

HEADER_CHARS = 1500  # the header region scanned line by line, as identity always has
PAGE_TOP_LINES = 5  # a marking stamped at the top of a page sits among its first few non-empty lines
PAGE_BOTTOM_LINES = 3  # … or repeated at its foot
_MAX_WORDS = 12  # a marking line is short; longer lines are prose
_MAX_CHARS = 200

# ---- the vocabulary, as written; compared in folded form (no case, no diacritics, đ→d, any tone placement) --
LEVEL_WORDS: dict[Classification, tuple[str, ...]] = {
    Classification.MAT: (
        "MẬT",
        "CONFIDENTIAL",
        "STRICTLY CONFIDENTIAL",
        "HIGHLY CONFIDENTIAL",
        "RESTRICTED",
        "গোপনীয়",
    ),
    Classification.TOI_MAT: ("TỐI MẬT", "SECRET", "অতি গোপনীয়"),
    Classification.TUYET_MAT: ("TUYỆT MẬT", "TOP SECRET", "সর্বোচ্চ গোপনীয়", "পরম গোপনীয়"),
}
# Letters of the Vietnamese stamps (dấu độ mật): A = TUYỆT MẬT, B = TỐI MẬT, C = MẬT.
LAW_LETTERS: dict[str, Classification] = {
    "A": Classification.TUYET_MAT,
    "B": Classification.TOI_MAT,
    "C": Classification.MAT,
}
PREFIXES: tuple[str, ...] = (
    "TÀI LIỆU",
    "VĂN BẢN",
    "ĐỘ MẬT",
    "MỨC ĐỘ MẬT",
    "ĐỘ KHẨN",
    "CLASSIFICATION",
    "SECURITY CLASSIFICATION",
    "CLASSIFIED",
)
URGENCY_WORDS: tuple[str, ...] = (
    "HỎA TỐC",
    "HỎA TỐC HẸN GIỜ",
    "HẸN GIỜ",
    "KHẨN",
    "KHẨN CẤP",
    "THƯỢNG KHẨN",
    "URGENT",
    "MOST URGENT",
    "IMMEDIATE",
    "FLASH",
    "জরুরি",
    "জরুরী",
    "অতি জরুরি",
    "অবিলম্বে",
)
# Only a metadata value may say "not classified"; in a text these words mark nothing and are prose.
UNCLASSIFIED_WORDS: tuple[str, ...] = (
    "UNCLASSIFIED",
    "PUBLIC",
    "NONE",
    "THƯỜNG",
    "BÌNH THƯỜNG",
    "KHÔNG",
    "KHÔNG MẬT",
    "CÔNG KHAI",
)


class _Kind(Enum):
    LEVEL = "level"
    LETTER = "letter"
    PREFIX = "prefix"
    URGENCY = "urgency"
    UNCLASSIFIED = "unclassified"


def _key(phrase: str) -> tuple[str, ...]:
    return tuple(fold(w) for w in canonical_tones(nfc(phrase)).split())


_PHRASES: dict[tuple[str, ...], tuple[_Kind, Classification]] = {
    **{_key(p): (_Kind.PREFIX, Classification.UNCLASSIFIED) for p in PREFIXES},
    **{_key(p): (_Kind.URGENCY, Classification.UNCLASSIFIED) for p in URGENCY_WORDS},
    **{_key(p): (_Kind.UNCLASSIFIED, Classification.UNCLASSIFIED) for p in UNCLASSIFIED_WORDS},
    **{_key(letter): (_Kind.LETTER, level) for letter, level in LAW_LETTERS.items()},
    **{_key(p): (_Kind.LEVEL, level) for level, words in LEVEL_WORDS.items() for p in words},
}
_LONGEST = max(len(k) for k in _PHRASES)
# Table cells and wide gaps of a laid-out header: "ĐẢNG BỘ TỈNH X<TAB>TỐI MẬT", "| MẬT |", "CHÍNH PHỦ      MẬT".
_CELL_SPLIT = re.compile(r"\t|\||\s{3,}")
_PAGE_BREAK = "\f"


# Punctuation, symbols and controls become spaces (Latin combining marks and the Bengali block are parts
# of letters, though not \w); zero-width and soft-hyphen characters vanish so they never split a word.
_NOT_WORD = re.compile(r"[^\w\s\u0300-\u036f\u0980-\u09ff]|_")
_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200d\u2060\ufeff]")


def _words(text: str) -> list[str]:
    """Folded words of a line, punctuation and emphasis removed."""
    return [fold(w) for w in _NOT_WORD.sub(" ", _INVISIBLE.sub("", nfc(text))).split()]


def _read(text: str, strict: bool) -> Classification | None:
    """The level a marking line says, or None when the line is not one (an unknown word, no level in it).

    ``strict`` reads a metadata value: it may also say "unclassified" and may be a law letter alone.
    """
    if len(text) > _MAX_CHARS:
        return None
    words = _words(text)
    if not words or len(words) > _MAX_WORDS:
        return None
    found: list[tuple[_Kind, Classification]] = []
    i = 0
    while i < len(words):
        for n in range(min(_LONGEST, len(words) - i), 0, -1):
            phrase = _PHRASES.get(tuple(words[i : i + n]))
            if phrase is not None:
                found.append(phrase)
                i += n
                break
        else:
            return None  # a word that is not marking vocabulary: prose
    kinds = [kind for kind, _ in found]
    # A letter counts after a level or a prefix ("TUYỆT MẬT (A)", "Độ mật: A"), never opening a text line ("A …").
    letters_ok = strict or all(k != _Kind.LETTER or i > 0 for i, k in enumerate(kinds))
    has_level = _Kind.LEVEL in kinds or (_Kind.LETTER in kinds and (strict or _Kind.PREFIX in kinds))
    if not letters_ok or not (has_level or (strict and _Kind.UNCLASSIFIED in kinds)):
        return None
    if not strict and _Kind.UNCLASSIFIED in kinds:
        return None
    return max(level for _, level in found)  # a letter that disagrees with the words: the higher level


def marking_level(line: str) -> Classification | None:
    """The level a single text line marks ("TUYỆT MẬT - HỎA TỐC" → TUYET_MAT), or None for any other line."""
    return _read(line, strict=False)


@dataclass(frozen=True)
class Marking:
    """A marking found in a text: its level, the line as written, its 1-based line number and page (if known)."""

    level: Classification
    line: str
    line_number: int
    page: int | None = None

    @property
    def source(self) -> str:
        """Where the level came from, for people: "text line 1: 'TUYỆT MẬT - HỎA TỐC'"."""
        page = f"page {self.page} " if self.page and self.page > 1 else ""
        return f"text {page}line {self.line_number}: {self.line!r}"


def _line_level(line: str) -> Classification | None:
    """The line itself, or any one cell of it, as a marking (the highest when several cells are)."""
    levels = [lv for part in [line, *_CELL_SPLIT.split(line)] if (lv := marking_level(part)) is not None]
    return max(levels) if levels else None


def _lines(text: str) -> list[tuple[int, int, str]]:
    """(line number, start offset, line) of every line; form feeds count as line ends too."""
    out, offset = [], 0
    for number, line in enumerate(re.split(r"\n|\f", text), start=1):
        out.append((number, offset, line))
        offset += len(line) + 1
    return out


def _page_ranges(text: str, pages: Sequence[PageSpan] | None) -> list[tuple[int, int, int]]:
    """(page number, start, end) from the parser's spans, else from form feeds; [] for a text without pages."""
    if pages:
        return [(p.number, p.start, p.end) for p in pages]
    if _PAGE_BREAK not in text:
        return []
    out, start = [], 0
    for number, part in enumerate(text.split(_PAGE_BREAK), start=1):
        out.append((number, start, start + len(part)))
        start += len(part) + 1
    return out


def _candidate_lines(text: str, pages: Sequence[PageSpan] | None) -> Iterator[tuple[int, int, str, int | None]]:
    """(line number, offset, line, page) of the lines a marking may stand on: the header region, page edges."""
    lines = _lines(text)
    ranges = _page_ranges(text, pages)
    front = re.match(r"^---\n.*?\n---\n", text, re.S)  # Markdown front matter does not use up the header region
    limit = (front.end() if front else 0) + HEADER_CHARS

    starts = [start for _, start, _ in ranges]

    def page_of(offset: int) -> int | None:
        i = bisect_right(starts, offset) - 1
        return ranges[i][0] if i >= 0 and offset <= ranges[i][2] else None

    chosen: dict[int, tuple[int, int, str]] = {n: (n, o, line) for n, o, line in lines if o < limit}
    offsets = [o for _, o, _ in lines]
    for _, start, end in ranges:
        page_lines = lines[bisect_left(offsets, start) : bisect_left(offsets, end)]
        filled = [item for item in page_lines if item[2].strip()]
        for item in filled[:PAGE_TOP_LINES] + filled[-PAGE_BOTTOM_LINES:]:
            chosen[item[0]] = item
    for n in sorted(chosen):
        number, offset, line = chosen[n]
        yield number, offset, line, page_of(offset)


def find_markings(text: str, pages: Sequence[PageSpan] | None = None) -> list[Marking]:
    """Every marking line in the header region (first ~1500 characters) and near the top or foot of any page.

    Pages come from the parser's spans when given, else from form feeds in the text.
    """
    text = nfc(text)
    found = []
    for number, _, line, page in _candidate_lines(text, pages):
        level = _line_level(line)
        if level is not None:
            found.append(Marking(level, line.strip(), number, page))
    return found


def find_marking(text: str, pages: Sequence[PageSpan] | None = None) -> Marking | None:
    """The highest marking of the text (the first one of that level), or None when the text has none."""
    found = find_markings(text, pages)
    return max(found, key=lambda m: m.level) if found else None  # max keeps the first of equal levels


def scan_lines(text: str) -> Marking | None:
    """The highest marking among *all* lines of a short text (a DOCX header, a property value), or None."""
    found = [
        Marking(level, line.strip(), number)
        for number, _, line in _lines(nfc(text))
        if (level := _line_level(line)) is not None
    ]
    return max(found, key=lambda m: m.level) if found else None


def parse_classification_value(value: object) -> Classification | None:
    """The level an explicit metadata value names; None when it is not given (None, "" or blanks).

    Reads an int 0–3, a ``Classification``, its name ("TOI_MAT"), a digit string, and any label a marking line
    may carry ("Tuyệt mật (A)", "Tối mật - Khẩn", "mật", "SECRET", "অতি গোপনীয়", a letter "B"), as well as
    "unclassified", "public", "none", "thường", "không mật", "công khai". Raises ``InvalidClassification`` for
    everything else: free text ("Chính sách / Quy hoạch"), "??", a bool, a float, a list or a dict.
    """
    if value is None:
        return None
    if isinstance(value, Classification):
        return value
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidClassification(f"unreadable classification {value!r} (a {type(value).__name__})")
    if isinstance(value, int):
        if 0 <= value <= 3:
            return Classification(value)
        raise InvalidClassification(f"unknown classification level {value!r} (levels are 0–3)")
    if not value.strip():
        return None
    if value.strip().isdigit():
        return parse_classification_value(int(value.strip()))
    level = _read(value, strict=True)
    if level is None:
        raise InvalidClassification(f"unknown classification {value!r}")
    return level
