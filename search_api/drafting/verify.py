"""Parse an LLM answer's [n] citations and verify each paragraph against the passages it cites."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from indexer.interfaces import Embedder
from indexer.storage.records import ChunkRecord
from indexer.understanding.text import fold, tokenize
from search_api.drafting.models import Paragraph
from search_api.drafting.sentences import citation_for

_CITE_RE = re.compile(r"\[(\d+(?:\s*[,;–-]\s*\d+)*)\]")
# Function words carry no evidence: a paragraph is not supported by sharing "và", "của", "the".
_STOP_WORDS = (
    "và của các những là được có cho trong với để này đã theo từ một về đến tại trên như khi thì "
    "the of and to in a for on is are be by with that this as at from it or an"
)
_STOP = {fold(w) for w in _STOP_WORDS.split()}


@dataclass(frozen=True)
class VerifyConfig:
    """Thresholds: the paragraph's content tokens found in its cited passages, or embedding cosine."""

    min_overlap: float = 0.5
    min_cosine: float = 0.75
    min_tokens: int = 5  # an echoed passage header or a bare phrase is not a paragraph


def parse_citations(text: str) -> tuple[str, list[int]]:
    """(text without the [n] markers, cited passage numbers in order, without repeats)."""
    numbers: list[int] = []
    for m in _CITE_RE.finditer(text):
        for part in re.split(r"\s*[,;–-]\s*", m.group(1)):
            n = int(part)
            if n not in numbers:
                numbers.append(n)
    clean = re.sub(r"\s+([.,;:])", r"\1", _CITE_RE.sub("", text))
    return re.sub(r"[ \t]{2,}", " ", clean).strip(), numbers


def content_tokens(text: str) -> set[str]:
    """Folded tokens of a text without function words and one-letter tokens."""
    return {f for f in (fold(t) for t in tokenize(text)) if len(f) > 1 and f not in _STOP}


def overlap(paragraph: str, passages: Sequence[str]) -> float:
    """Share of the paragraph's content tokens that occur in the passages (0 when it has none)."""
    tokens = content_tokens(paragraph)
    if not tokens:
        return 0.0
    source: set[str] = set()
    for p in passages:
        source |= content_tokens(p)
    return len(tokens & source) / len(tokens)


def split_paragraphs(answer: str) -> list[str]:
    """Paragraphs of an answer, one per line; headings dropped; a line of bare [n] markers joins the one before."""
    out: list[str] = []
    for line in answer.splitlines():
        text = line.strip().lstrip("-*• ").strip()
        if not text or text.startswith("#"):
            continue
        if not parse_citations(text)[0] and out:
            out[-1] += " " + text
        elif len(text) >= 3:
            out.append(text)
    return out


def verify_paragraph(
    raw: str,
    passages: Sequence[ChunkRecord],
    config: VerifyConfig = VerifyConfig(),
    embedder: Embedder | None = None,
) -> Paragraph:
    """A paragraph with its citations resolved to passages; ``supported`` only when every check passes.

    ``passages`` are the chunk rows numbered [1]..[n] in the prompt. A paragraph is unsupported when it cites
    nothing, cites a number that was not given, or its cited passages do not carry its content (lexical overlap
    below ``min_overlap`` and, with an embedder, cosine below ``min_cosine``).
    """
    text, numbers = parse_citations(raw)
    valid = [n for n in numbers if 1 <= n <= len(passages)]
    invalid = [n for n in numbers if n not in valid]
    citations = [citation_for(passages[n - 1]) for n in valid]
    if not numbers:
        return Paragraph(text=text, citations=[], supported=False, note="no citation")
    if invalid:
        return Paragraph(
            text=text,
            citations=citations,
            supported=False,
            note=f"cites passage(s) {invalid} that were not retrieved",
        )
    if len(content_tokens(text)) < config.min_tokens:
        return Paragraph(text=text, citations=citations, supported=False, note="too short to verify")
    cited = [str(passages[n - 1].text) for n in valid]
    score = overlap(text, cited)
    if score >= config.min_overlap:
        return Paragraph(text=text, citations=citations, supported=True, note=f"overlap {score:.2f}")
    if embedder is not None:
        vecs = embedder.embed_documents([text, *cited])
        cosine = float(np.max(vecs[1:] @ vecs[0]))
        if cosine >= config.min_cosine:
            return Paragraph(text=text, citations=citations, supported=True, note=f"cosine {cosine:.2f}")
        return Paragraph(
            text=text,
            citations=citations,
            supported=False,
            note=f"cited passages do not support it (overlap {score:.2f}, cosine {cosine:.2f})",
        )
    return Paragraph(
        text=text, citations=citations, supported=False, note=f"cited passages do not support it (overlap {score:.2f})"
    )
