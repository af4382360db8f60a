"""The section tree the chunker reads a document into, and how a chunk names its place in it."""

from __future__ import annotations

from dataclasses import dataclass, field

from indexer.understanding.section_roles import SectionRole

SEPARATOR = " › "


@dataclass
class Section:
    """A heading and what it holds: its level (lower is higher), label ("II.", "Điều 5"), span and role."""

    level: int
    label: str
    start: int
    end: int = 0
    role: SectionRole = SectionRole.NONE
    children: list[Section] = field(default_factory=list)

    def roles(self) -> set[SectionRole]:
        """The roles found in this section and everything under it."""
        out = {self.role}
        for child in self.children:
            out |= child.roles()
        return out


def kind(node: Section) -> tuple[int, str]:
    """Siblings of one kind pack together: articles with articles, not "Điều 3" with an appendix's "I."."""
    word, space, _ = node.label.partition(" ")
    return node.level, word if space else ""


def range_label(a: str, b: str) -> str:
    """``Khoản 1`` + ``Khoản 3`` → ``Khoản 1–3``; ``1.`` + ``2.`` → ``1.–2.``; one label when both are the same."""
    if a == b:
        return a
    word_a, space, rest_a = a.partition(" ")
    word_b, _, rest_b = b.partition(" ")
    if space and word_a == word_b:
        return f"{word_a} {rest_a}–{rest_b}"
    return f"{a}–{b}"


def pack_path(path: list[str], children: list[Section], first: int, last: int) -> str:
    """Section path of a pack: the parent's path (intro only), the child's (one child) or a range of children."""
    if first < 0:
        return SEPARATOR.join(path)
    return SEPARATOR.join([*path, range_label(children[first].label, children[last].label)])
