"""What a section of a document is for, read from its heading: targets, results, limitations, directions, …

A review report (sơ kết / tổng kết) recalls the targets of the resolution it reviews, reports the leadership work
and the results against them, names limitations and causes, lessons, directions and recommendations. Sources
say which is which in their own headings ("2. Mục tiêu cụ thể", "II. KẾT QUẢ ĐẠT ĐƯỢC", "III. HẠN CHẾ, NGUYÊN
NHÂN", "KIẾN NGHỊ, ĐỀ XUẤT"); the chunker gives each passage the role of the heading it sits under, so drafting
quotes a resolution's goals as targets, never as results.

The vocabulary is a table (``ROLE_PHRASES``): folded Vietnamese, English and Bengali phrases per role, the role
named first in a heading wins, context yields to any other, and words of time ahead ("… thời gian tới") make any
heading directions. A report's "tasks" look forward and read as directions; a context heading never overrides
the role of the section it sits in ("II. KẾT QUẢ › 1. Công tác nắm tình hình" stays results).
"""

from __future__ import annotations

import re
from enum import StrEnum

from indexer.understanding.text import fold, nfc


class SectionRole(StrEnum):
    """The part a section plays in an advisory document; ``NONE`` where its heading says nothing."""

    NONE = ""
    CONTEXT = "context"
    TARGETS = "targets"
    TASKS = "tasks"
    LEADERSHIP = "leadership"
    RESULTS = "results"
    LIMITATIONS = "limitations"
    LESSONS = "lessons"
    DIRECTIONS = "directions"
    RECOMMENDATIONS = "recommendations"
    ORGANISATION = "organisation"


R = SectionRole
# (role, phrases): phrases are regular expressions over the folded, lower-case heading (Vietnamese without
# diacritics, đ → d); Bengali phrases match the heading as written. First match in table order wins.
ROLE_PHRASES: list[tuple[SectionRole, tuple[str, ...]]] = [
    (R.DIRECTIONS, (
        r"phuong huong", r"\bdirections?\b", r"\borientations?\b", r"দিকনির্দেশনা",
    )),
    (R.RECOMMENDATIONS, (
        r"kien nghi", r"de xuat", r"\bde nghi\b", r"recommendations?", r"proposals?", r"সুপারিশ", r"প্রস্তাবনা",
    )),
    (R.LESSONS, (r"bai hoc", r"lessons?", r"শিক্ষা")),
    (R.LIMITATIONS, (
        r"han che", r"yeu kem", r"ton tai", r"bat cap", r"vuong mac", r"nguyen nhan", r"kho khan",
        r"limitations?", r"shortcomings?", r"weakness", r"\bcauses?\b", r"difficult", r"challenges?",
        r"সীমাবদ্ধতা", r"দুর্বলতা", r"কারণ", r"চ্যালেঞ্জ",
    )),
    (R.TARGETS, (
        r"muc tieu", r"chi tieu", r"\btargets?\b", r"objectives?", r"\bgoals?\b", r"লক্ষ্য",
    )),
    (R.RESULTS, (
        r"ket qua", r"thanh tuu", r"tinh hinh (trien khai )?thuc hien", r"danh gia (viec )?thuc hien",
        r"\bresults?\b", r"achievements?", r"outcomes?", r"\bprogress\b", r"assessment", r"ফলাফল", r"অর্জন", r"অগ্রগতি",
        r"মূল্যায়ন",
    )),
    (R.LEADERSHIP, (
        r"lanh dao", r"(?<!quan diem )chi dao", r"quan triet", r"tuyen truyen", r"trien khai",
        r"leadership", r"guidance", r"dissemination", r"নেতৃত্ব",
    )),
    (R.ORGANISATION, (
        r"to chuc thuc hien", r"trach nhiem", r"phan cong", r"dieu khoan thi hanh", r"hieu luc thi hanh",
        r"implementation", r"responsibilit", r"বাস্তবায়ন",
    )),
    (R.TASKS, (
        r"nhiem vu", r"giai phap", r"\btasks?\b", r"\bsolutions?\b", r"\bmeasures\b", r"কাজ", r"কর্তব্য", r"সমাধান",
    )),
    (R.CONTEXT, (
        r"tinh hinh", r"boi canh", r"dac diem", r"thuc trang", r"su can thiet", r"quan diem", r"muc dich", r"guiding",
        r"yeu cau", r"can cu", r"background", r"context", r"situation", r"viewpoints?", r"purpose",
        r"প্রেক্ষাপট", r"পরিস্থিতি", r"দৃষ্টিভঙ্গি", r"উদ্দেশ্য",
    )),
]  # fmt: skip
# Words of time that make any heading forward-looking ("Nhiệm vụ, giải pháp trong thời gian tới"): directions.
AHEAD_PHRASES = (
    r"thoi gian toi", r"(nam|giai doan|nhiem ky) (toi|tiep theo|sap toi)", r"coming (period|years?)",
    r"\bnext (period|years?|steps)\b", r"\bahead\b", r"আগামী", r"ভবিষ্যৎ",
)  # fmt: skip
# Inside a prescriptive section (what is to be done) a sub-heading names a part of it, not another role: a plan's
# "II. NHIỆM VỤ › 1. Tổ chức quán triệt" is a task, a report's "IV. PHƯƠNG HƯỚNG › 1. Mục tiêu" a direction.
# Only the roles listed may override such a parent; under any other parent every role may.
CHILD_OVERRIDES: dict[SectionRole, frozenset[SectionRole]] = {
    R.TASKS: frozenset({R.TARGETS, R.ORGANISATION}),
    R.TARGETS: frozenset({R.TASKS, R.ORGANISATION}),
    R.DIRECTIONS: frozenset({R.RECOMMENDATIONS}),
    R.ORGANISATION: frozenset({R.RECOMMENDATIONS}),
    R.RECOMMENDATIONS: frozenset(),
}
_COMPILED = [(role, re.compile("|".join(phrases))) for role, phrases in ROLE_PHRASES]
_AHEAD = re.compile("|".join(AHEAD_PHRASES))
_BN_DIGITS = str.maketrans("০১২৩৪৫৬৭৮৯", "0123456789")

# The numbering in front of a heading: "II.", "2.", "2.1.", "a)", "Phần thứ hai:", "## ", "**".
_NUMBERING = re.compile(
    r"^\s*(?:#+\s*)?(?:\*\*)?\s*(?:(?:phần|part)\s+(?:thứ\s+)?\S+\s*[:.\-–]?\s*)?"
    r"(?:(?:[IVXLC]+|\d{1,2}(?:\.\d{1,2})*|[০-৯]+)\s*[.)\-–:]|[a-zđ]\)|[A-ZĐ]\.(?=\s))?\s*",
    re.IGNORECASE,
)
# Figures that make a line an item of its section rather than a heading: percentages, decimals, counts (a year
# such as "năm 2025" or "2021–2025" is fine in a heading) and references to documents ("số 07-NQ/TU").
_FIGURE = re.compile(r"%|\d[.,]\d|\b(?!(?:19|20)\d\d\b)\d{3,}\b|\bsố\s+\d|\d+[-/][A-ZĐ]")
_MAX_HEADING = 110
_LEAD = 24  # a role phrase must start within this many characters of the heading text
_LIST_LEAD = re.compile(r"(sau day|nhu sau|bao gom|gom|la):$")  # "… có trách nhiệm sau đây:": a legal list
_LEAD_IN = 60  # "2. Mục tiêu cụ thể đến năm 2025:" opens its list; a longer line ending in ":" is a sentence
_REPORT_TYPES = {"bao cao", "report", "প্রতিবেদন"}


def _emphasised(line: str) -> bool:
    """Markdown heading, bold, or capitals: a heading even when it ends with a full stop."""
    s = line.strip()
    letters = [c for c in s if c.isalpha()]
    return s.startswith(("#", "**")) or (len(letters) >= 4 and not any(c.islower() for c in letters))


def heading_text(line: str) -> str:
    """A heading line without its numbering, Markdown marks and emphasis ("## II. KẾT QUẢ" → "KẾT QUẢ")."""
    return _NUMBERING.sub("", nfc(line).strip(), count=1).strip(" *_:.")


def heading_role(line: str, doc_type: str | None = None) -> SectionRole:
    """The role a heading line gives its section, or ``NONE`` when the line does not read as a role heading.

    A long line, or one that states figures ("a) Đến năm 2025, tỷ lệ … đạt 98%."), is an item of its section,
    not a heading: it keeps its parent's role. In a report, "tasks" are those of the coming period: directions.
    """
    text = heading_text(line).translate(_BN_DIGITS)
    if not text or len(text) > _MAX_HEADING or _FIGURE.search(text) or ". " in text:
        return R.NONE
    end = line.rstrip().rstrip("*")
    lead_in = end.endswith(":")
    item = end.endswith((".", ";", ",")) or (
        lead_in and (len(text) > _LEAD_IN or bool(_LIST_LEAD.search(fold(end.lower()))))
    )
    if item and not _emphasised(line):
        return R.NONE  # "đ) Tuyên truyền, phổ biến …;", "9. Tổ chức tuyên truyền ….": items, not headings
    key = fold(text.lower())
    found = [(role, m) for role, pattern in _COMPILED if (m := pattern.search(key) or pattern.search(text))]
    # A heading names its role up front ("Công tác lãnh đạo", "Những hạn chế"); a body item that mentions one
    # late ("Cơ sở … có trách nhiệm sau đây:") is a sentence of its section, not a heading.
    if not found or min(m.start() for _, m in found) > (0 if lead_in else _LEAD):
        return R.NONE  # a line ending in ":" is a heading only when it starts with its role ("Mục tiêu cụ thể …:")
    if _AHEAD.search(key) or _AHEAD.search(text):
        return R.DIRECTIONS
    # The role named first wins ("Kết quả đạt được, hạn chế" → results), except that context yields to any
    # other ("Quan điểm, mục tiêu" → targets); equal starts go by table order.
    named: list[tuple[int, int, SectionRole]] = [
        (m.start(), i, role) for i, (role, m) in enumerate(found) if role is not R.CONTEXT
    ] or [(m.start(), i, role) for i, (role, m) in enumerate(found)]
    role = min(named)[2]
    if role is R.TASKS and doc_type and fold(doc_type.lower()) in _REPORT_TYPES:
        return R.DIRECTIONS
    return role


def child_role(parent: SectionRole, named: SectionRole) -> SectionRole:
    """The role of a sub-section whose heading names ``named`` (NONE: it names none) inside ``parent``.

    A heading naming no role, or only context, inherits its parent's role ("II. KẾT QUẢ › 1. Công tác nắm tình
    hình" stays results); inside a prescriptive parent only the roles of ``CHILD_OVERRIDES`` override it.
    """
    if named is R.NONE or (named is R.CONTEXT and parent is not R.NONE):
        return parent
    allowed = CHILD_OVERRIDES.get(parent)
    return named if allowed is None or named in allowed else parent


def looks_like_heading(line: str) -> bool:
    """A line without numbering that still reads as a heading: Markdown ("## Kết quả đạt được") or capitals.

    Only such lines that also carry a role (``heading_role``) become sections; others stay body text.
    """
    s = line.strip()
    if not s or len(s) > _MAX_HEADING or s.endswith((".", ";", ",")):
        return False
    letters = [c for c in s.lstrip("#* ") if c.isalpha()]
    if not letters or letters[0].islower():
        return False  # "## sơ kết 5 năm thực hiện …" continues the title above it
    return s.startswith("#") or (len(letters) >= 4 and all(not c.islower() for c in letters))
