"""Capital lines of a scanned header and signature block: their words, their specks, the signer's "TM.".

- **Header phrases** whose diacritics were misread ("CHÍNH PHÙ" → "CHÍNH PHỦ", "NGHI ĐINH"), lost their spaces
  ("BỘTÀICHÍNH") or one letter ("BỘ TAL CHÍNH", for phrases of two words or more and 8 letters or more) take the
  spelling of the phrase (types, state and party bodies, signers' titles, the national motto).
- **Specks** Tesseract sets around a capital line ("„CHÍNH PHỦ", ": - THÔNG TƯ .") or between the issuer and the
  motto ("BỘ CÔNG THƯƠNG. CỘNG HÒA …") go.
- **The signer's "TM."**: a collective body on a signature line behind a speck of 1-4 characters ("1%I CHÍNH PHỦ")
  gets its "TM." back, and one read on the same line as "Nơi nhận:" beside it is split off again.
"""

from __future__ import annotations

import re

from indexer.understanding.doctypes import DOC_TYPES
from indexer.understanding.review import is_vietnamese_syllable
from indexer.understanding.text import fold

__all__ = [
    "HEADER_PHRASES",
    "SIGNATURE_SPECK",
    "is_capitals",
    "is_speck",
    "repair_header_words",
    "signature_beside",
    "strip_specks",
]

# Header phrases in capitals: document types, state and party bodies, signers' titles, the national motto.
_BODIES_AND_TITLES = {
    "CHÍNH PHỦ", "THỦ TƯỚNG", "THỦ TƯỚNG CHÍNH PHỦ", "PHÓ THỦ TƯỚNG", "QUỐC HỘI",
    "ỦY BAN THƯỜNG VỤ QUỐC HỘI", "ỦY BAN NHÂN DÂN", "HỘI ĐỒNG NHÂN DÂN", "BỘ TRƯỞNG", "THỨ TRƯỞNG",
    "CHỦ TỊCH", "PHÓ CHỦ TỊCH", "CHỦ TỊCH NƯỚC", "BAN CHẤP HÀNH TRUNG ƯƠNG", "BỘ CHÍNH TRỊ", "BAN BÍ THƯ",
    "TỈNH ỦY", "THÀNH ỦY", "HUYỆN ỦY", "QUẬN ỦY", "THỊ ỦY", "ĐẢNG ỦY", "ĐẢNG BỘ", "BÍ THƯ",
    "PHÓ BÍ THƯ", "TỔNG BÍ THƯ", "VĂN PHÒNG", "TRUNG ƯƠNG", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "ĐẢNG CỘNG SẢN VIỆT NAM", "BỘ TÀI CHÍNH", "BỘ TƯ PHÁP", "BỘ CÔNG AN", "BỘ QUỐC PHÒNG", "BỘ NỘI VỤ",
    "BỘ NGOẠI GIAO", "BỘ CÔNG THƯƠNG", "BỘ XÂY DỰNG", "BỘ Y TẾ", "BỘ GIÁO DỤC VÀ ĐÀO TẠO",
    "BỘ KẾ HOẠCH VÀ ĐẦU TƯ", "BỘ NÔNG NGHIỆP VÀ MÔI TRƯỜNG", "BỘ KHOA HỌC VÀ CÔNG NGHỆ",
    "BỘ VĂN HÓA, THỂ THAO VÀ DU LỊCH", "BỘ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI", "BỘ DÂN TỘC VÀ TÔN GIÁO",
    "NGÂN HÀNG NHÀ NƯỚC VIỆT NAM", "TÒA ÁN NHÂN DÂN TỐI CAO", "VIỆN KIỂM SÁT NHÂN DÂN TỐI CAO",
    "KIỂM TOÁN NHÀ NƯỚC", "THANH TRA CHÍNH PHỦ", "ỦY BAN KIỂM TRA", "BAN TUYÊN GIÁO", "BAN TỔ CHỨC",
    "BAN DÂN VẬN", "BAN NỘI CHÍNH",
}  # fmt: skip
HEADER_PHRASES: tuple[str, ...] = tuple(
    sorted({t.upper() for t in DOC_TYPES} | _BODIES_AND_TITLES, key=lambda p: -len(p.split()))
)
_PHRASE_KEYS = {fold(p): p for p in HEADER_PHRASES}
# Bold capitals often lose their spaces ("BỘTÀICHÍNH"): phrases of two words or more, compared without spaces.
_JOINED_KEYS = {k.replace(" ", ""): p for k, p in _PHRASE_KEYS.items() if " " in k and len(k) >= 8}
_MAX_PHRASE_WORDS = max(len(p.split()) for p in HEADER_PHRASES)
# Collective bodies sign "TM." (on behalf of); a speck in front of one on its own line was that "TM.".
_COLLECTIVE = ("CHÍNH PHỦ", "ỦY BAN NHÂN DÂN", "BAN CHẤP HÀNH", "BỘ CHÍNH TRỊ", "BAN BÍ THƯ", "TỈNH ỦY",
               "THÀNH ỦY", "HUYỆN ỦY", "ĐẢNG ỦY", "HỘI ĐỒNG NHÂN DÂN", "BAN THƯỜNG VỤ", "ỦY BAN THƯỜNG VỤ")  # fmt: skip
SIGNATURE_SPECK = re.compile(rf"^(\S{{1,4}})\s+((?:{'|'.join(_COLLECTIVE)})(?:\s+[A-ZÀ-ỸĐ]+){{0,4}})\s*$")


_BODY_AT_END = re.compile(rf"\s((?:{'|'.join(_COLLECTIVE)})(?:\s+[A-ZÀ-ỸĐ]+){{0,4}})\s*$")


def signature_beside(line: str) -> tuple[str, str] | None:
    """(the left column, the signing body) of a line that reads "Nơi nhận: | I 4 CHÍNH PHỦ": two columns, specks
    between them, read as one line."""
    m = _BODY_AT_END.search(line)
    if not m:
        return None
    tokens = line[: m.start()].split()
    run: list[str] = []
    while tokens and len(run) < 3 and _speck_token(tokens[-1]):
        run.insert(0, tokens.pop())
    left = " ".join(tokens)
    if not run or not _speck_run(run) or not any(c.isalpha() for c in left) or is_capitals(left):
        return None
    return left, m.group(1)


def _speck_token(token: str) -> bool:
    """No word: no letter at all ("|", "4", "‹"), one letter, or two that make no syllable ("TW")."""
    core = token.strip(".,;:!?")
    letters = [c for c in core if c.isalpha()]
    if core.upper() in _SIGNING:
        return False
    return not letters or len(core) == 1 or (len(core) == 2 and core.isalpha() and not is_vietnamese_syllable(core))


def _speck_run(tokens: list[str]) -> bool:
    """Specks between two columns, at least one of them no letter at all ("| I 4")."""
    return all(_speck_token(t) for t in tokens) and any(not any(c.isalpha() for c in t) for t in tokens)


def is_speck(token: str) -> bool:
    """A token in front of a signing body that is no word: "1%I", "*", "Tf", "IM" — not "VỀ", "TM.", "UBND"."""
    core = token.rstrip(".,")
    if core.upper() in _SIGNING or (core.isalpha() and is_vietnamese_syllable(core)):
        return False
    return not core.isalpha() or len(core) <= 2


_SPECKS = "„“”‘’\"'`.,_~|:;*^¬-—–"
_MOTTO = re.compile(r"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM|ĐẢNG CỘNG SẢN VIỆT NAM")
_SIGNING = {"TM", "KT", "TL", "Q", "TUQ"}  # thay mặt, ký thay, thừa lệnh, quyền, thừa ủy quyền
_LEADING_SPECK = re.compile(r"^[„“”‘’\"'`.,_~|:;*^]+\s*(?=[A-ZÀ-ỸĐ])")


def _one_edit(a: str, b: str) -> bool:
    """True when a and b differ by at most one substituted, inserted or deleted character."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) <= 1
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def _phrase_for(core: str) -> str | None:
    """The header phrase a run of capital words spells: equal without diacritics, or (for a phrase of two words
    or more and 8 letters or more) one letter off ("BỘ TAL CHÍNH")."""
    if not core.isupper():
        return None
    key = fold(core)
    phrase = _PHRASE_KEYS.get(key) or _JOINED_KEYS.get(key.replace(" ", ""))
    if phrase is None and len(key) >= 8 and " " in key:
        near = [p for k, p in _PHRASE_KEYS.items() if k.count(" ") == key.count(" ") and _one_edit(k, key)]
        phrase = near[0] if len(near) == 1 else None
    return phrase


def _strip_marks(text: str) -> str:
    """The text without the specks at its ends: anything not a letter or digit ("©", "ˆ", "¬", "-", quotes)."""
    return re.sub(r"^[^\w]+|[^\w]+$", "", text.strip()).strip() if re.search(r"\w", text) else ""


def repair_header_words(line: str) -> str:
    """Capital words spelled as the header phrase they stand for; specks around the national motto removed."""
    words = line.split(" ")
    if sum(1 for w in words if w[:1].isupper()) < max(1, len(words) // 2):
        return line
    out: list[str] = []
    i = 0
    while i < len(words):
        for n in range(min(_MAX_PHRASE_WORDS, len(words) - i), 0, -1):
            chunk = " ".join(words[i : i + n])
            core = chunk.strip(".,;:")
            phrase = _phrase_for(core)
            if phrase is not None:
                out.append(chunk.replace(core, phrase))
                i += n
                break
        else:
            out.append(words[i])
            i += 1
    fixed = " ".join(out)
    motto = _MOTTO.search(fixed)
    if motto:  # "BỘ CÔNG THƯƠNG. CỘNG HÒA … VIỆT NAM -": the issuer and the motto without the specks
        left = _strip_marks(fixed[: motto.start()])
        right = fixed[motto.end() :]
        right = "" if not _strip_marks(right) else right
        fixed = (left + " " if left else "") + motto.group(0) + right
    return fixed


def strip_specks(line: str) -> str:
    """A capital header line without the specks Tesseract put around it ("„CHÍNH PHỦ", ": - THÔNG TƯ .")."""
    tokens = line.split(" ")
    start, end = 0, len(tokens)
    while start < end and not any(c.isalnum() for c in tokens[start]):
        start += 1
    while end > start and not any(c.isalnum() for c in tokens[end - 1]):
        end -= 1
    core = " ".join(tokens[start:end])
    m = _LEADING_SPECK.match(core)
    core = core[m.end() :] if m else core
    return core if core and core.isupper() and core != line else line


def is_capitals(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    return len(letters) >= 2 and sum(c.isupper() for c in letters) >= 0.9 * len(letters)
