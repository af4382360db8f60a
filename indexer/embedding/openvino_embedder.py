"""The fast backend: EmbeddingGemma as an int8 OpenVINO graph, same prompts, pooling, projections and normalisation.

Vectors match the torch backend to cosine ≥ 0.99 (measured on ALQAC passages, benchmarks/results/encoder.md), so
an index built by one backend is queried by the other: the manifest records which backends wrote it.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from indexer.config import EmbeddingSettings
from indexer.embedding.openvino_export import verify_openvino_artefact
from indexer.embedding.prompts import Prompts
from indexer.errors import ModelUnavailable

logger = logging.getLogger(__name__)


class OpenVINOEmbedder:
    """Encodes passages and queries through the int8 graph; thread-safe (one inference at a time)."""

    backend = "openvino"

    def __init__(self, artefact: Path, model_folder: Path, name: str, settings: EmbeddingSettings) -> None:
        meta = verify_openvino_artefact(artefact)  # raises ModelUnavailable on anything missing or changed
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            import openvino as ov
        except ImportError as exc:
            raise ModelUnavailable(f"the openvino backend needs the openvino package ({exc})") from exc
        from transformers import AutoTokenizer

        self._tokenizer = AutoTokenizer.from_pretrained(str(model_folder), local_files_only=True)
        config: dict[str, Any] = {"PERFORMANCE_HINT": "LATENCY"}
        if settings.threads:
            config["INFERENCE_NUM_THREADS"] = settings.threads
        logger.info("loading %s from %s (openvino int8)", name, artefact)
        try:
            self._compiled = ov.Core().compile_model(str(artefact / "model.xml"), "CPU", config)
        except RuntimeError as exc:
            raise ModelUnavailable(f"openvino could not load {artefact}: {exc}") from exc
        self._request = self._compiled.create_infer_request()
        self._output = self._compiled.outputs[0]
        self._lock = threading.Lock()
        self._max_len = settings.max_seq_length
        self._batch_size = settings.batch_size
        full = int(meta["dimension"])
        self._truncate = settings.dimension or None
        self.dimension = self._truncate or full
        self.name = name if not self._truncate else f"{name}@{self._truncate}"
        self.prompts = Prompts.of(meta.get("prompts") or {})

    def _run(self, texts: list[str]) -> np.ndarray:
        # Tokenizer under the lock too: a fast tokenizer changing its padding/truncation state from two threads
        # at once raises "Already borrowed".
        with self._lock:
            enc = self._tokenizer(texts, padding=True, truncation=True, max_length=self._max_len, return_tensors="np")
            inputs = {k: np.asarray(enc[k], dtype=np.int64) for k in ("input_ids", "attention_mask")}
            result = self._request.infer(inputs)[self._output]
            return np.array(result, dtype=np.float32)  # a copy: the request reuses its output buffer

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        # Longest first, batched: each batch pads to its own longest passage only.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for start in range(0, len(order), self._batch_size):
            idx = order[start : start + self._batch_size]
            vecs = self._run([texts[i] for i in idx])
            out[idx] = vecs[:, : self.dimension]  # Matryoshka: cut, then normalise, as sentence-transformers does
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-12)

    def embed_documents(self, texts: Sequence[str], titles: Sequence[str | None] | None = None) -> np.ndarray:
        """Document prompt per passage; EmbeddingGemma's 'title: … | text: …' carries the document's title."""
        return self._encode(self.prompts.documents(texts, titles))

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Query prompt of the model ('task: search result | query: ')."""
        return self._encode(self.prompts.queries(texts))
