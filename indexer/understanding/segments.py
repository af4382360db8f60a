"""A document's text cut into zones and sentences, with character offsets, for the relation and date extractors.

An official document has a fixed shape: a header (issuer, number, place and date), the type heading ("NGHỊ ĐỊNH"),
the title (trích yếu), a preamble ("Căn cứ …" lines and the enacting sentence), the body (articles or sections),
and a tail (signature, "Nơi nhận", appendices and forms). What a sentence means depends on where it stands: a
"Căn cứ" line of the preamble names a legal basis, a "… hết hiệu lực" line of the body repeals, the same words in
an appendix form or inside the quoted new wording of an amended article are not this document's act. So each
sentence carries its zone and whether it stands inside quotation marks; offsets always index the text given.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from indexer.understanding.doctypes import DOC_TYPES, doc_type_from_line
from indexer.understanding.text import fold

__all__ = ["Segment", "document_type", "list_marker", "segments", "strip_marker"]

HEADER, TITLE, PREAMBLE, BODY, TAIL = "header", "title", "preamble", "body", "tail"

_TYPES_ALT = "|".join(sorted(DOC_TYPES, key=len, reverse=True))
_RULE = re.compile(r"^[\s_\-–—=*.~]{3,}$")
# Matched against the accent-folded line (fold()), so that a text typed without diacritics is cut the same way.
_OPENER = re.compile(r"^(?:theo de nghi|theo yeu cau|thuc hien\s|de\s|xet\s)")  # a preamble, below a title line
_TITLE_STOP = re.compile(
    r"^(?:can cu|pursuant|based on|in furtherance|at the (?:request|proposal)|dieu\s+\d|article\s+\d|"
    r"(?:chuong|chapter)\s+(?:[ivxlc]+|\d+)\b|phan\s+(?:thu|[ivx\d])|muc\s+\d|"
    r"[ivxlc]+\s*[.)\-–]\s|\d+\s*[.)]\s|\(.*\)$)"
)
_TITLE_NUMBER_LINE = re.compile(rf"(?i)^(?:{_TYPES_ALT})(?:\s+liên tịch)?\s+số\b")
_BODY_START = re.compile(
    r"^(?:#+\s*)?(?:dieu\s+1\b|article\s+1\b|chuong\s+(?:i|1)\b|chapter\s+(?:i|1)\b|phan\s+(?:i|1|thu nhat)\b|"
    r"i\s*[.\-–)]\s)"
)
_MAYBE_BODY = re.compile(r"(?:#+\s*)?(?:[ĐD][iI]|[Aa]r|C[hH]|P[hH]|I\s*[.\-–)])")  # before folding a line
_PREAMBLE_LINE = re.compile(r"^[\s\-–*]*(?:can cu|pursuant|based on)")
_TAIL_START = re.compile(
    r"^(?:Nơi nhận|NƠI NHẬN|Noi nhan|NOI NHAN|Recipients?)\s*:|^(?:KT|TM|TL|Q|T/M|K/T|T/L)\.?\s+[A-ZĐ]{2}"
)
_QUOTE_RESET = re.compile(
    r"^(?:Điều\s+\d+[a-zđ]?\.\s*(?:Sửa đổi|Bổ sung|Bãi bỏ|Thay thế|Hiệu lực|Điều khoản|Tổ chức thực hiện|"
    r"Trách nhiệm thi hành|Quy định chuyển tiếp|Xử lý chuyển tiếp)|Nơi nhận|Chương\s+[IVXLC]+\s*$)"
)
_MARKER = re.compile(
    r"(?P<article>(?:Điều|ĐIỀU|Dieu|DIEU|Article)\s+\d+[a-zđ]?\s*[.:]\s*)"
    r"|(?P<digit>(?:\d+(?:\.\d+)*\s*[.)]|\(\d+\))\s+)"
    r"|(?P<letterdigit>[a-zđ]\d+\s*\)\s*)"
    r"|(?P<letter>(?:[a-zđ]\s*\)|[a-zđ]\.(?=\s))\s*)"
    r"|(?P<roman>[IVXLC]+\s*[.)\-–]\s+)"
    r"|(?P<dash>[-–+•*]\s+)"
    r"|(?P<heading>#+\s+)"
)
_BARE_MARKER = re.compile(r"\s*(?:(?:Điều|ĐIỀU|Dieu|DIEU|Article)\s+\d+[a-zđ]?|\d+(?:\.\d+)*|[a-zđ]|[IVXLC]+)")
_MAYBE_END = re.compile(r"[.!?]\s")
_SENTENCE_END = re.compile(r"[.!?](?:/\.)?\s+(?=[“\"(]?[^\W\d_])")
_ABBREVIATIONS = {
    "no",
    "tp",
    "ths",
    "ts",
    "pgs",
    "gs",
    "mr",
    "ms",
    "mrs",
    "dr",
    "st",
    "kt",
    "tm",
    "tl",
    "q",
    "v.v",
    "art",
}


class Segment(NamedTuple):
    """One sentence (the title: all its lines) with its offsets, zone and typography.

    ``marker`` is the list marker class of the line the sentence opens ("digit" for "1.", "letter" for "a)",
    "article" for "Điều 5.", …), None for a sentence that does not open its line or a line without one.
    """

    start: int
    end: int
    zone: str
    quoted: bool
    marker: str | None
    line_first: bool


def list_marker(line: str) -> tuple[str | None, int]:
    """(marker class, length of the marker with its spaces) at the start of a line; markers may repeat."""
    s = line.lstrip()
    offset = len(line) - len(s)
    first: str | None = None
    m = _MARKER.match(s)
    while m and m.end():
        first = first or m.lastgroup
        offset += m.end()
        s = s[m.end() :]
        m = _MARKER.match(s)
    return first, offset


def strip_marker(sentence: str) -> str:
    """The sentence without its leading list or article markers ("2. ", "Điều 1. ", "a) ")."""
    return sentence[list_marker(sentence)[1] :]


def _lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of every non-blank line, spaces around it excluded."""
    out, pos = [], 0
    for raw in text.split("\n"):
        body = raw.strip()
        if body:
            lead = len(raw) - len(raw.lstrip())
            out.append((pos + lead, pos + lead + len(body)))
        pos += len(raw) + 1
    return out


def _zones(text: str, lines: list[tuple[int, int]]) -> tuple[int, int, int, int]:
    """Line indices where the title, preamble, body and tail begin (a zone may be empty)."""
    n = len(lines)
    heading = next(
        (i for i, (a, b) in enumerate(lines[:40]) if doc_type_from_line(text[a:b]) and len(text[a:b]) < 80), None
    )
    title = heading + 1 if heading is not None else 0
    preamble = title
    if heading is not None:
        chars, ended = 0, False
        for i in range(title, min(n, title + 9)):
            line = text[lines[i][0] : lines[i][1]].lstrip("#* ").strip()
            if _RULE.match(line):
                if i > title:
                    break
                title = i + 1  # a rule right under the heading
                preamble = title
                continue
            folded = fold(line)
            if (
                _TITLE_STOP.match(folded)
                or (i > title and _OPENER.match(folded))
                or chars > 700
                or (
                    i > title
                    and _TITLE_NUMBER_LINE.match(line)
                    and (ended or text.count("\n", lines[i - 1][1], lines[i][0]) >= 2)  # after a blank line
                )
            ):
                break
            ended = line.isupper() or line.endswith((".", ";", ":"))
            chars += len(line)
            preamble = i + 1
    body = next(
        (
            i
            for i in range(preamble, n)
            if _MAYBE_BODY.match(text, lines[i][0]) and _BODY_START.match(fold(text[slice(*lines[i])]))
        ),
        None,
    )
    if body is None:
        basis = [
            i for i in range(preamble, min(n, preamble + 60)) if _PREAMBLE_LINE.match(fold(text[slice(*lines[i])]))
        ]
        body = min(n, basis[-1] + 3) if basis else preamble
    tail = next((i for i in range(body + 1, n) if _TAIL_START.match(text[lines[i][0] : lines[i][1]])), n)
    return title, preamble, body, tail


def _quote_balance(line: str) -> tuple[int, int]:
    """(opening, closing) quotation marks of a line; a straight quote counts at a line's start or end."""
    if "“" not in line and "”" not in line and '"' not in line:
        return 0, 0
    s = line.strip()
    opens = s.count("“") + (1 if s.startswith('"') else 0)
    closes = s.count("”") + (1 if s.rstrip(".;:/ ").endswith('"') and len(s) > 1 else 0)
    return opens, closes


def _split(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentences of one line: cut after ". " before a capital, not after a bare marker or an abbreviation."""
    if not _MAYBE_END.search(text, start, end - 1):
        return [(start, end)]
    out, cur = [], start
    for m in _SENTENCE_END.finditer(text, start, end):
        piece = text[cur : m.start()]
        last = piece.split()[-1].lower().rstrip(".") if piece.split() else ""
        if not piece.strip() or _BARE_MARKER.fullmatch(piece) or last in _ABBREVIATIONS:
            continue
        if len(last) == 1 and last.isalpha():
            continue
        out.append((cur, m.start() + 1))
        cur = m.end()
    out.append((cur, end))
    return out


@lru_cache(maxsize=4)
def segments(text: str) -> tuple[Segment, ...]:
    """The text's sentences in order; the title is one segment spanning its lines. (Cached: the relation and
    date extractors read the same text one after the other.)"""
    lines = _lines(text)
    title, preamble, body, tail = _zones(text, lines)
    out: list[Segment] = []
    if preamble > title:
        out.append(Segment(lines[title][0], lines[preamble - 1][1], TITLE, False, None, True))
    depth = 0
    for i, (a, b) in enumerate(lines):
        line = text[a:b]
        opens, closes = _quote_balance(line)
        if _QUOTE_RESET.match(line):
            depth = 0
        quoted = depth > 0 or line.startswith(("“", '"'))
        depth = max(0, depth + opens - closes)
        if title <= i < preamble:
            continue
        zone = HEADER if i < title else PREAMBLE if i < body else BODY if i < tail else TAIL
        marker = list_marker(line)[0]
        for j, (s, e) in enumerate(_split(text, a, b)):
            out.append(Segment(s, e, zone, quoted, marker if j == 0 else None, j == 0))
    return tuple(out)


def document_type(text: str) -> str | None:
    """The type named by the document's own heading ("THÔNG TƯ" → "Thông tư"), if it has one."""
    for a, b in _lines(text[:6000])[:40]:
        line = text[a:b]
        if len(line) < 80:
            found = doc_type_from_line(line)
            if found:
                return found
    return None
