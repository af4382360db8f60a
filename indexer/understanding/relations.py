"""Relations a document states toward other documents: its legal basis, what it implements, guides, amends,
replaces, repeals, consolidates or corrects.

Precision first: a verb counts only where it is this document's own act — in the title, in the enacting sentence,
at the head of an article or item ("Điều 1. Sửa đổi, bổ sung một số điều của …", "2. Bãi bỏ …"), after this
document as subject ("Thông tư này thay thế …"), or with another document as the subject of "… hết hiệu lực".
The same verb inside the description of a document ("Nghị định số 90/2024/NĐ-CP sửa đổi … Nghị định số
57/2022/NĐ-CP"), in the passive ("được sửa đổi, bổ sung bởi"), in a "Căn cứ" line (always a basis), inside
quotation marks (the new wording of an amended article) or in an appendix is not. Of several documents in one
sentence, those the verb acts on are told from those merely named in their descriptions by the words between:
a list separator ("; ", ", ", "và") keeps the list going, "của", "theo", "bởi", "kèm theo" start a description.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from indexer.understanding.doctypes import DOC_TYPES
from indexer.understanding.mentions import (
    Mention,
    document_names,
    find_mentions,
    in_span,
    leading_scope,
    name_mentions,
    trailing_scope,
)
from indexer.understanding.numbers import number_key
from indexer.understanding.relation_rules import (
    RelationKind,
    Trigger,
    close_gap,
    find_triggers,
    loose_gap,
    opens_with_trigger,
    own_subject,
    phrase_level,
    subject_prefix,
    vague_scope,
)
from indexer.understanding.segments import BODY, PREAMBLE, TITLE, Segment, list_marker, segments

__all__ = ["Relation", "RelationKind", "extract_relations"]

K = RelationKind
_TYPES = "|".join(sorted((re.escape(t) for t in DOC_TYPES), key=len, reverse=True))
_BASIS = re.compile(r"(?i)^[\s\-–*+•]*(?:căn cứ|can cu|pursuant to|based on)\b")
_ENACTING = re.compile(
    rf"(?i)\bban hành\s+(?:{_TYPES})(?:\s+liên tịch)?\b|\bpromulgates?\s+(?:the|this)?\s*(?:Joint\s+)?"
    r"(?:Decree|Circular|Decision|Resolution|Law)\b"
)
_PURPOSE = re.compile(r"(?i)^(?:để\s+)(?=triển khai|quán triệt|thực hiện|tổ chức thực hiện|cụ thể hóa)")
_CONSOLIDATED = re.compile(r"VĂN BẢN HỢP NHẤT|/VBHN-")
_COORD_END = re.compile(r"(?i)(?:[,;]|\bvà|\bđồng thời|\bhoặc|\band)\s*$")
_TITLE_LEAD = re.compile(r"(?i)(?:[,;]|\bvà|\bvề việc|\bđể|\bnhằm)\s*$")
_CONNECTOR = re.compile(r"(?i)^[\s,]*(?:và|hoặc|and|or|/)?[\s,]*$")
_LIST_END = re.compile(r"(?i)(?:^|[\s,])(?:và|và các|hoặc|cùng|and)$")
_LIST_INTRO = re.compile(r"(?<!như sau):\s*$")  # "Bãi bỏ các văn bản sau đây:"; "… như sau:" brings new wording
_Intro = tuple[frozenset[RelationKind], str | None]  # a list's verbs and the marker class of its opening line
_OPERATIVE = (K.AMENDS, K.REPLACES, K.REPEALS, K.GUIDES, K.IMPLEMENTS, K.CORRECTS)


@dataclass(frozen=True)
class Relation:
    """One relation this document states toward another, with the sentence that states it (for an item of a
    list — "Bãi bỏ các văn bản sau đây: a) …" — the item; for the title, all its lines)."""

    kind: RelationKind
    target_number: str  # canonical (numbers.canonical_number)
    target_key: str  # numbers.number_key(target_number): separator-free lookup key
    target_type: str | None  # "Nghị định", "Luật", … when the text names it
    sentence: str  # text[start:end], verbatim
    start: int
    end: int
    scope: str | None  # "khoản 2 Điều 5" when a part is named, else None (the whole document)


@dataclass
class _State:
    """The walk through one sentence: the operative verbs in force and the subjects awaiting a verb."""

    kinds: frozenset[RelationKind] | None = None
    gap_start: int = 0  # where the words after the operative verb begin
    fresh: bool = False  # no document named yet since that verb
    close: bool = False
    vague: str | None = None  # "một số điều": the verb names a part without numbers, for all its objects
    in_subject: bool = False
    heads: list[tuple[Mention, str | None]] = field(default_factory=list)
    found: list[tuple[RelationKind, Mention, str | None]] = field(default_factory=list)


def _kinds_for(kinds: frozenset[RelationKind], gap: str) -> frozenset[RelationKind]:
    """Replacing or repealing words is amending; an amendment with a repeal is one amendment."""
    if phrase_level(gap) and kinds & {K.REPLACES, K.REPEALS}:
        kinds = (kinds - {K.REPLACES, K.REPEALS}) | {K.AMENDS}
    return kinds - {K.REPLACES, K.REPEALS} if K.AMENDS in kinds else kinds


def _emit(state: _State, m: Mention, scope: str | None) -> None:
    """Record a document the operative verbs act on (or, in a subject clause, one awaiting its verb)."""
    if state.kinds:
        for kind in sorted(state.kinds):
            vague = state.vague if kind in (K.REPLACES, K.REPEALS) else None
            state.found.append((kind, m, scope or vague))
    elif state.in_subject:
        state.heads.append((m, scope))


def _walk(text: str, a: int, events: list[Mention | Trigger], lead: str, state: _State, primed: bool = False) -> None:
    """Walk the verbs and documents from ``a`` on, in order. ``lead`` says which verbs may open the sentence:
    "title" (any before a document), "verb" (one at the start), "own" (after "Thông tư này"), "" (none);
    ``primed``: a verb of ``state.kinds`` precedes (a list item under "Bãi bỏ các văn bản sau đây:")."""
    prev: str | None = "verb" if primed else None  # "verb" or "mention"
    prev_op, prev_head, seen_mention = primed, False, False
    head_type: str | None = None  # the type of the last document the verbs act on
    last_head = False
    last_end = clause = a
    for ev in events:
        gap = text[last_end : ev.start]
        if isinstance(ev, Trigger):
            if ev.rule.after:
                state.found.extend((K.REPEALS, m, scope) for m, scope in state.heads)
                state.heads, state.in_subject, state.kinds = [], False, None
                op = False
            elif ev.passive or (ev.rule.kind is K.IMPLEMENTS and lead not in ("title", "verb")):
                op = False
            elif prev == "verb" and _CONNECTOR.match(gap):
                op = prev_op
            elif prev is None:
                op = (
                    not gap.strip()
                    or (lead == "title" and (not ev.rule.close or bool(_TITLE_LEAD.search(gap))))
                    or (lead == "own" and bool(_COORD_END.search(gap)))
                )
            elif prev == "verb":
                op = lead == "title" and prev_op and not seen_mention
            else:
                participle = text[ev.start : ev.end].lower().endswith("ing")  # ", amending …": a description
                op = prev_head and state.kinds is not None and bool(_COORD_END.search(gap)) and not participle
            if op:
                joined = prev == "verb" and prev_op and state.kinds is not None
                state.kinds = (state.kinds | {ev.rule.kind}) if joined and state.kinds else frozenset({ev.rule.kind})
                state.fresh, state.gap_start, state.close, state.vague = True, ev.end, ev.rule.close, None
            if prev == "mention":
                last_head = prev_head  # whether the verb describes a document the operative verbs act on
            prev, prev_op, last_end = "verb", op, ev.end
            continue
        if ";" in gap:
            clause = last_end + gap.rindex(";") + 1
        head = False
        if state.fresh and prev == "verb" and prev_op:
            after = text[state.gap_start : ev.start]
            lead_scope = leading_scope(after)
            scope = lead_scope or trailing_scope(after)[0]
            head = close_gap(after) if state.close else loose_gap(after, lead_scope)
            if head and state.kinds:
                state.kinds = _kinds_for(state.kinds, after)
                state.vague = vague_scope(after) if state.kinds & {K.REPLACES, K.REPEALS} else None
            if head:
                _emit(state, ev, scope)
            state.fresh = False
        else:
            scope, rest = trailing_scope(gap)
            r = rest.rstrip()
            if not state.kinds and not state.in_subject:
                head = state.in_subject = subject_prefix(text[clause : ev.start])
                scope = scope or vague_scope(text[clause : ev.start])
            elif r.endswith(";"):
                head = True
            elif prev == "verb":
                # After a describing verb, a peer of the listed documents goes on with the list ("Thông tư số A …
                # quy định chi tiết … Luật X và Thông tư số B"); another type is that verb's object ("Thông tư số
                # A hướng dẫn thi hành Luật X và Nghị định số B").
                joined = bool(r.strip()) and (r.endswith(",") or bool(_LIST_END.search(r)))
                head = joined and last_head and ev.doc_type is not None and ev.doc_type == head_type
            elif r.endswith((",", ":")) or _LIST_END.search(r) or not r.strip():
                head = prev_head  # a list goes on as it began: objects stay objects, descriptions descriptions
            if head:
                _emit(state, ev, scope)
        if head:
            head_type = ev.doc_type
        prev, prev_op, prev_head, last_end, seen_mention = "mention", False, head, ev.end, True


def _events(triggers: list[Trigger], mentions: list[Mention]) -> list[Mention | Trigger]:
    """Documents and trigger phrases in order; a phrase inside a document's name is dropped."""
    kept = [t for t in triggers if not any(m.start <= t.start < m.end for m in mentions)]
    return sorted([*mentions, *kept], key=lambda e: e.start)


def _lead(seg: Segment, content: str) -> tuple[str, int]:
    """How a sentence may open with a verb, and where its content starts (after markers, subject, "Để")."""
    skip = list_marker(content)[1]
    rest = content[skip:]
    if seg.zone == TITLE:
        return "title", skip
    own = own_subject(rest)
    if own is not None:
        return "own", skip + own
    purpose = _PURPOSE.match(rest)
    if purpose:
        return "verb", skip + purpose.end()
    if seg.zone == PREAMBLE and not opens_with_trigger(rest):
        enact = _ENACTING.search(rest)
        if enact:
            return "own", skip + enact.end()
    return "verb", skip


class _Extractor:
    """One document's relations: its sentences walked in order, a list introduced by ":" walked item by item."""

    def __init__(self, text: str, own_key: str | None) -> None:
        self.text = text
        self.own_key = own_key
        self.mentions = [m for m in find_mentions(text) if m.key != own_key]
        self.starts = [m.start for m in self.mentions]
        self.names = document_names(text, self.mentions)
        self.consolidated = bool(_CONSOLIDATED.search(text)) or bool(own_key and "VBHN" in own_key)
        self.out: dict[tuple[RelationKind, str, str | None], Relation] = {}

    def add(self, kind: RelationKind, m: Mention, seg: Segment, scope: str | None) -> None:
        if m.key == self.own_key or (self.consolidated and kind in _OPERATIVE):
            return
        sentence = self.text[seg.start : seg.end]
        relation = Relation(kind, m.number, m.key, m.doc_type, sentence, seg.start, seg.end, scope)
        self.out.setdefault((kind, m.key, scope), relation)

    def run(self) -> list[Relation]:
        intro: _Intro | None = None
        seen_basis = False
        for seg in segments(self.text):
            if seg.quoted or seg.zone not in (TITLE, PREAMBLE, BODY):
                intro = None
                continue
            content = self.text[seg.start : seg.end]
            found = in_span(self.mentions, self.starts, seg.start, seg.end)
            if seg.zone == PREAMBLE and _BASIS.match(content):
                seen_basis = True
                for m in found:
                    self.add(K.BASIS, m, seg, None)
                continue
            if seg.zone == PREAMBLE and self.consolidated and not seen_basis:
                first = found[0] if found else None
                if first and subject_prefix(self.text[seg.start : first.start]):
                    self.add(K.CONSOLIDATES, first, seg, None)
                continue
            if intro and seg.line_first and (seg.marker in (None, "article", intro[1])):
                intro = None
            if seg.zone in (TITLE, PREAMBLE):  # "… hướng dẫn thi hành Luật Hóa chất": a law by its name
                named = name_mentions(self.text, self.names, seg.start, seg.end, found)
                found = sorted(found + named, key=lambda m: m.start)
            if not found and not content.endswith(":"):
                continue  # nothing to relate to, and no list of documents announced
            state = self.walk(seg, content, found, intro)
            for kind, m, scope in state.found:
                self.add(kind, m, seg, scope)
            if intro is None and _LIST_INTRO.search(content) and not state.found:
                kinds = state.kinds or (frozenset({K.REPEALS}) if self.ends_in_repeal(found, content) else None)
                if kinds:
                    intro = (kinds, seg.marker)
        return list(self.out.values())

    def walk(self, seg: Segment, content: str, found: list[Mention], intro: _Intro | None) -> _State:
        lead, skip = _lead(seg, content)
        a = seg.start + skip
        state = _State()
        events = _events(find_triggers(self.text, a, seg.end), [m for m in found if m.start >= a])
        opens_with_verb = bool(events) and isinstance(events[0], Trigger) and not self.text[a : events[0].start].strip()
        if intro is not None and not opens_with_verb:
            state.kinds, state.fresh, state.gap_start = intro[0], True, a
            _walk(self.text, a, events, "", state, primed=True)
        else:
            _walk(self.text, a, events, lead, state)
        return state

    def ends_in_repeal(self, found: list[Mention], content: str) -> bool:
        """ "Các quy định sau đây hết hiệu lực …:" — a list of repealed documents follows."""
        return not found and bool(re.search(r"(?i)hết hiệu lực|bãi bỏ|chấm dứt hiệu lực", content))


def extract_relations(text: str, own_number: str | None = None) -> list[Relation]:
    """Relations the text (NFC, as stored; offsets index it) states toward other documents, the first statement
    of each (kind, target, scope) kept, in the order found; never one toward ``own_number``."""
    own_key = number_key(own_number) if own_number else None
    return _Extractor(text, own_key or None).run()
