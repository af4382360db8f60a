"""When a document takes effect and when it stops, as its own text states them.

The final provisions say it: "Thông tư này có hiệu lực thi hành kể từ ngày 01 tháng 7 năm 2025", "… từ ngày
01/7/2025", "… kể từ ngày ký ban hành" (the date of issue), "… sau 45 ngày kể từ ngày ký" (issue + 45 days),
"Nghị quyết này có hiệu lực từ ngày thông qua", "This Decree takes effect on July 1, 2025"; an end, when there
is one: "… và được thực hiện đến hết ngày 31 tháng 12 năm 2030", "Nghị quyết này hết hiệu lực kể từ ngày …".

Only statements about this document count: its own subject ("Nghị định này", "This Circular"), not an article
of it ("Điều 5 … có hiệu lực từ …", "Quy định tại khoản 2 của Luật này …"), not a clause of time ("trước ngày
Thông tư này có hiệu lực"), not another document ("Nghị định số 31/2019/NĐ-CP hết hiệu lực kể từ ngày …" is a
repeal, see ``relations``), not the quoted new wording of an amended document, not a form in an appendix. When
the statement appears more than once, the last one in the body wins (the final provisions come last; quoted
amendments and forms earlier or after the signature).

``expiry_date`` is the first day the document no longer applies: "hết hiệu lực từ ngày 01/01/2031" gives
2031-01-01, and "được thực hiện đến hết ngày 31/12/2030" gives 2031-01-01 too, so that a document is expired
exactly when ``expiry_date <= today``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from indexer.understanding.dates import place_date, valid_date
from indexer.understanding.doctypes import DOC_TYPES
from indexer.understanding.segments import BODY, PREAMBLE, Segment, document_type, segments, strip_marker
from indexer.understanding.text import nfc

__all__ = ["DocumentDates", "extract_dates"]

_BN_DIGITS = str.maketrans("০১২৩৪৫৬৭৮৯", "0123456789")
_TYPES = "|".join(sorted((re.escape(t) for t in DOC_TYPES), key=len, reverse=True))
_EN_TYPES = r"(?:Joint\s+)?(?:Decree|Law|Circular|Decision|Resolution|Ordinance|Code|Directive)"
_OWN = re.compile(
    rf"(?P<type>{_TYPES}|Văn bản|Quy chế)(?:\s+liên tịch)?(?:\s+này)?(?=\s+(?:sẽ\s+|chính thức\s+)?(?:có|hết)\s+hiệu"
    rf"|\s+(?:được\s+)?(?:thực hiện|áp dụng)\s+(?:đến|cho đến))|(?P<en>This\s+{_EN_TYPES})\b"
)
# What may stand before the subject: an article's heading run into the sentence ("Điều 18. Tổ chức thực hiện").
_HEAD = re.compile(
    r"(?i)^(?:(?:hiệu lực thi hành|hiệu lực|điều khoản thi hành|tổ chức thực hiện|trách nhiệm thi hành|"
    r"hiệu lực và trách nhiệm thi hành|effect|implementation provisions?|effectiveness)\s*[.:]?)?$"
)
_VN_DATE = r"ngày\s+(\d{1,2})\s*tháng\s*(\d{1,2})\s*năm\s*(\d{4})"
_PASSED_OWN = re.compile(rf"(?i)\bnày (?:đã )?được\b[^.\n]{{0,160}}?thông qua\b[^.\n]{{0,80}}?{_VN_DATE}")
_PASSED = re.compile(rf"(?i)thông qua\b[^.\n]{{0,80}}?{_VN_DATE}")
_HEADER_DATE = re.compile(rf"(?im)^[^\n]{{0,40}}\b{_VN_DATE}")
_MONTHS = "january february march april may june july august september october november december".split()  # noqa: SIM905
_EN_MONTH = "(" + "|".join(_MONTHS) + ")"
_EN_OF_DATE = re.compile(rf"(?i)\bNo\.\s*\S+\s+of\s+{_EN_MONTH}\s+(\d{{1,2}}),?\s+(\d{{4}})")
_DATE = (
    r"(?P<d>[0-9০-৯]{1,2})\s*tháng\s*(?P<m>[0-9০-৯]{1,2})\s*,?\s*năm\s*(?P<y>[0-9০-৯]{4})"
    r"|(?P<d2>[0-9০-৯]{1,2})\s*[/.-]\s*(?P<m2>[0-9০-৯]{1,2})\s*[/.-]\s*(?P<y2>[0-9০-৯]{4})"
    rf"|(?P<mn>{_EN_MONTH})\s+(?P<d3>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y3>\d{{4}})"
    rf"|(?P<d4>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<mn4>{_EN_MONTH}),?\s+(?P<y4>\d{{4}})"
)
_SIGNING = (
    r"(?:(?:được\s+)?(?:ký(?:\s+(?:và\s+)?ban hành)?|ban hành|thông qua|công bố)|(?:the\s+)?(?:date\s+of\s+)?"
    r"(?:its\s+)?(?:signing|signature|promulgation|adoption|the signing date))"
)
_EFFECT = re.compile(
    r"(?i)(?:có hiệu lực|takes?\s+effect|shall\s+take\s+effect|enters?\s+into\s+force|shall\s+enter\s+into\s+force|"
    r"becomes?\s+effective|shall\s+(?:be|become)\s+effective)(?:\s+thi hành)?(?:\s+chung)?\s*,?\s*"
)
_WHEN: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("after", re.compile(rf"(?i)^sau\s+(?P<n>\d+)\s+ngày\s*,?\s*(?:kể\s+)?từ\s+ngày\s+(?P<what>{_SIGNING})")),
    ("after", re.compile(rf"(?i)^(?P<n>\d+)\s+days?\s+(?:after|from)\s+(?P<what>{_SIGNING})")),
    ("issue", re.compile(rf"(?i)^(?:kể\s+)?(?:từ|vào|on|from|as\s+(?:of|from))\s+(?:ngày\s+)?(?P<what>{_SIGNING})")),
    ("date", re.compile(rf"(?i)^(?:(?:kể\s+)?(?:từ|vào)\s+)?(?:ngày\s+)?(?:on|from|as\s+(?:of|from))?\s*(?:{_DATE})")),
)  # fmt: skip
_CLAUSE_END = re.compile(rf";|\.\s|,?\s+trừ\s|,?\s+except\s|\b(?:{_TYPES})(?:\s+liên tịch)?\s+số\b")
_UNTIL = re.compile(rf"(?i)\b(?:đến|cho đến|until|till|through)\s+(?:hết\s+)?(?:ngày\s+)?(?:{_DATE})")
_ENDS = re.compile(
    rf"(?i)(?:hết hiệu lực|ceases?\s+to\s+be\s+effective|expires?|shall\s+expire)(?:\s+thi hành)?\s*(?:kể\s+)?"
    rf"(?:từ\s+|vào\s+|on\s+|from\s+)?(?:ngày\s+)?(?:{_DATE})"
)


@dataclass(frozen=True)
class DocumentDates:
    """The document's own dates in force (ISO), with the sentences that state them."""

    effective_date: str | None
    effective_sentence: str | None
    expiry_date: str | None
    expiry_sentence: str | None


def _iso(m: re.Match[str]) -> str | None:
    """ISO date from a ``_DATE`` match (Vietnamese, numeric or English form)."""
    g = {k: (v.translate(_BN_DIGITS) if v else v) for k, v in m.groupdict().items()}
    if g.get("y"):
        return valid_date(int(g["d"]), int(g["m"]), int(g["y"]))
    if g.get("y2"):
        return valid_date(int(g["d2"]), int(g["m2"]), int(g["y2"]))
    if g.get("y3"):
        return valid_date(int(g["d3"]), _MONTHS.index(g["mn"].lower()) + 1, int(g["y3"]))
    if g.get("y4"):
        return valid_date(int(g["d4"]), _MONTHS.index(g["mn4"].lower()) + 1, int(g["y4"]))
    return None


def _shift(iso: str | None, days: int) -> str | None:
    """An ISO date moved by some days (None when it is not a calendar date)."""
    if not iso:
        return None
    try:
        return (date.fromisoformat(iso) + timedelta(days=days)).isoformat()
    except ValueError:
        return None


def _own_at(sentence: str, own_type: str | None) -> re.Match[str] | None:
    """This document as the subject at the head of the sentence ("1. Thông tư này …"), not inside a clause of
    time ("trước ngày Thông tư này có hiệu lực"), not a part of it ("Điều 5 Thông tư này có hiệu lực …")."""
    for m in _OWN.finditer(sentence):
        if not _HEAD.match(strip_marker(sentence[: m.start()] + " ").strip()):
            continue
        named = m.group("type")
        if named and own_type and named not in (own_type, "Văn bản", "Quy chế") and not own_type.startswith(named):
            continue  # "Quyết định này …" inside a Thông tư: a form in an appendix
        return m
    return None


def _passed(text: str) -> str | None:
    """The date a law or resolution was passed, from its closing line ("… thông qua tại Phiên họp … ngày …")."""
    m = _PASSED_OWN.search(text) or _PASSED.search(text[-4000:])
    return valid_date(int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None


def _issued(text: str) -> str | None:
    """The date of issue from the header when the caller has none ("Hà Nội, ngày …", "Ngày 8 tháng 12 năm …")."""
    found = place_date(text[:3000])[1]
    if found:
        return found
    m = _HEADER_DATE.search(text[:1500])
    if m:
        return valid_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    en = _EN_OF_DATE.search(text[:800])  # a translation's title: "Decision No. 208/QD-TTg of February 14, 2011"
    return valid_date(int(en.group(2)), _MONTHS.index(en.group(1).lower()) + 1, int(en.group(3))) if en else None


def _effective(rest: str, issued: str | None, text: str) -> str | None:
    """The date an effect phrase names: a date, the date of issue or passing, or some days after issue."""
    for kind, pattern in _WHEN:
        m = pattern.match(rest)
        if not m:
            continue
        if kind == "date":
            return _iso(m)
        what = m.group("what").lower()
        base = (_passed(text) or issued) if "thông qua" in what or "adoption" in what else issued
        if "công bố" in what or "publication" in what:
            return None
        return base if kind == "issue" else _shift(base, int(m.group("n")))
    return None


def extract_dates(text: str, issued_date: str | None) -> DocumentDates:
    """Effective and expiry dates the document states for itself; ``issued_date`` (ISO) resolves "kể từ ngày
    ký". A date that is not a calendar date, or a form not understood, gives None with the sentence kept."""
    text = nfc(text)
    issued_date = issued_date or _issued(text)
    own_type = document_type(text)
    all_segments = segments(text)
    found = _scan(text, [s for s in all_segments if not s.quoted and s.zone in (BODY, PREAMBLE)], own_type, issued_date)
    if not found[0]:  # no statement in the body: the text may lack structure, or quote its own final article
        found = _scan(text, all_segments, own_type, issued_date)
    effective, expiry = found
    eff = effective[-1] if effective else (None, None)
    exp = expiry[-1] if expiry else (None, None)
    return DocumentDates(eff[0], eff[1], exp[0], exp[1])


_Found = list[tuple[str | None, str]]


def _scan(text: str, segs: Sequence[Segment], own_type: str | None, issued_date: str | None) -> tuple[_Found, _Found]:
    """(effective, expiry) statements of these sentences about this document, in order: (ISO date, sentence)."""
    effective: _Found = []
    expiry: _Found = []
    for seg in segs:
        sentence = text[seg.start : seg.end]
        if "hiệu lực" not in sentence and "effect" not in sentence and "đến hết" not in sentence:
            continue
        own = _own_at(sentence, own_type)
        if own is None:
            continue
        after = _CLAUSE_END.split(sentence[own.end() :], maxsplit=1)[0].lstrip()  # this document's clause only
        effect = _EFFECT.match(after)
        if effect:
            rest = after[effect.end() :]
            effective.append((_effective(rest, issued_date, text), sentence))
            until = _UNTIL.search(rest)
            if until:
                expiry.append((_shift(_iso(until), 1), sentence))
        ends = _ENDS.search(after)
        if ends:
            expiry.append((_iso(ends), sentence))
        elif not effect:
            until = _UNTIL.search(after)
            if until and re.match(r"(?i)(?:được\s+)?(?:thực hiện|áp dụng|remains?|shall remain)", after):
                expiry.append((_shift(_iso(until), 1), sentence))
    return effective, expiry
