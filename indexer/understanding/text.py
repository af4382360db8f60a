"""Text normalisation for matching: NFC, one tone-mark placement, đ/d and accent folding, digits, tokens.

Display text is only NFC-normalised; everything else here serves the lexical index and query matching.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Combining tone marks of Vietnamese (grave, acute, hook above, tilde, dot below).
_TONES = {"\u0300", "\u0301", "\u0309", "\u0303", "\u0323"}
# Vowels whose quality mark makes them the tone bearer (after NFD: base + U+0302/U+0306/U+031B).
_QUALITY = {"\u0302", "\u0306", "\u031b"}
_VOWELS = set("aeiouyAEIOUY")
_DIGITS = str.maketrans("০১২৩৪৫৬৭৮৯", "0123456789")
_TOKEN_RE = re.compile(r"[0-9A-Za-z\u00c0-\u024f\u1e00-\u1eff\u0300-\u036f\u0980-\u09ff_]+|[^\W\d_]+", re.UNICODE)
_WORD_RE = re.compile(r"[A-Za-z\u00c0-\u024f\u1e00-\u1eff\u0300-\u036f]+")


def nfc(text: str) -> str:
    """Unicode NFC, the one form stored and displayed."""
    return unicodedata.normalize("NFC", text)


def _place_tone(word: str) -> str:
    """Move a Vietnamese syllable's tone mark to one canonical vowel ('hoà' and 'hòa' give the same string)."""
    decomposed = unicodedata.normalize("NFD", word)
    tone = next((c for c in decomposed if c in _TONES), None)
    if tone is None:
        return word
    chars = [c for c in decomposed if c not in _TONES]
    # Group into base letters with their non-tone combining marks.
    letters: list[list[str]] = []
    for c in chars:
        if unicodedata.combining(c) and letters:
            letters[-1].append(c)
        else:
            letters.append([c])
    vowel_idx = [i for i, g in enumerate(letters) if g[0] in _VOWELS]
    if not vowel_idx:
        return word
    # 'qu' and 'gi' open the syllable: their u/i is not part of the nucleus when more vowels follow.
    first = letters[0][0].lower() if letters else ""
    if (
        len(vowel_idx) > 1
        and vowel_idx[0] == 1
        and ((first == "q" and letters[1][0].lower() == "u") or (first == "g" and letters[1][0].lower() == "i"))
    ):
        vowel_idx = vowel_idx[1:]
    target = None
    marked = [i for i in vowel_idx if any(m in _QUALITY for m in letters[i][1:])]
    if marked:
        target = marked[-1]  # ươ: the tone sits on ơ
    elif len(vowel_idx) == 1:
        target = vowel_idx[0]
    elif vowel_idx[-1] < len(letters) - 1:
        target = vowel_idx[-1]  # closed syllable: last vowel of the nucleus (hoàn, thuyền)
    elif len(vowel_idx) == 3:
        target = vowel_idx[1]
    else:
        pair = (letters[vowel_idx[0]][0] + letters[vowel_idx[1]][0]).lower()
        target = vowel_idx[1] if pair in {"oa", "oe", "uy"} else vowel_idx[0]
    letters[target].append(tone)
    return unicodedata.normalize("NFC", "".join("".join(g) for g in letters))


def canonical_tones(text: str) -> str:
    """NFC text with every Vietnamese syllable's tone mark in one canonical place."""
    return _WORD_RE.sub(lambda m: _place_tone(m.group(0)), nfc(text))


@lru_cache(maxsize=200_000)
def fold(token: str) -> str:
    """Lower-case, drop Latin diacritics (tones and quality marks) and map đ→d; Bengali marks are kept."""
    out: list[str] = []
    prev_latin = False
    for c in unicodedata.normalize("NFD", token.lower().replace("đ", "d").translate(_DIGITS)):
        if unicodedata.combining(c):
            if prev_latin:
                continue
        else:
            prev_latin = c < "\u0250"
        out.append(c)
    return unicodedata.normalize("NFC", "".join(out))


def normalize_token(token: str) -> str:
    """The exact matching form of a token: lower-case, canonical tone placement, ASCII digits."""
    return _place_tone(token.lower().translate(_DIGITS))


def tokenize(text: str) -> list[str]:
    """Split into lexical tokens in their exact matching form (Vietnamese syllables, Bengali words, numbers)."""
    return [normalize_token(t) for t in _TOKEN_RE.findall(nfc(text)) if t.strip("_")]


def _vietnamese_letters() -> tuple[frozenset[str], frozenset[str]]:
    """(every marked Vietnamese letter, those no Western European language uses: ă â ê ô ơ ư đ, hook above,
    dot below and their combinations), both cases."""
    vowels = {"a": "aăâ", "e": "eê", "i": "i", "o": "oôơ", "u": "uư", "y": "y"}
    tones = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")  # grave, acute, hook above, tilde, dot below
    marked: set[str] = {"đ", "Đ"}
    distinct: set[str] = {"đ", "Đ"}
    for qualities in vowels.values():
        for quality in qualities:
            for tone in tones:
                for letter in (quality, quality.upper()):
                    c = unicodedata.normalize("NFC", letter + tone)
                    if c.lower() == quality and not tone:
                        if quality not in "aeiouy":
                            marked.add(c)
                            distinct.add(c)
                        continue
                    marked.add(c)
                    if quality not in "aeiouy" or tone in ("\u0309", "\u0323"):
                        distinct.add(c)
    return frozenset(marked), frozenset(distinct)


VIETNAMESE_MARKED, VIETNAMESE_ONLY = _vietnamese_letters()
_WORDS = re.compile(r"[^\W\d_]+", re.UNICODE)


def has_vietnamese_diacritics(text: str) -> bool:
    """True when the text is written with Vietnamese marks.

    A letter only Vietnamese uses (ă â ê ô ơ ư đ, a hook above or a dot below: "ở", "ạ") decides at once. The
    marks Vietnamese shares with French or Spanish (à á ã è é …) count only when at least half of the words
    carry a Vietnamese mark, so "café culture in Paris", "Müller", "20 °C" or a no-break space are not
    Vietnamese while "cà phê" is."""
    text = nfc(text)
    if any(c in VIETNAMESE_ONLY for c in text):
        return True
    words = _WORDS.findall(text)
    if not words:
        return False
    marked = sum(1 for w in words if any(c in VIETNAMESE_MARKED for c in w))
    return marked > 0 and 2 * marked >= len(words)
