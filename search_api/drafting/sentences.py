"""Split a chunk into verbatim sentences (substrings of the chunk text) and label citations."""

from __future__ import annotations

import re

from indexer.storage.records import ChunkRecord
from search_api.drafting.models import Citation

# A sentence ends at . ! ? … or ; followed by space and an upper-case letter, digit, quote or bracket.
_END_RE = re.compile(r"(?<=[.!?…;:])\s+(?=[\"“(\[0-9A-ZÀ-ỸĐ\u0980-\u09ff])")
_BULLET_RE = re.compile(r"^(?:[-*+•–]\s+|#+\s+|\*\*|[a-zđ]\)\s+|\d{1,2}[.)]\s+)+", re.IGNORECASE)
_SECTION_SEP = " › "


def split_sentences(text: str, min_chars: int = 40, max_chars: int = 600) -> list[tuple[int, str]]:
    """(offset, sentence) pairs; every sentence is ``text[offset:offset+len(sentence)]``; headings are dropped."""
    out: list[tuple[int, str]] = []
    pos = 0
    for line in text.split("\n"):
        line_start = pos
        pos += len(line) + 1
        start = 0
        pieces: list[tuple[int, int]] = []
        for m in _END_RE.finditer(line):
            pieces.append((start, m.start()))
            start = m.end()
        pieces.append((start, len(line)))
        for a, b in pieces:
            raw = line[a:b]
            bullet = _BULLET_RE.match(raw)
            if bullet:
                a += bullet.end()
            sentence = line[a:b].strip().rstrip("*").strip()
            if not sentence:
                continue
            letters = [c for c in sentence if c.isalpha()]
            if len(sentence) < min_chars or len(sentence) > max_chars or not letters:
                continue
            if sum(c.isupper() for c in letters) > 0.6 * len(letters):
                continue  # an upper-case heading, not a sentence
            if letters[0].islower() or sentence.endswith(":"):
                continue  # a fragment (chunk cut mid-sentence, title tail) or a lead-in to a list
            if sentence.startswith("(") and sentence.endswith(")"):
                continue  # an editorial note such as "(Văn bản mẫu …)"
            offset = line_start + line.index(sentence, a)
            out.append((offset, sentence))
    return out


def short_section(section: str, limit: int = 60) -> str:
    """The last part of a section path ('Chương I › Điều 3' → 'Điều 3'), shortened for a citation."""
    last = section.split(_SECTION_SEP)[-1].strip().lstrip("#").strip() if section else ""
    return last if len(last) <= limit else last[: limit - 1].rstrip() + "…"


def citation_for(row: ChunkRecord) -> Citation:
    """Citation of a passage (from ``store.chunks``): '[number, section]'."""
    number = row.number or None
    name = number or row.title or row.doc_id
    if len(name) > 50:
        name = name[:49].rstrip() + "…"
    section = short_section(row.section)
    label = f"[{name}, {section}]" if section else f"[{name}]"
    return Citation(
        doc_id=row.doc_id,
        chunk_id=row.chunk_id,
        number=number,
        section=section,
        label=label,
    )
