"""The model's own prompts: what a passage and a query become before the encoder sees them (every backend alike)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Prompts:
    """Query and document prompts of a sentence-transformers model (EmbeddingGemma: 'task: search result | query: '
    and 'title: {title} | text: '), applied identically by the torch and OpenVINO backends."""

    query: str = ""
    document: str = ""

    @classmethod
    def of(cls, prompts: Mapping[str, str] | None) -> Prompts:
        """From the model's ``prompts`` (config_sentence_transformers.json), under either naming."""
        prompts = prompts or {}
        return cls(
            prompts.get("query", prompts.get("Retrieval-query", "")),
            prompts.get("document", prompts.get("Retrieval-document", "")),
        )

    @property
    def titled(self) -> bool:
        """Whether the document prompt carries the document's title (EmbeddingGemma's 'title: … | text: …')."""
        return "title:" in self.document

    def documents(self, texts: Sequence[str], titles: Sequence[str | None] | None = None) -> list[str]:
        """Each passage as the encoder sees it, with its document's title when the prompt has a place for it."""
        if self.titled:
            heads = titles or [None] * len(texts)
            return [f"title: {t or 'none'} | text: {x}" for x, t in zip(texts, heads, strict=True)]
        return [self.document + x for x in texts]

    def queries(self, texts: Sequence[str]) -> list[str]:
        """Each query as the encoder sees it."""
        return [self.query + t for t in texts]


class PromptedEncoder:
    """The ``Embedder`` surface every backend shares: the model's prompts applied the same way, then the backend's
    ``_encode`` (texts exactly as the encoder sees them → unit-length float32 rows)."""

    prompts: Prompts

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        raise NotImplementedError

    def embed_documents(self, texts: Sequence[str], titles: Sequence[str | None] | None = None) -> np.ndarray:
        """Document prompt per passage; EmbeddingGemma's 'title: … | text: …' carries the document's title."""
        return self._encode(self.prompts.documents(texts, titles))

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Query prompt of the model ('task: search result | query: ')."""
        return self._encode(self.prompts.queries(texts))


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length in float32 (inner product must be cosine; a zero row stays zero)."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)
