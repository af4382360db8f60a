"""Vietnamese syllables, and words a PDF text layer split apart next to a diacritic ("v ăn b ản", "ĐIỀ U").

Some gazette fonts make pypdf put a space inside a word beside a letter with a diacritic: "Căn c ứ Lu ật",
"ng ười", "ĐIỀ U", "34/2016/N Đ-CP". A Vietnamese syllable has a strict shape (an onset, one rhyme of a closed
list, at most one tone mark, only the sắc or nặng tone before a final c/ch/p/t), so two fragments are joined only
when together they make one syllable and the space sits beside a Vietnamese letter with a diacritic, and then:

- the left fragment is a bare onset ("c", "ng", "Ngh", "qu") — never a word on its own; or
- one fragment is not a syllable at all ("ệc" of "vi ệc", "ĐIỀ" of "ĐIỀ U"); or
- both are syllables ("cu ối", "bá o") and the document's own words decide: the joined word occurs whole in the
  document, and more often than the right fragment occurs where it could not be a fragment ("Tiếp thu ý kiến"
  stays: "ý" stands alone all over the document and "thuý" never does).

A bare onset on the right ("hợ p") joins only when the whole word occurs in the document ("và n khoản" stays),
and gives way to a join on its right ("nhà n ước" is "nhà nước"). Case must agree ("chú A" stays). A number's
code split at "Đ" ("N Đ-CP", "BKH ĐT") is joined too: a number never holds a space.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

from indexer.understanding.text import canonical_tones

__all__ = ["SplitWordRepair", "is_syllable", "repair_split_words"]

_TONES = frozenset("\u0300\u0301\u0309\u0303\u0323")  # grave, acute, hook above, tilde, dot below
_STOP_TONES = frozenset("\u0301\u0323")  # a syllable closed by c/ch/p/t takes only sắc or nặng
_ONSETS = tuple(
    sorted("ngh ng nh ch gh gi kh ph qu th tr b c d đ g h k l m n p r s t v x".split(), key=len, reverse=True)  # noqa: SIM905
)
_RHYMES = frozenset(
    """a ai ao au ay am an ang anh ac ach ap at ăm ăn ăng ăc ăp ăt âm ân âng âc âp ât âu ây
    e eo em en eng ec ep et ê êu êm ên ênh êch êp êt i ia iu im in inh ich ip it
    iêm iên iêng iêc iêp iêt iêu yêm yên yêng yêc yêt yêu
    o oa oai oao oay oam oan oang oanh oac oach oap oat oăm oăn oăng oăc oăt oe oeo oen oet
    oi om on ong oc op ot oong ooc ô ôi ôm ôn ông ôc ôp ôt ơ ơi ơm ơn ơp ơt
    u ua uê uêch uênh uơ ui um un ung uc up ut uy uya uyu uyên uyêt uynh uych uyt uyn
    uân uâng uât uây uôi uôm uôn uông uôc uôt
    ư ưa ưi ưu ưm ưn ưng ưc ưt ươi ươu ươm ươn ương ươc ươp ươt y ynh ych yt""".split()  # noqa: SIM905
)
_VOWELS = frozenset("aăâeêioôơuưy")
# Syllables without an onset that are words on their own; any other ("ật", "ười", "ững") is the end of a split word.
_VOWEL_WORDS = frozenset(
    canonical_tones(w)
    for w in """a à á ả ạ ai ái ải ao ào áo ảo au ay áy ác ách am ám an án ang áng anh ánh ảnh áp át ăn ắt
    ấm ầm ẩm âm ân ấn ẩn âu ấu ẩu ấy ẩy ấp ập ất e è é ẻ em én eo ép ẹp ê ế ể êm ếch ênh
    i í ỉ ích im ỉm in inh ít iu ỉu ỉa o ò ó ỏ ọ oa òa oai oái oải oan oán oản oanh oách oạch oằn oe ọe
    oi ói ọi om òm on ong óng óc ọc óp ót ô ồ ố ổ ộ ôi ối ổi ôm ốm ồm ôn ồn ổn ông ống ốc ốp ộp ốt
    ơ ờ ớ ở ợ ơi ới ơn ớn ợn ớt u ù ú ủ ụ ua ùa úa ủa uể ui úi ủi um ùm un ủn ung ùng úng ủng
    úc ục úp ụp út uy ủy uyên uyển uốn uống uổng ư ừ ứ ưa ứa ưng ứng ửng ực ức ưu ước ướt ướp ươm ươn
    ưỡn ương y ý ỷ yêu yếu yêm yếm yểm yên yến yết""".split()  # noqa: SIM905
)
_TRAILING = re.compile(r"[^\W\d_]+$")
_LEADING = re.compile(r"^[^\W\d_]+")
_PUNCT = "()[]{}\"'“”‘’.,;:!?…"
# Number codes split beside Đ: "34/2016/N Đ-CP", "60/2015/Q Đ-TTg", "08/2019/TT-BKH ĐT".
_CODE_SPLIT = re.compile(r"(\d/(?:[A-ZĐ]+-)?[A-ZĐ]*[A-Z]) (Đ[A-ZĐ]*)(?=[-/\s,;.)]|$)|(\d/[A-ZĐ]*Đ) ([A-Z]+)(?=[-/])")


@lru_cache(maxsize=100_000)
def _shape(word: str) -> tuple[str, int, bool]:
    """(the word without tone marks, lower case; how many tone marks; whether a tone other than sắc/nặng)."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    tones = [c for c in decomposed if c in _TONES]
    bare = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONES))
    return bare, len(tones), any(t not in _STOP_TONES for t in tones)


@lru_cache(maxsize=100_000)
def is_syllable(word: str) -> bool:
    """True for a well-formed Vietnamese syllable in any case ("luật", "NGƯỜI", "Nghị"); False for "ật", "ĐIỀ"."""
    if not word or not word.isalpha():
        return False
    bare, tones, open_tone = _shape(word)
    if tones > 1:
        return False
    for onset in (*_ONSETS, ""):
        if bare.startswith(onset) and (rhyme := bare[len(onset) :]) in _RHYMES:
            if onset == "gi" and rhyme[0] == "i":
                continue  # "gi" + "in" is read as g + "in"
            return not (open_tone and (rhyme.endswith(("c", "p", "t", "ch"))))
    return False


def _onset(word: str) -> str:
    """The syllable's onset ("ngh" of "nghị"; "" for "ật")."""
    bare = _shape(word)[0]
    return next((o for o in _ONSETS if bare.startswith(o) and bare[len(o) :][:1] in _VOWELS), "")


def _has_vowel(word: str) -> bool:
    return any(c in _VOWELS for c in _shape(word)[0])


def _vietnamese(c: str) -> bool:
    """A Latin letter with a Vietnamese diacritic (or đ)."""
    return not c.isascii() and c.isalpha() and "LATIN" in unicodedata.name(c, "")


def _case_agrees(left: str, right: str) -> bool:
    if left.islower():
        return right.islower()
    if left.isupper():
        return right.isupper() or (len(left) == 1 and right.islower())
    return left[0].isupper() and left[1:].islower() and right.islower()


class SplitWordRepair:
    """The repair for one document: its own word counts decide the joins no syllable rule can (see the module)."""

    def __init__(self, texts: Iterable[str]) -> None:
        self._whole: Counter[str] = Counter()
        self._alone: Counter[str] = Counter()  # a word where it could not be the end of a split word
        for text in texts:
            for line in text.splitlines():
                prev = ""
                for token in line.split(" "):
                    core = token.strip(_PUNCT)
                    head = _LEADING.match(core)
                    if head:
                        word = head.group(0).lower()
                        if head.end() == len(core):
                            self._whole[word] += 1
                        if not (prev and is_syllable(prev + word)):
                            self._alone[word] += 1
                    tail = _TRAILING.search(token)
                    prev = tail.group(0).lower() if tail else ""

    def _joinable(self, left: str, right: str, after: str | None) -> bool:
        """Whether the fragments ``left`` and ``right`` are one word (``after``: the word following ``right``)."""
        if not (_vietnamese(left[-1]) or _vietnamese(right[0])) or not _case_agrees(left, right):
            return False
        whole = left + right
        if not is_syllable(whole):
            return False
        if not _has_vowel(left):
            return True
        if not _has_vowel(right):
            if after and _vietnamese(after[0]) and is_syllable(right + after) and _case_agrees(right, after):
                return False  # "nhà n ước": the onset belongs to the next fragment
            return self._whole[whole.lower()] > 0
        if not is_syllable(left) or not is_syllable(right):
            return True
        if not _onset(right) and canonical_tones(right.lower()) not in _VOWEL_WORDS:
            return True  # "Lu ật", "thu ộc": the right fragment is no word of its own
        whole_count = self._whole[whole.lower()]
        return whole_count > 0 and whole_count > self._alone[right.lower()]

    def __call__(self, text: str) -> str:
        """``text`` with its split words joined; everything else, spacing included, as it was."""
        text = _CODE_SPLIT.sub(lambda m: "".join(g for g in m.groups() if g), text)
        return "\n".join(self._line(line) for line in text.split("\n"))

    def _line(self, line: str) -> str:
        if line.isascii() or " " not in line:
            return line
        parts = line.split(" ")
        out: list[str] = [parts[0]]
        for i in range(1, len(parts)):
            token, prev = parts[i], out[-1]
            tail, head = _TRAILING.search(prev), _LEADING.match(token)
            if tail and head and (tail.start() == 0 or not prev[tail.start() - 1].isalnum()):
                nxt = _LEADING.match(parts[i + 1]) if i + 1 < len(parts) else None
                if (head.end() == len(token) or not token[head.end()].isalnum()) and self._joinable(
                    tail.group(0), head.group(0), nxt.group(0) if nxt and head.end() == len(token) else None
                ):
                    out[-1] = prev + token
                    continue
            out.append(token)
        return " ".join(out)


def repair_split_words(text: str, context: Iterable[str] | None = None) -> str:
    """``text`` with the words a text layer split apart joined again; ``context`` (default: the text itself) is
    the document whose word counts decide the doubtful joins."""
    return SplitWordRepair([text] if context is None else context)(text)
