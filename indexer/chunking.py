"""Structure-aware chunking of official documents: Phần/Chương/Mục/Điều/Khoản/điểm and I./1./a) items.

The text is read into a tree of sections; a section that fits in ``chunk_size`` becomes one chunk carrying
its path (``Chương II › Điều 5 › Khoản 2``); a larger one is split along its children, and a leaf that is
still too long is split with overlap by langchain-text-splitters. Offsets always point into the document text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from langchain_text_splitters import RecursiveCharacterTextSplitter

from indexer.config import ChunkingSettings
from indexer.models import Chunk, Document, PageSpan

SEPARATOR = " › "

_ROMAN = r"[IVXLC]+"
# (level, regex, label builder); lower level = higher in the hierarchy.
_HEADINGS: list[tuple[int, re.Pattern[str], str]] = [
    (0, re.compile(rf"^\s*(?:#+\s*)?(?:PHẦN|Phần)\s+(THỨ\s+[^\s:.]+|{_ROMAN}|\d+)\b"), "Phần {}"),
    (1, re.compile(rf"^\s*(?:#+\s*)?(?:CHƯƠNG|Chương)\s+({_ROMAN}|\d+)\b"), "Chương {}"),
    (2, re.compile(rf"^\s*(?:#+\s*)?(?:MỤC|Mục)\s+({_ROMAN}|\d+)\b"), "Mục {}"),
    (3, re.compile(r"^\s*(?:#+\s*)?(?:\*\*)?Điều\s+(\d+[a-z]?)\s*[.:]"), "Điều {}"),
    (3, re.compile(rf"^\s*(?:#+\s*)?(?:\*\*)?({_ROMAN})\s*[.\-–]\s+\S"), "{}."),
    (4, re.compile(r"^\s*(?:#+\s*)?(?:\*\*)?(\d{1,2})\s*[.\-–]\s+\S"), "{}."),
    (5, re.compile(r"^\s*(?:#+\s*)?(?:\*\*)?(\d{1,2}\.\d{1,2})\.?\s+\S"), "{}."),
    (6, re.compile(r"^\s*(?:\*\*)?([a-zđ\u0995-\u09b9])\)\s*\S"), "{})"),  # a) b) … and Bengali ক) খ) গ)
]
_MARKDOWN = re.compile(r"^\s*(#{1,6})\s")
_PLAIN = 9  # depth rank of a line without Markdown heading marks: below every "#" … "######" heading


@dataclass
class _Section:
    level: int
    label: str
    start: int
    end: int = 0
    children: list[_Section] = field(default_factory=list)


def _heading(line: str, inside_article: bool) -> tuple[int, str] | None:
    """(rank, label) of a heading line; the rank orders the pattern first, then the Markdown depth.

    "## ১." and a plain "১." match the same pattern, but the Markdown heading holds the plain items:
    "## I." (3·10+2) › "### 1." (4·10+3) › "1." (4·10+9) › "a)" (6·10+9).
    """
    for level, pattern, label in _HEADINGS:
        m = pattern.match(line)
        if not m:
            continue
        value = m.group(1).strip()
        md = _MARKDOWN.match(line)
        rank = level * 10 + (len(md.group(1)) if md else _PLAIN)
        if level == 4 and inside_article:
            return rank, f"Khoản {value}"
        if level == 6 and inside_article:
            return rank, f"Điểm {value}"
        return rank, label.format(value)
    return None


def _tree(text: str) -> _Section:
    root = _Section(level=-1, label="", start=0, end=len(text))
    stack = [root]
    pos = 0
    for line in text.splitlines(keepends=True):
        inside_article = any(s.label.startswith("Điều ") for s in stack)
        found = _heading(line, inside_article)
        if found:
            level, label = found
            while len(stack) > 1 and stack[-1].level >= level:
                stack.pop().end = pos
            node = _Section(level=level, label=label, start=pos + (len(line) - len(line.lstrip())))
            stack[-1].children.append(node)
            stack.append(node)
        pos += len(line)
    while len(stack) > 1:
        stack.pop().end = len(text)
    return root


def _pages_for(start: int, end: int, pages: list[PageSpan]) -> list[int]:
    return [p.number for p in pages if p.start < end and p.end > start] or (
        [p.number for p in pages if p.start <= start][-1:] if pages else []
    )


class StructureChunker:
    """Splits documents along their own structure; one instance is reusable across documents."""

    def __init__(self, settings: ChunkingSettings) -> None:
        self.settings = settings
        self._splitter = RecursiveCharacterTextSplitter(
            chunk_size=settings.chunk_size,
            chunk_overlap=settings.chunk_overlap,
            separators=["\n\n", "\n", ". ", "; ", ", ", " ", ""],
            keep_separator="end",  # ". " stays with the sentence it ends, not at the start of the next piece
            add_start_index=True,
            strip_whitespace=True,
        )

    def chunk(self, doc: Document) -> list[Chunk]:
        """Chunks in reading order with section path, pages and character offsets."""
        spans: list[tuple[int, int, str]] = []
        self._emit(doc.text, _tree(doc.text), [], spans)
        chunks: list[Chunk] = []
        for start, end, section in spans:
            raw = doc.text[start:end]
            lead = len(raw) - len(raw.lstrip())
            body = raw.strip()
            if not body:
                continue
            s = start + lead
            chunks.append(
                Chunk(
                    doc_id=doc.doc_id,
                    ordinal=len(chunks),
                    text=body,
                    section=section,
                    pages=_pages_for(s, s + len(body), doc.pages),
                    char_start=s,
                    char_end=s + len(body),
                    embed_text=body,
                )
            )
        return chunks

    def _emit(self, text: str, node: _Section, path: list[str], out: list[tuple[int, int, str]]) -> None:
        section = SEPARATOR.join(path)
        size = self.settings.chunk_size
        if node.end - node.start <= size or not node.children:
            self._leaf(text, node.start, node.end, section, out)
            return
        intro_end = node.children[0].start
        first_child = 0
        if text[node.start : intro_end].strip():
            # A short intro (a heading, a title line) travels with the first child rather than alone.
            child = node.children[0]
            if intro_end - node.start < self.settings.min_chunk and child.end - node.start <= size:
                self._leaf(text, node.start, child.end, SEPARATOR.join([*path, child.label]), out)
                first_child = 1
            else:
                self._leaf(text, node.start, intro_end, section, out)
        for child in node.children[first_child:]:
            self._emit(text, child, [*path, child.label], out)

    def _leaf(self, text: str, start: int, end: int, section: str, out: list[tuple[int, int, str]]) -> None:
        if end - start <= self.settings.chunk_size:
            out.append((start, end, section))
            return
        for piece in self._splitter.create_documents([text[start:end]]):
            s = start + int(piece.metadata["start_index"])
            out.append((s, s + len(piece.page_content), section))
