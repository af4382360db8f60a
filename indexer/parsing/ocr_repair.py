"""OCR-tolerant repair of identity lines, applied to OCR'd text only (a text layer is never touched).

Tesseract's usual misreads of a Vietnamese header are few and regular, and each repair below fires only where
the text as read is *invalid*, so a correct reading is never changed:

- **"Số:" misread** ("S6:", "Sô", "Sồ", "56:", "36:") at a line start before a number code, and specks
  (".", "_", "'") in front of it, which stop the header pattern from matching.
- **Digits in number codes**: O/o → 0 and l/I/| → 1 inside the serial and the year ("2O21", "l15"), the
  Icelandic Ð (U+00D0) that Tesseract emits for Đ ("NÐ-CP").
- **Dates** "ngày … tháng … năm …": the three words with lost or wrong diacritics ("ngay", "thang", "nãm"),
  l/I/O inside the figures ("tháng I1"), and a day above 31 (or the month's length) or a month above 12 read
  from a confusable digit (8/3, 8/6, 5/6, 1/7, 0/8, 9/8): the valid reading nearest by digit shape is chosen
  only when it is unique; otherwise the date is left as read and flagged ``ambiguous``.
- **Capital header and signature lines** (``ocr_header``): phrases with misread diacritics, lost spaces or one
  letter off, specks around them, the signer's "TM." behind a speck.

Every change (and every flagged doubt) is returned as an ``OcrNote`` for ``understanding.review``.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import asdict, dataclass
from typing import Any

from indexer.parsing.ocr_header import (
    HEADER_PHRASES,
    SIGNATURE_SPECK,
    is_capitals,
    is_speck,
    repair_header_words,
    signature_beside,
    strip_specks,
)

__all__ = ["HEADER_PHRASES", "OcrNote", "repair_date", "repair_ocr_text"]


@dataclass(frozen=True)
class OcrNote:
    """One repair (``before`` → ``after``) or doubt on an OCR'd line, for the review of identity fields.

    ``kind``: "number" (the "Số:" line), "date", "header" (capital header words), "signature" (a restored "TM.").
    ``confidence``: Tesseract's lowest word confidence on the line (0-100), -1 when unknown.
    ``ambiguous``: a misread was seen but no single valid reading exists, or a second reading of the page gives
    another value (``alternative``); the text was left as read.
    """

    kind: str
    before: str
    after: str
    page: int | None = None
    confidence: float = -1.0
    ambiguous: bool = False
    alternative: str | None = None

    @property
    def repaired(self) -> bool:
        """Letters or digits changed (specks and spacing removed in front of a line do not count)."""
        return _alnum(self.before) != _alnum(self.after)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OcrNote:
        keys = ("kind", "before", "after", "page", "confidence", "ambiguous", "alternative")
        return cls(**{k: data[k] for k in keys if k in data})


def _alnum(text: str) -> str:
    return "".join(c for c in text if c.isalnum())


_HEADER_LINES = 15  # the header block of a first page: issuer, motto, number, date, type
# Tesseract reads a scanned 8 as "§" (no Vietnamese text uses the sign); next to figures or alone it is an 8.
_SECTION_EIGHT = re.compile(r"§(?=\d|\b|$)|(?<=\d)§")
_SO_WORD = r"(?:[S5$8][ốôồổỗộóòỏõọoơớờởỡợö60]|36|56)"
_DIGIT = r"[0-9OolI|]"
_NUMBER_LINE = re.compile(
    rf"^[\s.,'`_~|:;*-]*(?P<word>{_SO_WORD}|Số|So)\s*[:.;,]*\s*(?P<code>{_DIGIT}{{1,6}}(?:\s*/\s*{_DIGIT}{{4}})?"
    r"\s*[/\-–—‐]\s*[A-ZĐÐa-z][\wĐÐđ]*(?:\s*[\-–—‐/]\s*[\wĐÐđ]+)*)"
)
# Type codes that a body code follows after a dash ("TT-BXD"): a space read in place of that dash is a dash.
_PLACE_THEN_DATE = re.compile(r"[A-ZĐ][^\W\d_]*(?: [A-ZĐ][^\W\d_]*){0,3},? ng[aàáảãạ]y\b")
_TYPE_CODES = {"NĐ", "QĐ", "TT", "NQ", "CT", "KL", "TB", "HD", "BC", "KH", "QĐi", "TTLT", "NQLT", "VBHN", "CV", "TTr"}
_DIGITISH = str.maketrans({"O": "0", "o": "0", "l": "1", "I": "1", "|": "1", "!": "1"})
_SEP = r"[\s:.,;'`_~|*-]*"
_TWO = rf"{_DIGIT}(?: ?{_DIGIT})?"  # a day or month; "1 6" is a 16 whose digits Tesseract set apart
_DATE_WORDS = re.compile(
    rf"(?i)\b(ng[aàáảãạ]y){_SEP}({_TWO}){_SEP}(th[aàáảãạăắằẳẵặâấầẩẫậ]ng){_SEP}({_TWO}){_SEP}"
    rf"(n[aàáảãạăắằẳẵặâấầẩẫậ]m){_SEP}([0-9OolI|⁄/%]{{4}})(?!\d)"
)
# Digits a scan confuses, with a cost by likeness of shape (lower: more alike).
_CONFUSABLE: dict[str, tuple[tuple[str, float], ...]] = {
    "8": (("3", 1.0), ("6", 1.0), ("9", 1.2), ("0", 1.5)),
    "3": (("8", 1.0), ("5", 1.5)),
    "6": (("8", 1.0), ("5", 1.0), ("0", 1.5)),
    "5": (("6", 1.0), ("3", 1.5)),
    "9": (("8", 1.2), ("0", 1.5)),
    "0": (("8", 1.5), ("6", 1.5), ("9", 1.5)),
    "7": (("1", 1.0),),
    "4": (("1", 1.5),),
    "1": (("7", 1.0), ("4", 1.5)),
}


def _cased(word: str, model: str) -> str:
    """``model`` spelled in the case of ``word`` ("Ngay" → "Ngày")."""
    if word.isupper():
        return model.upper()
    if word[:1].isupper():
        return model[:1].upper() + model[1:]
    return model


def _valid_day(day: int, month: int, year: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1] if 1 <= month <= 12 else False


def repair_date(day: str, month: str, year: str) -> tuple[str, str, bool]:
    """(day, month, ambiguous) of a date read from a scan.

    Digit-shaped letters are read as digits; then a day above 31 (or a month above 12) is replaced by the
    unique nearest valid reading that changes one confusable digit of it. A day that exists in no month is a
    misread of the day; one that exists but not in this month ("31 tháng 4") may be a misread of either, so it
    is left as read and flagged, like a tie between two readings.
    """
    d, m = day.translate(_DIGITISH), month.translate(_DIGITISH)
    y = int(year.translate(_DIGITISH)) if year.translate(_DIGITISH).isdigit() else 2000
    if not (d.isdigit() and m.isdigit()):
        return d, m, True
    if _valid_day(int(d), int(m), y):
        return d, m, False
    wrong = [t for t, text, top in (("d", d, 31), ("m", m, 12)) if not 1 <= int(text) <= top]
    if len(wrong) != 1:
        return d, m, True
    target = wrong[0]
    text = d if target == "d" else m
    options: list[tuple[float, str, str]] = []
    for i, ch in enumerate(text):
        for alt, cost in _CONFUSABLE.get(ch, ()):
            new = text[:i] + alt + text[i + 1 :]
            nd, nm = (new, m) if target == "d" else (d, new)
            if _valid_day(int(nd), int(nm), y):
                options.append((cost, nd, nm))
    options.sort()
    if options and (len(options) == 1 or options[0][0] < options[1][0]):
        return options[0][1], options[0][2], False
    return d, m, True


def _repair_year(year: str, number_year: str | None) -> str:
    """The year with digit-shaped letters read as digits; one unreadable character ("20⁄5") is taken from the
    year of the number beside it when its other three digits agree, the only reading then left."""
    y = year.translate(_DIGITISH)
    odd = [i for i, c in enumerate(y) if not c.isdigit()]
    if len(odd) == 1 and number_year and len(number_year) == len(y):
        others = [i for i in range(len(y)) if i != odd[0]]
        if all(y[i] == number_year[i] for i in others):
            return number_year
    return y


def _repair_dates(line: str, number_year: str | None = None) -> tuple[str, bool]:
    """The line with its dates repaired and written "ngày D tháng M năm Y"; True when one was left ambiguous.

    ``number_year``: the year of the document's number when this is a header line (see ``_repair_year``).
    """
    ambiguous = False

    def fix(mt: re.Match[str]) -> str:
        nonlocal ambiguous
        y = _repair_year(mt.group(6), number_year)
        d, m, doubt = repair_date(mt.group(2).replace(" ", ""), mt.group(4).replace(" ", ""), y)
        ambiguous |= doubt or not y.isdigit()
        words = [_cased(mt.group(1), "ngày")] + [
            w.upper() if mt.group(i).isupper() else w for i, w in ((3, "tháng"), (5, "năm"))
        ]
        return f"{words[0]} {d} {words[1]} {m} {words[2]} {y}"

    fixed = _DATE_WORDS.sub(fix, line)
    # "Hà Nội ngày 10 tháng 02 …" on a header line: the place keeps its comma.
    fixed = re.sub(r"(?m)^((?:Số: \S+\s+)?[A-ZĐ][^\W\d_]*(?: [A-ZĐ][^\W\d_]*){0,3}) (?=ngày \d)", r"\1, ", fixed)
    return fixed, ambiguous


def _repair_code(code: str) -> str:
    """A number code with digit-shaped letters read as digits, Đ for Ð, and a serial glued to its year split."""
    code = re.sub(r"[–—‐]", "-", code)  # Tesseract reads the code's dash as an en or em dash
    parts = re.split(r"(\s*[/-]\s*)", code)
    digits = re.compile(r"[0-9OolI|]+")
    head = [p.translate(_DIGITISH) if i in (0, 2) and digits.fullmatch(p) else p for i, p in enumerate(parts)]
    serial = head[0]
    year_follows = len(head) > 2 and re.fullmatch(r"\d{4}", head[2])
    if not year_follows and len(serial) >= 5 and 1945 <= int(serial[-4:]) <= 2100:
        head[0] = f"{serial[:-4]}/{serial[-4:]}"  # "112026/TT-BTC": the slash between 11 and 2026 was lost
    if len(head) in (3, 5) and "-" not in head[-1]:  # "57/2025/TTBCT": the dash between type and body was lost
        glued = re.fullmatch(
            rf"({'|'.join(sorted(_TYPE_CODES, key=len, reverse=True))})([A-ZĐ]{{2,}}[A-Za-zĐ]*)", head[-1]
        )
        if glued and glued.group(0) not in _TYPE_CODES:
            head[-1] = f"{glued.group(1)}-{glued.group(2)}"
    return "".join(head).replace("Ð", "Đ")


def _repair_number_line(line: str) -> tuple[str, bool]:
    """The "Số: …" line with its word and code repaired and its specks dropped, and whether the line is one."""
    mt = _NUMBER_LINE.match(line)
    if not mt:
        return line, False
    code = _repair_code(mt.group("code"))
    rest = line[mt.end() :]
    glued = re.match(r" ([A-ZĐ]{2,})\b", rest)
    if glued and code.rsplit("/", 1)[-1] in _TYPE_CODES:
        code, rest = f"{code}-{glued.group(1)}", rest[glued.end() :]
    tokens = rest.split()
    # "© : : _ a" between the number and the place go; what follows the place is left as read.
    place = next((i for i, t in enumerate(tokens[:6]) if t[0].isupper() and any(c.isalpha() for c in t)), 0)
    rest = " ".join(tokens[place:])
    # Tesseract reads the header's two columns as one line; the place and date go on their own line, as printed.
    sep = "\n" if _PLACE_THEN_DATE.match(rest) else " "
    return f"Số: {code}{sep}{rest}".rstrip(), True


def _span_confidence(words: list[tuple[str, float]], start: int, end: int) -> float:
    """The lowest confidence of the words of a line (joined by single spaces) that overlap [start, end)."""
    confs, offset = [], 0
    for word, conf in words:
        if offset < end and start < offset + len(word):
            confs.append(conf)
        offset += len(word) + 1
    return min(confs) if confs else -1.0


def repair_ocr_text(
    text: str, page: int | None = None, words: list[list[tuple[str, float]]] | None = None
) -> tuple[str, list[OcrNote]]:
    """(repaired text, notes): every line of OCR'd text through the repairs above.

    ``words``: each line's words with Tesseract's confidence (aligned with ``text.split("\n")``, the line being
    its words joined by spaces); a note's confidence is that of the words its field was read from (the number
    code, the date's figures, the words of a header line). The number and date lines, and the capital lines of
    the header block, are noted even when nothing needed repair, so review sees how surely they were read.
    """
    lines = text.replace("Ð", "Đ").replace("ð", "đ").split("\n")
    notes: list[OcrNote] = []
    number_year: str | None = None
    number_line = -10
    for i, line in enumerate(lines):
        line_words = words[i] if words and i < len(words) else []
        # A header line's confidence is that of its words, not of the specks Tesseract saw beside them.
        whole = min((c for w, c in line_words if sum(ch.isalnum() for ch in w) >= 2), default=-1.0)
        line = _SECTION_EIGHT.sub("8", line)
        number = _NUMBER_LINE.match(line)
        dates = list(_DATE_WORDS.finditer(line))
        new, is_number = _repair_number_line(line)
        if is_number:
            year = re.match(r"Số: \d+/(\d{4})/", new)
            number_year, number_line = (year.group(1) if year else None), i
        new = repair_header_words(strip_specks(new))
        new, doubt = _repair_dates(new, number_year if i - number_line <= 3 else None)
        speck = SIGNATURE_SPECK.match(new)
        beside = None if speck else signature_beside(new)
        if speck and is_speck(speck.group(1)):
            new = "TM. " + speck.group(2)
            notes.append(OcrNote("signature", lines[i], new, page, whole))
        elif beside:  # the signature block set beside "Nơi nhận:" and read as one line with it: two lines again
            new = f"{beside[0]}\nTM. {beside[1]}"
            notes.append(OcrNote("signature", lines[i], f"TM. {beside[1]}", page, whole))
        if is_number and number:
            conf = _span_confidence(line_words, *number.span("code"))
            notes.append(OcrNote("number", lines[i], new, page, conf))
        if dates:
            conf = min(_span_confidence(line_words, m.start(2), m.end(6)) for m in dates)
            notes.append(OcrNote("date", lines[i], new, page, conf, ambiguous=doubt))
        elif (
            not is_number and not speck and not beside and (new != lines[i] or (i < _HEADER_LINES and is_capitals(new)))
        ):
            notes.append(OcrNote("header", lines[i], new, page, whole))  # noted repaired or not, for review
        lines[i] = new
    return "\n".join(lines), notes
