"""Scores a drafted report against the drafting benchmark's gold: pure text comparison, no model, no index.

The benchmark (``tests/data/drafting``) is an archive of party-committee documents (``archive/``) and
``gold.json``, which has one entry per subject (a resolution such as "07-NQ/TU"): ``topic`` (what a user would
type), ``about`` (the archive files of the subject: the resolution, its plan, its reports), ``targets`` (each
target line of the resolution, verbatim), ``pairs`` (for a target, substrings of the report sentences that state
a result for it; any one of them counts) and, at the top level, ``roles``: for every archive file, its heading
lines in document order, each with its role (``ROLES``).

A draft is the API's JSON: ``sections`` of ``paragraphs`` with verbatim ``sentences``, and ``targets``, each with
its ``text`` and ``results`` (each a ``text``). ``score_draft`` reports, for one subject:

- ``on_topic``: the share of quoted texts (the sections' sentences, the targets' and the results' texts) found in
  a file of ``about``;
- ``placement``: of the section sentences found in the archive, the share whose role is accepted by the section
  they were placed in (``section_roles``, given by the caller: section heading → accepted roles). A sentence's role
  is that of the nearest heading above it in the file; a sentence found in several places takes any of their roles;
- ``target_recall``: the share of gold targets matched by some draft target (``target_matches``);
- ``pairs_linked``: the share of gold pairs whose target is matched by a draft target with a result containing one
  of the pair's substrings;
- ``sentences``: how many texts were quoted; ``verbatim``: whether every one is found in some archive file, and
  ``verbatim_share`` the share that is; ``seconds`` is left for the caller (drafting time).

A share over nothing is 0 on the draft's side (no quoted text: on_topic, placement, verbatim) and 1 on the gold's
(a subject without targets or pairs). ``section_roles_of`` reads ``section_roles`` from a template's ``roles``.

Texts are compared after NFC normalisation with runs of whitespace made one space; target and result matching
also ignores case. Paragraphs without ``sentences`` (an LLM paragraph) quote nothing, so they score nothing.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "ROLES",
    "ArchiveFile",
    "SubjectScore",
    "load_archive",
    "load_gold",
    "normalise",
    "score_draft",
    "section_roles_of",
    "target_matches",
]

ROLES = frozenset(
    {
        "context",
        "targets",
        "tasks",
        "leadership",
        "results",
        "limitations",
        "lessons",
        "directions",
        "recommendations",
        "organisation",
    }
)

TOKEN_OVERLAP = 0.8  # a draft target matches a gold target when this share of the longer one's words is shared
MIN_CONTAINED = 25  # a draft target inside a gold target counts only from this many characters
_WS = re.compile(r"\s+")
_WORD = re.compile(r"\w+")
_FIGURE = re.compile(r"\d+(?:[.,]\d+)*")
_BULLET = re.compile(r"^(?:[-*+•–]\s*|[a-zđ]\)\s+|\d{1,2}[.)\-]\s+)+", re.IGNORECASE)
_MARKS = re.compile(r"^[#\s]+|\*\*")


def normalise(text: str) -> str:
    """NFC, every run of whitespace one space, trimmed."""
    return _WS.sub(" ", unicodedata.normalize("NFC", text)).strip()


def _key(text: str) -> str:
    """Comparison form of a target: normalised, lower case, without a list bullet or closing punctuation."""
    text = normalise(text).casefold()
    return _BULLET.sub("", text).rstrip(" .;:,").strip()


@dataclass
class ArchiveFile:
    """One archive file: its normalised text and where its role headings start in it."""

    name: str
    text: str  # normalised: lines joined with one space
    headings: list[tuple[int, str]] = field(default_factory=list)  # (offset in ``text``, role), in order

    def find(self, sentence: str) -> list[int]:
        """Offsets of every occurrence of ``sentence`` (normalised) in the text."""
        needle = normalise(sentence)
        if not needle:
            return []
        out, start = [], self.text.find(needle)
        while start >= 0:
            out.append(start)
            start = self.text.find(needle, start + 1)
        return out

    def role_at(self, offset: int) -> str | None:
        """Role of the nearest heading at or above ``offset``; None above the first one."""
        role = None
        for start, heading_role in self.headings:
            if start > offset:
                break
            role = heading_role
        return role


def _load_file(path: Path, roles: Iterable[Iterable[str]]) -> ArchiveFile:
    """The file with its headings placed: each heading is the first matching line after the previous one."""
    lines = [normalise(line) for line in unicodedata.normalize("NFC", path.read_text(encoding="utf-8")).split("\n")]
    starts, parts, pos = [], [], 0
    for line in lines:
        starts.append(pos)
        if line:
            parts.append(line)
            pos += len(line) + 1
    doc = ArchiveFile(path.name, " ".join(parts))
    cursor = 0
    for heading, role in (tuple(pair) for pair in roles):
        want, bare = normalise(heading), _MARKS.sub("", normalise(heading)).strip()
        for i in range(cursor, len(lines)):
            if lines[i] and (lines[i] == want or _MARKS.sub("", lines[i]).strip() == bare):
                doc.headings.append((starts[i], role))
                cursor = i + 1
                break
    return doc


def load_archive(archive: Path, roles: Mapping[str, Any]) -> dict[str, ArchiveFile]:
    """Every file of the archive folder (``.md`` and ``.txt``), with the headings ``roles`` gives it."""
    return {
        path.name: _load_file(path, roles.get(path.name, []))
        for path in sorted(archive.iterdir())
        if path.is_file() and path.suffix in {".md", ".txt"}
    }


def load_gold(path: Path) -> dict[str, Any]:
    """The gold file: ``subjects`` (a list), ``roles`` (file → [[heading, role], …]) and ``distractors``."""
    return json.loads(path.read_text(encoding="utf-8"))


def section_roles_of(template: Path) -> dict[str, set[str]]:
    """``section_roles`` from a report template (``prompts/*.yaml``): each section's heading → its ``roles``."""
    data = yaml.safe_load(template.read_text(encoding="utf-8")) or {}
    return {str(s["heading"]): {str(r) for r in s.get("roles") or []} for s in data.get("sections") or []}


def target_matches(draft_text: str, gold_text: str) -> bool:
    """Whether a draft target states a gold target.

    It does when one contains the other (the draft inside the gold only from ``MIN_CONTAINED`` characters), or when
    the draft has every figure of the gold and they share at least ``TOKEN_OVERLAP`` of the words of the longer one.
    """
    d, g = _key(draft_text), _key(gold_text)
    if not d or not g:
        return False
    if g in d or (len(d) >= MIN_CONTAINED and d in g):
        return True
    if not set(_FIGURE.findall(g)) <= set(_FIGURE.findall(d)):
        return False  # another figure ("80%" for "95%", "2030" for "2025") is another target
    dw, gw = set(_WORD.findall(d)), set(_WORD.findall(g))
    return len(dw & gw) / max(len(dw), len(gw)) >= TOKEN_OVERLAP


@dataclass
class SubjectScore:
    """The scores of one draft on one subject (shares in 0–1); ``seconds`` is filled by the caller."""

    subject: str
    on_topic: float
    placement: float
    target_recall: float
    pairs_linked: float
    sentences: int
    verbatim: bool
    verbatim_share: float
    seconds: float = 0.0
    unmatched_targets: list[int] = field(default_factory=list)  # gold target indices no draft target matches
    unlinked_pairs: list[int] = field(default_factory=list)  # indices into the gold ``pairs``
    not_found: list[str] = field(default_factory=list)  # quoted texts found in no archive file


def _share(hits: int, total: int, empty: float) -> float:
    return hits / total if total else empty


def _section_roles(section_roles: Mapping[str, set[str]], heading: str) -> set[str]:
    """The roles a section accepts: by its exact heading, else by its heading ignoring case and spacing."""
    if heading in section_roles:
        return set(section_roles[heading])
    key = normalise(heading).casefold()
    for name, accepted in section_roles.items():
        if normalise(name).casefold() == key:
            return set(accepted)
    return set()


def score_draft(
    draft: Mapping[str, Any],
    gold_subject: Mapping[str, Any],
    roles: Mapping[str, Any],
    archive: Path,
    section_roles: Mapping[str, set[str]],
) -> SubjectScore:
    """Scores of ``draft`` (the API's JSON) against one gold subject; see the module docstring."""
    files = load_archive(archive, roles)
    about = set(gold_subject.get("about", []))

    placed: list[tuple[str, str]] = []  # (section heading, sentence)
    for section in draft.get("sections", []) or []:
        for paragraph in section.get("paragraphs", []) or []:
            placed += [(section.get("heading", ""), s) for s in paragraph.get("sentences", []) or [] if s.strip()]
    draft_targets = [t for t in draft.get("targets", []) or [] if isinstance(t, Mapping)]
    quoted = [s for _, s in placed]
    for target in draft_targets:
        quoted += [t for t in [target.get("text") or ""] if t.strip()]
        quoted += [r.get("text") or "" for r in target.get("results", []) or [] if (r.get("text") or "").strip()]

    where = {s: {name: doc.find(s) for name, doc in files.items()} for s in set(quoted)}
    found = [s for s in quoted if any(where[s].values())]
    on_topic = sum(1 for s in quoted if any(where[s].get(name) for name in about))

    located = right = 0
    for heading, sentence in placed:
        seen = {files[name].role_at(at) for name, offsets in where[sentence].items() for at in offsets}
        if not seen:
            continue
        located += 1
        right += bool(seen & _section_roles(section_roles, heading))

    gold_targets = list(gold_subject.get("targets", []))
    matched = [[t for t in draft_targets if target_matches(t.get("text") or "", g)] for g in gold_targets]
    pairs = list(gold_subject.get("pairs", []))
    unlinked = []
    for i, pair in enumerate(pairs):
        wanted = [normalise(s).casefold() for s in pair.get("results", [])]
        results = [r for t in matched[pair["target"]] for r in t.get("results", []) or []]
        texts = [normalise(r.get("text") or "").casefold() for r in results]
        if not any(w and w in text for w in wanted for text in texts):
            unlinked.append(i)

    return SubjectScore(
        subject=str(gold_subject.get("subject", "")),
        on_topic=_share(on_topic, len(quoted), 0.0),
        placement=_share(right, located, 0.0),
        target_recall=_share(sum(1 for m in matched if m), len(gold_targets), 1.0),
        pairs_linked=_share(len(pairs) - len(unlinked), len(pairs), 1.0),
        sentences=len(quoted),
        verbatim=bool(quoted) and len(found) == len(quoted),
        verbatim_share=_share(len(found), len(quoted), 0.0),
        unmatched_targets=[i for i, m in enumerate(matched) if not m],
        unlinked_pairs=unlinked,
        not_found=[s for s in quoted if not any(where[s].values())],
    )
