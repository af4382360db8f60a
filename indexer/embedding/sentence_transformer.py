"""sentence-transformers backend: EmbeddingGemma (default) or any sentence-transformers model folder."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from indexer.config import EmbeddingSettings
from indexer.embedding.cpu import has_bf16
from indexer.embedding.prompts import PromptedEncoder, Prompts, unit_rows

logger = logging.getLogger(__name__)


class SentenceTransformerEmbedder(PromptedEncoder):
    """Encodes passages and queries with the model's own prompts, normalised, sorted by length to cut padding."""

    backend = "torch"

    def __init__(self, path: Path, name: str, settings: EmbeddingSettings) -> None:
        # Offline for good: no hub look-ups even when a cache or network exists.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
        import torch
        import transformers
        from sentence_transformers import SentenceTransformer

        transformers.utils.logging.disable_progress_bar()

        if settings.threads:
            torch.set_num_threads(settings.threads)
        use_bf16 = settings.dtype == "bf16" or (settings.dtype == "auto" and has_bf16())
        dtype = torch.bfloat16 if use_bf16 else torch.float32
        logger.info("loading %s from %s (%s)", name, path, "bf16" if use_bf16 else "fp32")
        self._model = SentenceTransformer(
            str(path), device="cpu", model_kwargs={"torch_dtype": dtype}, local_files_only=True
        )
        self._model.max_seq_length = settings.max_seq_length
        self._batch_size = settings.batch_size
        self._truncate = settings.dimension or None
        getter = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        full = int(getter() or 0)
        self.dimension = self._truncate or full
        self.name = name if not self._truncate else f"{name}@{self._truncate}"
        self.prompts = Prompts.of(getattr(self._model, "prompts", {}) or {})

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vecs = self._model.encode(
            list(texts),
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
            truncate_dim=self._truncate,
        )
        out = np.ascontiguousarray(vecs, dtype=np.float32)
        # Normalise again in float32: bf16 outputs are unit length only to ~0.4%, and inner product must be cosine.
        return unit_rows(out)
