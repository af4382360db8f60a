"""The phrases that relate one document to another, as data, and the tests on the words around them.

Each rule names a kind and its trigger phrases; the extractor (``relations``) decides where a phrase is this
document's own act. Accent-free spellings of every phrase are matched too ("sua doi, bo sung"), so a text typed
without diacritics still yields its relations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from indexer.understanding.doctypes import DOC_TYPES
from indexer.understanding.mentions import alternatives
from indexer.understanding.text import fold

__all__ = [
    "RULES",
    "RelationKind",
    "Rule",
    "close_gap",
    "find_triggers",
    "loose_gap",
    "opens_with_trigger",
    "own_subject",
    "phrase_level",
    "subject_prefix",
]


class RelationKind(StrEnum):
    """How a document relates to one it names."""

    BASIS = "basis"  # "Căn cứ …": the legal basis it was issued on
    IMPLEMENTS = "implements"  # "Kế hoạch thực hiện Nghị quyết …", "triển khai", "quán triệt"
    GUIDES = "guides"  # "hướng dẫn", "quy định chi tiết", "hướng dẫn thi hành"
    AMENDS = "amends"  # "sửa đổi, bổ sung một số điều của …"
    REPLACES = "replaces"  # "thay thế …"
    REPEALS = "repeals"  # "bãi bỏ …", "… hết hiệu lực kể từ ngày …"
    CONSOLIDATES = "consolidates"  # a văn bản hợp nhất and the documents it consolidates
    CORRECTS = "corrects"  # "đính chính"


@dataclass(frozen=True)
class Rule:
    """Trigger phrases of one kind. ``after``: the document named comes before the phrase ("X hết hiệu lực");
    ``close``: the document must follow the phrase at once ("thực hiện Nghị quyết số …", not "thực hiện theo …")."""

    kind: RelationKind
    phrases: tuple[str, ...]
    after: bool = False
    close: bool = False


K = RelationKind
RULES: tuple[Rule, ...] = (
    Rule(K.GUIDES, ("quy định chi tiết và hướng dẫn thi hành", "quy định chi tiết thi hành", "quy định chi tiết",
                    "hướng dẫn thi hành", "hướng dẫn thực hiện", "hướng dẫn", "detailing", "guiding")),
    Rule(K.IMPLEMENTS, ("triển khai thực hiện", "tổ chức thực hiện", "triển khai", "quán triệt", "thực hiện",
                        "cụ thể hóa", "implementing", "to implement"), close=True),
    Rule(K.AMENDS, ("sửa đổi, bổ sung", "sửa đổi", "bổ sung", "amending and supplementing", "amending",
                    "to amend", "amends")),
    Rule(K.REPLACES, ("thay thế cho", "thay thế", "replaces", "replacing", "to replace", "supersedes")),
    Rule(K.REPEALS, ("bãi bỏ", "to annul", "annuls", "annulling", "to repeal", "repeals", "repealing")),
    Rule(K.CORRECTS, ("đính chính", "correcting", "to correct")),
    Rule(K.REPEALS, ("hết hiệu lực thi hành", "hết hiệu lực", "chấm dứt hiệu lực", "ceases to be effective",
                     "cease to be effective", "ceases to have effect", "expires"), after=True),
)  # fmt: skip

_BY_PHRASE: dict[str, Rule] = {}
for _rule in RULES:
    for _p in _rule.phrases:
        _BY_PHRASE.setdefault(_p.lower(), _rule)
        _BY_PHRASE.setdefault(fold(_p), _rule)
_TRIGGER_RE = re.compile(
    r"(?i)(?<!\w)(" + "|".join(re.escape(p) for p in sorted(_BY_PHRASE, key=len, reverse=True)) + r")(?!\w)"
)
_PASSIVE = re.compile(r"(?i)(?:\bđược|\bbị|\bđã|\bchưa|\bsẽ|\bdduoc|\bduoc|\bbi|\bda)\s+$")

_OWN_WORDS = [*DOC_TYPES, "Văn bản", "Quy chế"]
_TYPES = "|".join(sorted({re.escape(w) for t in _OWN_WORDS for w in (t, fold(t).capitalize())}, key=len, reverse=True))
_OWN = re.compile(
    rf"^(?:{_TYPES})(?:\s+(?:liên tịch|lien tich))?\s+(?:này|nay)\b|"
    r"^This\s+(?:Joint\s+)?(?:Decree|Law|Circular|Decision|Resolution|Ordinance|Code|Directive|Document)\b"
)
_SINCE = re.compile(rf"(?i)^\s*{alternatives('kể từ', 'từ')}\s+{alternatives('ngày', 'thời điểm')}\s[^,;]{{0,90}},\s*")
_PUNCTUATION = re.compile(r"[\s,;:()\-–/.]+")
_QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"")


def _words(*phrases: str) -> re.Pattern[str]:
    """Whole words or phrases, accented or not, any case."""
    return re.compile(rf"(?i)(?<!\w){alternatives(*phrases)}(?!\w)")


# Words allowed between a verb and the document it acts on ("sửa đổi, bổ sung một số điều của Nghị định …").
_FILLER = _words(
    "một số điều, khoản", "một số điều", "một số nội dung", "một số", "một phần", "toàn bộ", "các điều, khoản, điểm",
    "quy định tại", "nội dung", "văn bản quy phạm pháp luật", "văn bản", "quy định", "điều", "khoản", "điểm", "mục",
    "phụ lục", "chương", "phần", "mẫu", "biểu mẫu", "biểu", "cụm từ", "từ ngữ", "từ", "ban hành kèm theo", "kèm theo",
    "của", "các", "những", "tại", "và", "hoặc", "biện pháp", "để", "tổ chức", "hướng dẫn", "thi hành", "thực hiện",
    "việc", "cho", "được", "sửa đổi", "bổ sung", "thay thế", "bãi bỏ", "sau đây", "sau", "trước", "vào", "đây",
    "bằng", "thành", "the", "of", "certain", "a number of", "article", "articles", "provision", "provisions",
    "clause", "clauses",
)  # fmt: skip
_CLOSE_FILLER = _words(
    "có hiệu quả", "nghiêm túc", "thắng lợi", "sâu sắc", "đầy đủ", "kịp thời", "thực hiện", "thi hành", "các", "và",
    "việc", "tinh thần",
)  # fmt: skip
_SUBJECT_FILLER = _words(
    "các", "những", "nội dung", "quy định", "tại", "của", "văn bản", "sau đây", "riêng", "đồng thời", "toàn bộ",
    "điều", "khoản", "điểm", "chương", "mục", "phần", "phụ lục",
)  # fmt: skip
_POSSESSIVE = re.compile(r"\b(?:the\s+)?(?:[A-Z][\w-]*\s+(?:of\s+)?){0,5}[A-Z][\w-]*[’']s\b")
_IDS = re.compile(r"(?<!\w)(?:\d+[a-zđ]?\d*|[IVXLC]+|[a-zđ]\d?)(?!\w)")
_DESCRIPTION_END = re.compile(rf"(?i){alternatives('của', 'tại', 'thuộc', 'kèm theo', 'of')}\s*$")
_PHRASE_LEVEL = _words("cụm từ", "từ ngữ", "một số từ", "các từ", "word", "words", "phrase", "phrases")
_UNIT_WORD = re.compile(
    rf"(?i)(?:{alternatives('quy định', 'nội dung')}(?:\s+{alternatives('quy định')})?\s+{alternatives('tại')}\s+)?"
    rf"(?:{alternatives('các', 'một số', 'một phần', 'toàn bộ', 'những')}\s+)?"
    rf"{alternatives('điều', 'khoản', 'điểm', 'chương', 'mục', 'phần', 'phụ lục', 'mẫu', 'quy định', 'nội dung')}(?!\w)"
)


@dataclass(frozen=True)
class Trigger:
    """A trigger phrase found in the text, with its rule and whether a passive voice precedes it."""

    rule: Rule
    start: int
    end: int
    passive: bool


def find_triggers(text: str, start: int, end: int) -> list[Trigger]:
    """Trigger phrases within text[start:end], longest phrase first at each place."""
    out = []
    for m in _TRIGGER_RE.finditer(text, start, end):
        rule = _BY_PHRASE.get(m.group(1).lower()) or _BY_PHRASE[fold(m.group(1))]
        passive = bool(_PASSIVE.search(text[max(start, m.start() - 12) : m.start()]))
        out.append(Trigger(rule, m.start(), m.end(), passive))
    return out


def opens_with_trigger(sentence: str) -> bool:
    """Whether the sentence starts with a trigger phrase ("Thực hiện Chỉ thị …", "Bãi bỏ …")."""
    return bool(_TRIGGER_RE.match(sentence))


def _left(pattern: re.Pattern[str], words: str) -> str:
    """What remains of ``words`` once quoted strings and the pattern's words are removed, punctuation too."""
    rest = pattern.sub(" ", _QUOTED.sub(" ", words))
    return _PUNCTUATION.sub("", rest)


def own_subject(content: str) -> int | None:
    """Length of "Thông tư này" / "This Decree" opening the sentence (this document as its subject), else None."""
    m = _OWN.match(content)
    return m.end() if m else None


def loose_gap(gap: str, scope: str | None) -> bool:
    """Whether the words between a verb and a document leave the document its object ("một số điều của")."""
    gap = _POSSESSIVE.sub(" ", gap)  # "replaces the Minister of Finance’s Circular No. …"
    if not _left(_FILLER, _IDS.sub(" ", _FILLER.sub(" ", gap))):
        return True
    return scope is not None and bool(_DESCRIPTION_END.search(gap)) and len(gap) < 300


def close_gap(gap: str) -> bool:
    """Whether the document follows the verb at once ("triển khai thực hiện có hiệu quả Nghị quyết …")."""
    return not _left(_CLOSE_FILLER, gap)


def subject_prefix(prefix: str) -> bool:
    """Whether a clause opens with the document it names ("Kể từ ngày …, Điều 2 của Thông tư số …")."""
    prefix = _IDS.sub(" ", _SUBJECT_FILLER.sub(" ", _SINCE.sub("", prefix)))
    return not _left(_SUBJECT_FILLER, prefix)


def phrase_level(gap: str) -> bool:
    """Replacing or repealing words ("thay thế cụm từ …", "thay thế “Phụ lục …”") amends a document; it does not
    replace it."""
    return bool(_PHRASE_LEVEL.search(gap) or _QUOTED.search(gap))


def vague_scope(gap: str) -> str | None:
    """A part named without numbers ("một số điều", "các điều, khoản, điểm"), cleaned, else None."""
    if not _UNIT_WORD.match(gap.strip()):
        return None
    cleaned = re.sub(r"\s+", " ", _QUOTED.sub("", gap)).strip(" ,;:")
    cleaned = re.sub(r"(?i)\s*(?:của|tại|thuộc|ban hành kèm theo|kèm theo)$", "", cleaned).strip()
    return cleaned[:120] or None
