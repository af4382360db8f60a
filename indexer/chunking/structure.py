"""Structure-aware chunking of official documents: Phần/Chương/Mục/Điều/Khoản/điểm and I./1./a) items.

The text is read into a tree of sections; a section that fits in ``chunk_size`` becomes one chunk carrying
its path (``Chương II › Điều 5 › Khoản 2``); a larger one is split along its children, packing consecutive
children into one chunk while they fit (``Điều 5 › Khoản 1–3``, ``II. › 1.–2.``), and a leaf that is still too
long is split with overlap by langchain-text-splitters. A heading never stands alone: it joins the next piece.
Offsets always point into the document text.

Each section also carries a role read from its heading (``section_roles``: targets, results, limitations…;
a heading without one inherits its parent's). Sections of different roles never share a chunk, so every chunk
has exactly one role, and an unnumbered heading that names a role ("KIẾN NGHỊ, ĐỀ XUẤT", "## Kết quả") opens a
section of its own.
"""

from __future__ import annotations

import re

from langchain_text_splitters import RecursiveCharacterTextSplitter

from indexer.chunking.sections import SEPARATOR, Section, kind, pack_path
from indexer.config import ChunkingSettings
from indexer.models import Chunk, Document, PageSpan
from indexer.understanding.section_roles import SectionRole, child_role, heading_role, looks_like_heading

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
_SEPARATORS = ["\n\n", "\n", ". ", "; ", ", ", " ", ""]
_PLAIN = 9  # depth rank of a line without Markdown heading marks: below every "#" … "######" heading
_ROLE_HEADING_LEVEL = 3
_Span = tuple[int, int, str, SectionRole]  # start, end, section path, role


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


def _role_heading(line: str, doc_type: str | None) -> tuple[int, str, SectionRole] | None:
    """(rank, label, role) of an unnumbered heading that names a role ("KIẾN NGHỊ, ĐỀ XUẤT", "## Kết quả")."""
    if not looks_like_heading(line):
        return None
    role = heading_role(line, doc_type)
    if role is SectionRole.NONE:
        return None
    md = _MARKDOWN.match(line)
    label = line.strip().lstrip("#").strip().strip("*").strip()
    return _ROLE_HEADING_LEVEL * 10 + (len(md.group(1)) if md else _PLAIN), label[:60], role


def _tree(text: str, doc_type: str | None = None) -> Section:
    root = Section(level=-1, label="", start=0, end=len(text))
    stack = [root]
    pos = 0
    titled: Section | None = None  # a heading whose title may follow on the next line ("Chương III\nSỬ DỤNG …")
    for line in text.splitlines(keepends=True):
        inside_article = any(s.label.startswith("Điều ") for s in stack)
        found = _heading(line, inside_article)
        role: SectionRole | None = None
        if found:
            # Articles, clauses and points of a legal text are its content, not parts of a report: they
            # inherit the role of the chapter or section they sit in.
            in_law = inside_article or found[1].startswith("Điều ")
            role = None if in_law else heading_role(line, doc_type)
        elif not inside_article:
            named = _role_heading(line, doc_type)
            if named and titled is not None:
                # The title line of the heading just above, not a section of its own.
                if titled.role is SectionRole.NONE or titled.role == stack[-2].role:
                    titled.role = child_role(stack[-2].role, named[2])
                titled = None
                pos += len(line)
                continue
            if named:
                found, role = named[:2], named[2]
        if line.strip():
            titled = None
        if found:
            level, label = found
            while len(stack) > 1 and stack[-1].level >= level:
                stack.pop().end = pos
            node = Section(level=level, label=label, start=pos + (len(line) - len(line.lstrip())))
            node.role = child_role(stack[-1].role, role or SectionRole.NONE)
            stack[-1].children.append(node)
            stack.append(node)
            titled = node if not found[1].startswith("Điều ") and len(line.strip()) <= len(label) + 3 else None
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
        self._short = min(settings.min_chunk, settings.chunk_size // 2)  # shorter pieces join their neighbour
        self._splitter = RecursiveCharacterTextSplitter(
            chunk_size=settings.chunk_size,
            chunk_overlap=settings.chunk_overlap,
            separators=_SEPARATORS,
            keep_separator="end",  # ". " stays with the sentence it ends, not at the start of the next piece
            strip_whitespace=True,
        )

    def chunk(self, doc: Document) -> list[Chunk]:
        """Chunks in reading order with section path, pages and character offsets."""
        spans: list[tuple[int, int, str, SectionRole]] = []
        self._emit(doc.text, _tree(doc.text, doc.identity.doc_type), [], spans)
        chunks: list[Chunk] = []
        for start, end, section, role in spans:
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
                    role=role.value,
                )
            )
        return chunks

    def _emit(self, text: str, node: Section, path: list[str], out: list[_Span], lead: int | None = None) -> None:
        """Emit ``node`` (from ``lead`` when a parent's heading travels with it): whole if it fits and holds one
        role, else packed: consecutive children of one kind and one role share a chunk while they fit."""
        start = node.start if lead is None else lead
        section = SEPARATOR.join(path)
        size = self.settings.chunk_size
        if (node.end - start <= size and len(node.roles()) == 1) or not node.children:
            self._leaf(text, start, node.end, section, node.role, out)
            return
        children = node.children
        pack: int | None = None  # start of the pending pack of consecutive siblings
        first = last = -1  # children in the pending pack; first < 0: only the intro so far
        intro_end = children[0].start
        if text[start:intro_end].strip():
            if intro_end - start > size:
                self._leaf(text, start, intro_end, section, node.role, out)
            else:
                pack = start  # the intro (heading, title line) opens the first pack
        for i, child in enumerate(children):
            pack_role = children[last].role if first >= 0 else node.role
            if (
                pack is not None
                and child.end - pack <= size
                and (first < 0 or kind(children[last]) == kind(child))
                and child.roles() == {pack_role}
            ):
                first, last = (i if first < 0 else first), i
                continue
            carry: int | None = None
            if pack is not None:
                end = children[last].end if first >= 0 else intro_end
                short_intro = first < 0 and end - pack < self._short
                if short_intro or (first == last and _heading_only(text[pack:end], self._short)):
                    carry = pack  # a heading (or a short intro) never stands alone: it joins the next piece
                else:
                    self._leaf(text, pack, end, pack_path(path, children, first, last), pack_role, out)
            pack, first, last = None, -1, -1
            if carry is None and child.end - child.start <= size and len(child.roles()) == 1:
                pack, first, last = child.start, i, i
            else:
                self._emit(text, child, [*path, child.label], out, carry)
        if pack is not None:
            end = children[last].end if first >= 0 else intro_end
            role = children[last].role if first >= 0 else node.role
            self._leaf(text, pack, end, pack_path(path, children, first, last), role, out)

    def _leaf(self, text: str, start: int, end: int, section: str, role: SectionRole, out: list[_Span]) -> None:
        size = self.settings.chunk_size
        if end - start <= size:
            out.append((start, end, section, role))
            return
        pieces = self._split(text, start, end, size)
        joined: list[tuple[int, int]] = []
        i = 0
        while i < len(pieces):
            h, e = pieces[i]
            while e - h < self._short and i + 1 < len(pieces):
                # A short piece (a heading, a title line) joins the next one rather than standing alone.
                s, e = pieces[i + 1]
                if e - h > size:
                    if s - h >= size // 2:
                        e = pieces[i][1]
                        break
                    pieces[i + 1 : i + 2] = self._split(text, s, e, size - (s - h))
                    e = pieces[i + 1][1]
                i += 1
            joined.append((h, e))
            i += 1
        if len(joined) > 1 and joined[-1][1] - joined[-1][0] < self._short and joined[-1][1] - joined[-2][0] <= size:
            joined[-2:] = [(joined[-2][0], joined[-1][1])]  # a short tail joins the piece before when both fit
        out.extend((s, e, section, role) for s, e in joined)

    def _split(self, text: str, start: int, end: int, size: int) -> list[tuple[int, int]]:
        """Overlapping pieces of ``text[start:end]``, each at most ``size`` characters, as absolute offsets."""
        splitter, overlap = self._splitter, self.settings.chunk_overlap
        if size != self.settings.chunk_size:
            overlap = min(overlap, size // 4)
            splitter = RecursiveCharacterTextSplitter(
                chunk_size=size, chunk_overlap=overlap, separators=_SEPARATORS, keep_separator="end",
                strip_whitespace=True,
            )  # fmt: skip
        pieces: list[tuple[int, int]] = []
        for piece in splitter.split_text(text[start:end]):
            # Located here rather than by the splitter's start_index, which can match an earlier copy of a short
            # piece ("১." inside "## ১."): the first copy, within the overlap, that reaches the previous end.
            prev_start, prev_end = pieces[-1] if pieces else (start - 1, start)
            s = text.find(piece, max(prev_start + 1, prev_end - overlap), end)
            while s >= 0 and s + len(piece) < prev_end:
                s = text.find(piece, s + 1, end)
            s = text.find(piece, prev_start + 1, end) if s < 0 else s
            if s < 0:
                raise ValueError(f"split piece not found in the text: {piece[:40]!r}")
            if s + len(piece) > prev_end:  # a piece inside the previous one (an overlap tail) adds nothing
                pieces.append((s, s + len(piece)))
        return pieces


def _heading_only(span: str, limit: int) -> bool:
    """Whether ``span`` is a lone heading line: Markdown ("## ১.", "### 2. Mục tiêu") or capitals ("II. NHIỆM VỤ").

    A short numbered item ("3. Chính phủ quy định chi tiết Điều này") is body text and keeps its own label.
    """
    line = span.strip()
    if "\n" in line or len(line) >= limit:
        return False
    return line.startswith("#") or (any(c.isupper() for c in line) and not any(c.islower() for c in line))
