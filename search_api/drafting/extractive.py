"""Offline extractive drafter: per section, salient non-redundant verbatim sentences (MMR), cited per paragraph."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

from indexer.interfaces import Embedder
from indexer.storage.records import ChunkRecord
from search_api.drafting.models import DraftSection, Paragraph
from search_api.drafting.sentences import citation_for, split_sentences
from search_api.drafting.templates import SectionSpec

logger = logging.getLogger(__name__)


@dataclass
class Candidate:
    """A sentence of a retrieved chunk, with where it sits."""

    text: str
    row: ChunkRecord
    offset: int
    rank: int  # rank of its chunk in retrieval


@dataclass
class SentenceCache:
    """Sentence vectors shared by the sections of one draft (the same chunk often serves several sections)."""

    vectors: dict[str, np.ndarray] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)


def mmr(query: np.ndarray, vectors: np.ndarray, k: int, lam: float = 0.7, prior: np.ndarray | None = None) -> list[int]:
    """Maximal marginal relevance: indices of k rows relevant to ``query`` and unlike those already picked."""
    if len(vectors) == 0 or k <= 0:
        return []
    relevance = vectors @ query
    if prior is not None:
        relevance = relevance + prior
    chosen: list[int] = []
    max_sim = np.full(len(vectors), -np.inf)
    for _ in range(min(k, len(vectors))):
        redundancy = np.where(np.isfinite(max_sim), max_sim, 0.0)
        scores = lam * relevance - (1.0 - lam) * redundancy
        scores[chosen] = -np.inf
        best = int(np.argmax(scores))
        chosen.append(best)
        max_sim = np.maximum(max_sim, vectors @ vectors[best])
    return chosen


class ExtractiveDrafter:
    """Writes a section from the retrieved chunks' own sentences; every paragraph cites the chunk it quotes."""

    def __init__(self, embedder: Embedder, max_candidates: int = 80, near_duplicate: float = 0.92) -> None:
        self.embedder = embedder
        self.max_candidates = max_candidates
        self.near_duplicate = near_duplicate

    def candidates(self, rows: list[ChunkRecord], cache: SentenceCache) -> list[Candidate]:
        """Sentences of the rows in retrieval order, without exact repeats or sentences used by earlier sections."""
        seen: set[str] = set()
        out: list[Candidate] = []
        for rank, row in enumerate(rows):
            for offset, sentence in split_sentences(row.text):
                if sentence in seen or sentence in cache.used:
                    continue
                seen.add(sentence)
                out.append(Candidate(sentence, row, offset, rank))
                if len(out) >= self.max_candidates:
                    return out
        return out

    def write_section(
        self, spec: SectionSpec, topic: str, rows: list[ChunkRecord], cache: SentenceCache | None = None
    ) -> DraftSection:
        """The section: chosen sentences grouped by document then position, one paragraph per cited chunk."""
        cache = cache or SentenceCache()
        cands = self.candidates(rows, cache)
        if not cands:
            return DraftSection(heading=spec.heading, paragraphs=[])
        missing = [c.text for c in cands if c.text not in cache.vectors]
        if missing:
            vecs = self.embedder.embed_documents(missing)  # one batch per section
            cache.vectors.update(zip(missing, vecs, strict=True))
        matrix = np.stack([cache.vectors[c.text] for c in cands]).astype(np.float32)
        # Relevance = half the topic, half the closest of the section's hints (so "hạn chế" sections quote
        # shortcomings of the topic, not its results), plus a small head start for better-ranked chunks.
        queries = self.embedder.embed_queries([topic, *spec.hints])
        hint_sim = (matrix @ queries[1:].T).max(axis=1)
        prior = 0.5 * hint_sim - np.array([0.01 * c.rank for c in cands], dtype=np.float32)
        picked: list[int] = []
        for i in mmr(0.5 * queries[0], matrix, len(cands), prior=prior):
            if len(picked) >= spec.sentences:
                break
            if picked and float(np.max(matrix[picked] @ matrix[i])) >= self.near_duplicate:
                continue  # the same sentence in another document (quoted resolutions repeat verbatim)
            picked.append(i)
        chosen = [cands[i] for i in picked]
        for c in chosen:
            cache.used.add(c.text)
        return DraftSection(heading=spec.heading, paragraphs=self._paragraphs(chosen))

    @staticmethod
    def _paragraphs(chosen: list[Candidate]) -> list[Paragraph]:
        """Group by document (in order of its best chunk), then chunk position; one paragraph per chunk."""
        doc_rank: dict[str, int] = {}
        for c in sorted(chosen, key=lambda c: c.rank):
            doc_rank.setdefault(c.row.doc_id, c.rank)
        ordered = sorted(chosen, key=lambda c: (doc_rank[c.row.doc_id], c.row.ordinal, c.offset))
        paragraphs: list[Paragraph] = []
        current: int | None = None
        for c in ordered:
            cid = c.row.chunk_id
            if cid != current:
                paragraphs.append(
                    Paragraph(text=c.text, citations=[citation_for(c.row)], supported=True, sentences=[c.text])
                )
                current = cid
            else:
                paragraphs[-1].text += " " + c.text
                paragraphs[-1].sentences.append(c.text)
        return paragraphs
