"""Document numbers (số hiệu): one canonical form, the lookup keys of its variants, and numbers named in queries.

``57-NQ/TW``, ``57/NQ-TW``, ``NQ 57``, ``৫৭-এনকিউ/টিডব্লিউ`` and ``249/2025/ND-CP`` / ``249/2025/NĐ-CP`` must meet in
the index: ``number_variants`` (stored with a document) and ``find_numbers`` (applied to a query) both end in the
same separator-free, accent-folded keys, so a lookup never depends on how the number was typed.
"""

from __future__ import annotations

import re

from indexer.understanding.text import fold, nfc

_BN_DIGITS = str.maketrans("০১২৩৪৫৬৭৮৯", "0123456789")
# Latin letters as Bengali texts spell them out ("এনকিউ" = N Q, "টিডব্লিউ" = T W).
_BN_LETTERS: dict[str, str] = {
    "এ": "A", "বি": "B", "সি": "C", "ডি": "D", "ই": "E", "এফ": "F", "জি": "G", "এইচ": "H", "আই": "I",
    "জে": "J", "কে": "K", "এল": "L", "এম": "M", "এন": "N", "ও": "O", "পি": "P", "কিউ": "Q", "আর": "R",
    "এস": "S", "টি": "T", "ইউ": "U", "ভি": "V", "ডব্লিউ": "W", "ডাব্লিউ": "W", "ডাবলিউ": "W", "ডব্লু": "W",
    "এক্স": "X", "ওয়াই": "Y", "জেড": "Z",
}  # fmt: skip
_BN_NAMES = sorted(_BN_LETTERS, key=len, reverse=True)
_BN_RUN = re.compile(r"[\u0980-\u09ff]+")
# Cyrillic and Greek letters that look Latin and slip into number codes ("TT-BTС" with a Cyrillic С).
_HOMOGLYPHS = str.maketrans("АВСЕНКМОРТХУаесорхуΑΒΕΗΚΜΝΟΡΤΧ", "ABCEHKMOPTXYaecopxyABEHKMNOPTX")
# Codes written with Đ or in mixed case in the official form; restored when a variant lost them.
_RESTORE = {
    "ND": "NĐ", "QD": "QĐ", "BGDDT": "BGDĐT", "BKHDT": "BKHĐT", "DU": "ĐU", "TTG": "TTg", "TTR": "TTr",
    "QDI": "QĐi", "QĐI": "QĐi", "HDND": "HĐND", "BLDTBXH": "BLĐTBXH",
}  # fmt: skip
# Party numbers put the type before the body: 57-NQ/TW (state documents: 249/2025/NĐ-CP).
_PARTY_BODIES = {"TW", "TU", "ĐU", "HU", "QU", "ĐUK", "BTGTW", "BTCTW", "UBKTTW", "VPTW", "BDVTW", "BKTTW"}
_SWAPPED_PARTY = re.compile(r"^(\d+)/([A-ZĐ]+)-([A-ZĐ]+)$")
_TYPE_WORDS = {
    "nghị quyết": "NQ", "chỉ thị": "CT", "kết luận": "KL", "quyết định": "QĐ", "nghị định": "NĐ",
    "thông tư": "TT", "quy định": "QĐi", "hướng dẫn": "HD", "thông báo": "TB", "báo cáo": "BC",
}  # fmt: skip

NUMBER_PATTERN = (
    r"[0-9০-৯]*(?:\.[0-9০-৯]+)?(?:\s*/\s*[0-9০-৯]{4})?"
    r"(?:\s*[/-]\s*[A-Za-zĐđ\u0980-\u09ff][\w\u0980-\u09ffĐđ]*(?:[-/][\w\u0980-\u09ffĐđ]+)*)"
)
_FULL_RE = re.compile(
    r"(?<![\w/])(?:[0-9০-৯]+(?:\.[0-9০-৯]+)?(?:/[0-9০-৯]{4})?[/-]"
    r"(?:[A-Za-zĐđ][A-Za-zĐđ0-9]*|[\u0980-\u09ff]+)(?:[-/](?:[A-Za-zĐđ][A-Za-zĐđ0-9]*|[\u0980-\u09ff]+))*)"
)
_SHORT_RE = re.compile(r"\b(NQ|CT|KL|QĐ|QD|NĐ|ND|TT|HD|TB|BC|QĐi)\s*(?:số\s*)?(\d{1,4})\b(?![/-]\w)")
_WORD_RE = re.compile(r"(?i)\b(" + "|".join(_TYPE_WORDS) + r")\s+(?:số\s+)?(\d{1,4})\b(?![/.,-]\d|[/-]\w)", re.UNICODE)


def transliterate_bengali(text: str) -> str:
    """Bengali digits to ASCII and spelled-out Latin letters back to letters ("৫৭-এনকিউ" → "57-NQ")."""

    def run(m: re.Match[str]) -> str:
        s, out = m.group(0), []
        while s:
            name = next((n for n in _BN_NAMES if s.startswith(n)), None)
            if name is None:
                return m.group(0)  # not a spelled-out code: leave the Bengali word alone
            out.append(_BN_LETTERS[name])
            s = s[len(name) :]
        return "".join(out)

    return _BN_RUN.sub(run, text.translate(_BN_DIGITS))


def _restore(segment: str) -> str:
    return _RESTORE.get(segment, segment)


def canonical_number(raw: str) -> str:
    """The one display form of a number: NFC, Latin script, no spaces, upper-case codes with Đ restored."""
    s = transliterate_bengali(nfc(raw)).translate(_HOMOGLYPHS)
    s = re.sub(r"\s+", "", s).strip(".,;:").upper()
    s = re.sub(r"[A-ZĐ]+", lambda m: _restore(m.group(0)), s)
    m = _SWAPPED_PARTY.match(s)
    if m and m.group(3) in _PARTY_BODIES:
        s = f"{m.group(1)}-{m.group(2)}/{m.group(3)}"
    return s


def number_key(raw: str) -> str:
    """Separator-free, accent-folded, upper-case lookup key ("57/NQ-TW", "57-nq/tw" → "57NQTW")."""
    return re.sub(r"[^0-9A-Z]", "", fold(canonical_number(raw)).upper())


def short_key(number: str) -> str | None:
    """The key of the colloquial form "NQ 57" (type code and serial) for a full number, if it has both."""
    m = re.match(r"^(\d+)(?:/\d{4})?[/-]([A-ZĐa-z]+)", canonical_number(number))
    return number_key(f"{m.group(1)}{m.group(2)}") if m else None


def number_variants(number: str) -> list[str]:
    """Lookup keys under which a number is found: canonical, folded, separator-free key, "NQ 57" key."""
    canon = canonical_number(number)
    keys = [canon, fold(canon).upper(), number_key(canon), short_key(canon)]
    return list(dict.fromkeys(k for k in keys if k))


def find_numbers(text: str) -> list[str]:
    """Document numbers mentioned in free text (a query), as lookup keys matching ``number_variants``."""
    text = transliterate_bengali(nfc(text))
    out: list[str] = []
    for m in _FULL_RE.finditer(text):
        if any(c.isalpha() for c in m.group(0)):
            out.extend(number_variants(m.group(0)))
    for m in _SHORT_RE.finditer(text):
        out.append(number_key(m.group(2) + m.group(1)))
    for m in _WORD_RE.finditer(text):
        serial = m.group(2)
        if not (len(serial) == 4 and serial.startswith(("19", "20"))):  # "Nghị quyết 2025" is a year
            out.append(number_key(serial + _TYPE_WORDS[m.group(1).lower()]))
    return list(dict.fromkeys(out))
