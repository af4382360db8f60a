"""Offline extractive drafter: per section, salient non-redundant verbatim sentences of the accepted roles, cited.

No sentence is embedded while drafting: a sentence's relevance is its passage's stored vector against the
section's queries (topic plus each hint, embedded once per draft), plus how many of the topic's and hints' words
it carries; redundancy is word overlap with what is already chosen (maximal marginal relevance). A draft therefore
costs a handful of query embeddings whatever the size of the index.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

from indexer.storage.records import ChunkRecord
from indexer.understanding.text import fold, tokenize
from search_api.drafting.models import DraftSection, Paragraph
from search_api.drafting.sentences import citation_for, split_sentences
from search_api.drafting.targets import has_figure
from search_api.drafting.templates import SectionSpec

logger = logging.getLogger(__name__)

LEXICAL_WEIGHT = 0.35  # share of the topic's and hints' words a sentence carries, against passage similarity
FIGURE_BONUS = 0.03  # results and limitations sections prefer sentences stating figures
REDUNDANT = 0.6  # word overlap (Jaccard) above which a sentence repeats one already chosen


@dataclass
class Candidate:
    """A sentence of an accepted passage, with where it sits and how relevant it is."""

    text: str
    row: ChunkRecord
    offset: int
    score: float = 0.0
    words: frozenset[str] = frozenset()


@dataclass
class DraftContext:
    """What the sections of one draft share: passage relevance inputs and the sentences already used."""

    vectors: dict[int, np.ndarray] = field(default_factory=dict)
    doc_order: dict[str, int] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)


def words(text: str) -> frozenset[str]:
    """Folded content syllables of a text (for overlap and redundancy)."""
    return frozenset(fold(t) for t in tokenize(text) if len(t) > 1 and not t.isdigit())


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


class ExtractiveDrafter:
    """Writes a section from its accepted passages' own sentences; every paragraph cites the chunk it quotes."""

    def write_section(
        self,
        spec: SectionSpec,
        rows: list[ChunkRecord],
        queries: np.ndarray,
        query_words: frozenset[str],
        ctx: DraftContext,
    ) -> DraftSection:
        """The section from ``rows`` (already of the roles it accepts), ``queries`` its query vectors (topic plus
        hints). Sentences grouped by document (in the draft's document order), then position; one paragraph per
        cited chunk."""
        cands = self._candidates(rows, queries, query_words, ctx, figures=_wants_figures(spec))
        chosen: list[Candidate] = []
        for c in sorted(cands, key=lambda c: -c.score):
            if len(chosen) >= spec.sentences:
                break
            if any(jaccard(c.words, d.words) >= REDUNDANT for d in chosen):
                continue  # the same sentence in another document (reports repeat resolutions verbatim)
            chosen.append(c)
        for c in chosen:
            ctx.used.add(c.text)
        return DraftSection(heading=spec.heading, paragraphs=self._paragraphs(chosen, ctx.doc_order))

    @staticmethod
    def _candidates(
        rows: list[ChunkRecord], queries: np.ndarray, query_words: frozenset[str], ctx: DraftContext, *, figures: bool
    ) -> list[Candidate]:
        out: list[Candidate] = []
        seen: set[str] = set()
        for row in rows:
            vec = ctx.vectors.get(row.chunk_id)
            passage = float(np.max(queries @ vec)) if vec is not None and len(queries) else 0.0
            for offset, sentence in split_sentences(row.text):
                if sentence in seen or sentence in ctx.used:
                    continue
                seen.add(sentence)
                w = words(sentence)
                lexical = len(w & query_words) / len(query_words) if query_words else 0.0
                score = passage + LEXICAL_WEIGHT * lexical + (FIGURE_BONUS if figures and has_figure(sentence) else 0.0)
                out.append(Candidate(sentence, row, offset, score, w))
        return out

    @staticmethod
    def _paragraphs(chosen: list[Candidate], doc_order: dict[str, int]) -> list[Paragraph]:
        """Group by document (the draft's order: subject, then the others oldest first), then chunk position."""
        ordered = sorted(chosen, key=lambda c: (doc_order.get(c.row.doc_id, len(doc_order)), c.row.ordinal, c.offset))
        paragraphs: list[Paragraph] = []
        current: int | None = None
        for c in ordered:
            if c.row.chunk_id != current:
                paragraphs.append(
                    Paragraph(text=c.text, citations=[citation_for(c.row)], supported=True, sentences=[c.text])
                )
                current = c.row.chunk_id
            else:
                paragraphs[-1].text += " " + c.text
                paragraphs[-1].sentences.append(c.text)
        return paragraphs


def _wants_figures(spec: SectionSpec) -> bool:
    return any(r in ("results", "limitations") for r in spec.roles)
