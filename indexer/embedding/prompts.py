"""The model's own prompts: what a passage and a query become before the encoder sees them (every backend alike)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


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
