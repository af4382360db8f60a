"""Other documents named in a text: their numbers, types and names, and the parts of them a sentence points at.

"Nghị định số 31/2019/NĐ-CP", "Luật Tổ chức Chính phủ số 63/2025/QH15", "Quyết định số 1100/QĐ-BQP", "Decree No.
80/2020/ND-CP", "৫৭-এনকিউ/টিডব্লিউ": a mention is a number with a letter code, seen with its type word ("Nghị định",
"Luật …", "Decree") or with a code that implies one (NĐ-CP, QĐ-TTg). Numbers of forms ("Mẫu số 01/TB"), standards
("QCVN 41:2011/BTNMT") and prices ("5.000/kg") are not mentions. A law named without its number in a title
("hướng dẫn thi hành Luật Hóa chất") is found through the names the same text gives with a number.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

from indexer.understanding.doctypes import DOC_TYPES, doc_type_from_number
from indexer.understanding.numbers import canonical_number, number_key
from indexer.understanding.text import fold

__all__ = [
    "Mention",
    "alternatives",
    "document_names",
    "find_mentions",
    "leading_scope",
    "name_mentions",
    "trailing_scope",
]

_EN_TYPES = {
    "Joint Circular": "Thông tư liên tịch", "Circular": "Thông tư", "Decree": "Nghị định", "Resolution": "Nghị quyết",
    "Decision": "Quyết định", "Law": "Luật", "Code": "Bộ luật", "Directive": "Chỉ thị", "Ordinance": "Pháp lệnh",
    "Conclusion": "Kết luận", "Plan": "Kế hoạch", "Regulation": "Quy định",
}  # fmt: skip
_TYPE_WORDS = [*DOC_TYPES, *(fold(t) for t in DOC_TYPES), *_EN_TYPES]
_TYPE_NAMES = {fold(t): t for t in DOC_TYPES} | {fold(en): vi for en, vi in _EN_TYPES.items()}
_TYPE_RE = re.compile(
    r"(?i)(?<!\w)(" + "|".join(re.escape(t) for t in sorted(set(_TYPE_WORDS), key=len, reverse=True)) + r")(?!\w)"
)
_NUMBER_RE = re.compile(
    r"(?<![\w/.:-])([0-9০-৯]{1,5}[a-zđ]?(?:\.[0-9০-৯]+)?(?:/[0-9০-৯]{4})?"
    r"(?:(?:-\s?|/)(?:[A-Za-zĐđ][A-Za-zĐđ0-9]*|[\u0980-\u09ff]+))+)(?![\w/])"
)
_NUMBER_WORD = re.compile(r"(?i)(?:\bsố|\bso|\bNo\.?|নং)\s*:?\s*$")
_NOT_DOCUMENT = re.compile(r"(?i)(?:mẫu|biểu|biểu mẫu|phụ lục|bảng|mục|tài khoản|quyển|form|annex)\s+(?:số|No\.?)\s*$")
_COMPOUND = re.compile(r"(?i)^\s+(?:sửa đổi|bổ sung|quy định chi tiết|hướng dẫn)")
_NAMED_TYPES = {"Luật", "Bộ luật", "Pháp lệnh", "Hiến pháp"}
_WINDOW = 220
_LETTER = re.compile(r"[A-Za-zĐđ\u0980-\u09ff]")


def alternatives(*phrases: str) -> str:
    """A regex group of the phrases and their accent-folded spellings, longest first ("điều" and "dieu")."""
    every = {p for phrase in phrases for p in (phrase, fold(phrase))}
    return "(?:" + "|".join(re.escape(p).replace("\\ ", r"\s+") for p in sorted(every, key=len, reverse=True)) + ")"


_UNIT = alternatives(
    "điểm", "khoản", "điều", "chương", "mục", "tiểu mục", "phần", "phụ lục", "mẫu", "biểu mẫu", "biểu",
    "clause", "article", "chapter", "appendix", "point",
)  # fmt: skip
_ID = r"(?:số\s+|so\s+)?(?:\d+[a-zđ]?\d*|[IVXLC]+|[a-zđ]\d?)(?:\.\d+)*(?![\w/])"
_SEP = rf"(?:\s*[,;-]\s*|\s+{alternatives('và', 'đến', 'and')}\s+)"
_ITEM = rf"(?:{alternatives('các')}\s+)?{_UNIT}\s+{_ID}(?:{_SEP}{_ID})*"
_SCOPE = rf"{_ITEM}(?:(?:{_SEP}|\s+)(?:{alternatives('của', 'of')}\s+)?{_ITEM})*"
_LEAD = alternatives("các quy định tại", "quy định tại", "nội dung quy định tại", "nội dung tại", "toàn bộ")
_LEAD_SCOPE = re.compile(rf"(?i)^\s*(?:{_LEAD}\s+)?({_SCOPE})")
_TAIL_SCOPE = re.compile(
    rf"(?i)({_SCOPE})\s*"
    rf"{alternatives('của', 'tại', 'thuộc', 'được ban hành kèm theo', 'ban hành kèm theo', 'kèm theo', 'of')}?\s*$"
)


@dataclass(frozen=True)
class Mention:
    """A document named in the text: canonical number, lookup key, type, and where the naming phrase lies.

    ``start`` is where the phrase begins (its type word, "Luật sửa đổi …" for a compound name), ``end`` where the
    number ends; ``named`` marks a mention found through a name alone ("Luật Hóa chất", no number written).
    """

    number: str
    key: str
    doc_type: str | None
    start: int
    end: int
    named: bool = False


def _type_before(text: str, lo: int, num_start: int) -> tuple[str | None, int | None]:
    """The type word naming the document whose number starts at num_start, and where its phrase begins."""
    found = [t for t in _TYPE_RE.finditer(text, lo, num_start) if t.group(1)[0].isupper()]
    for i in range(len(found) - 1, -1, -1):
        m = found[i]
        between = text[m.end() : num_start]
        if m.end() > num_start or ";" in between or "\n\n" in between or len(between) > 180:
            continue
        if _NUMBER_RE.search(between):
            continue
        start = m.start()
        for earlier in reversed(found[:i]):
            gap = text[earlier.end() : m.start()]
            if ";" in gap or "\n" in gap or len(gap) > 150 or _NUMBER_RE.search(gap):
                break
            before = text[max(lo, earlier.start() - 20) : earlier.start()].rstrip().lower()
            if _COMPOUND.match(gap) and not before.endswith("ban hành"):
                start = earlier.start()  # "Luật sửa đổi, bổ sung một số điều của Luật X số …"
        return _TYPE_NAMES.get(fold(m.group(1))), start
    return None, None


def find_mentions(text: str) -> list[Mention]:
    """Every document number the text names, in order (own number included: callers drop it)."""
    out: list[Mention] = []
    for m in _NUMBER_RE.finditer(text):
        raw = m.group(1)
        if not _LETTER.search(raw):
            continue
        lo, near = max(0, m.start() - _WINDOW), max(0, m.start() - 30)
        before = text[near : m.start()]  # enough for "Biểu mẫu số ", "Luật số "
        if _NOT_DOCUMENT.search(before):
            continue
        canon = canonical_number(raw)
        doc_type, start = _type_before(text, lo, m.start())
        implied = doc_type_from_number(canon)
        if start is None:
            if implied is None:
                continue
            word = _NUMBER_WORD.search(before)
            start = near + word.start() if word else m.start()
        elif implied is None and not _NUMBER_WORD.search(before) and text[start : m.start()].count(" ") > 1:
            continue  # a type word somewhere before, but neither "số" nor a known code: not a number
        out.append(Mention(canon, number_key(canon), doc_type or implied, start, m.end()))
    return out


def document_names(text: str, mentions: list[Mention]) -> dict[str, Mention]:
    """Names the text gives with a number ("Luật Hóa chất số 69/2025/QH15" → "luật hóa chất"), first wins."""
    names: dict[str, Mention] = {}
    for m in mentions:
        if m.doc_type not in _NAMED_TYPES:
            continue
        phrase = text[m.start : m.end]
        cut = re.search(r"(?i)\s+(?:số|No\.?)\s*:?\s*[0-9০-৯]", phrase)
        if not cut:
            continue
        name = re.sub(r"\s+", " ", phrase[: cut.start()]).strip()
        if 1 < len(name.split()) <= 20 and ";" not in name:
            names.setdefault(name.lower(), m)
    return names


def name_mentions(text: str, names: dict[str, Mention], start: int, end: int, taken: list[Mention]) -> list[Mention]:
    """Mentions by name alone within text[start:end], not overlapping the numbered mentions ``taken``."""
    out: list[Mention] = []
    low = text[start:end].lower()
    for name in sorted(names, key=len, reverse=True):
        for m in re.finditer(r"(?<!\w)" + re.escape(name) + r"(?!\w)", low):
            a, b = start + m.start(), start + m.end()
            if any(t.start < b and a < t.end for t in taken + out):
                continue
            if re.match(r"(?i)\s+(?:số|No\.?)\s*:?\s*\d", text[b : b + 8]):
                continue
            ref = names[name]
            out.append(Mention(ref.number, ref.key, ref.doc_type, a, b, named=True))
    return sorted(out, key=lambda m: m.start)


def in_span(mentions: list[Mention], starts: list[int], a: int, b: int) -> list[Mention]:
    """The mentions whose number lies within text[a:b] (``starts`` is the sorted list of their ``start``)."""
    i = bisect_left(starts, a)
    out = []
    while i < len(mentions) and mentions[i].start < b:
        if mentions[i].end <= b:
            out.append(mentions[i])
        i += 1
    return out


def _clean(scope: str) -> str:
    return re.sub(r"\s+", " ", scope).strip(" ,;")


def leading_scope(gap: str) -> str | None:
    """The part named at the start of the words after a verb ("khoản 13 Điều 14", "Phần III …")."""
    m = _LEAD_SCOPE.match(gap)
    return _clean(m.group(1)) if m else None


def trailing_scope(prefix: str) -> tuple[str | None, str]:
    """The part named just before a document ("…, Điều 2 của" → "Điều 2") and the prefix without it."""
    tail = prefix[-400:]
    m = _TAIL_SCOPE.search(tail)
    if not m:
        return None, prefix
    cut = len(prefix) - len(tail) + m.start()
    return _clean(m.group(1)), prefix[:cut]
