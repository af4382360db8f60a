"""The fast backend: EmbeddingGemma as an int8 OpenVINO graph, same prompts, pooling, projections and normalisation.

Vectors match the torch backend to cosine ≥ 0.99 (measured on ALQAC passages, benchmarks/results/encoder.md), so
an index built by one backend is queried by the other: the manifest records which backends wrote it.

Two run-time choices, both measured on 2 cores (benchmarks/results/encoder.md):
- the graph is compiled for throughput: the CPU plugin splits the cores into streams (on 2 cores: two streams of
  one thread) and the embedder keeps one inference request per stream. A passage batch goes to the first free
  request, so the batches of one indexing call, and concurrent API queries, run side by side instead of waiting
  on one another (1.4× the passages/s of one two-thread request; a short query takes 43 instead of 38 ms);
- activations are quantised per group of 128 values instead of 32 (1.2×; cosine to fp32 0.9985 instead of 0.9991).
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from indexer.config import EmbeddingSettings
from indexer.embedding.openvino_export import verify_openvino_artefact
from indexer.embedding.prompts import PromptedEncoder, Prompts, unit_rows
from indexer.errors import ModelUnavailable

logger = logging.getLogger(__name__)

ACTIVATION_GROUP = 128  # values per dynamic int8 scale of an activation row (the plugin's default is 32)


class OpenVINOEmbedder(PromptedEncoder):
    """Encodes passages and queries through the int8 graph; thread-safe (one inference per CPU stream at a time)."""

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
        config: dict[str, Any] = {
            "PERFORMANCE_HINT": "THROUGHPUT",
            "DYNAMIC_QUANTIZATION_GROUP_SIZE": ACTIVATION_GROUP,
        }
        if settings.threads:
            config["INFERENCE_NUM_THREADS"] = settings.threads
        try:
            self._compiled = ov.Core().compile_model(str(artefact / "model.xml"), "CPU", config)
            streams = max(1, int(self._compiled.get_property("OPTIMAL_NUMBER_OF_INFER_REQUESTS")))
        except RuntimeError as exc:
            raise ModelUnavailable(f"openvino could not load {artefact}: {exc}") from exc
        logger.info("loaded %s from %s (openvino int8, %d CPU streams)", name, artefact, streams)
        self._requests: queue.SimpleQueue[Any] = queue.SimpleQueue()
        for _ in range(streams):
            self._requests.put(self._compiled.create_infer_request())
        self._output = self._compiled.outputs[0]
        self._pool = ThreadPoolExecutor(max_workers=streams, thread_name_prefix="openvino") if streams > 1 else None
        self._tokenizer_lock = threading.Lock()
        self._max_len = settings.max_seq_length
        self._batch_size = settings.batch_size
        full = int(meta["dimension"])
        self._truncate = settings.dimension or None
        self.dimension = self._truncate or full
        self.name = name if not self._truncate else f"{name}@{self._truncate}"
        self.prompts = Prompts.of(meta.get("prompts") or {})

    def _inputs(self, texts: list[str]) -> dict[str, np.ndarray]:
        # Under a lock: a fast tokenizer changing its padding/truncation state from two threads at once raises
        # "Already borrowed".
        with self._tokenizer_lock:
            enc = self._tokenizer(texts, padding=True, truncation=True, max_length=self._max_len, return_tensors="np")
        return {k: np.asarray(enc[k], dtype=np.int64) for k in ("input_ids", "attention_mask")}

    def _run(self, texts: list[str]) -> np.ndarray:
        """One padded batch through the first free inference request (waits while every stream is busy)."""
        inputs = self._inputs(texts)
        request = self._requests.get()
        try:
            result = request.infer(inputs)[self._output]
            return np.array(result, dtype=np.float32)  # a copy: the request reuses its output buffer
        finally:
            self._requests.put(request)

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        # Longest first, batched: each batch pads to its own longest passage only.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        batches = [order[start : start + self._batch_size] for start in range(0, len(order), self._batch_size)]
        run = lambda idx: self._run([texts[i] for i in idx])  # noqa: E731
        results = self._pool.map(run, batches) if self._pool is not None and len(batches) > 1 else map(run, batches)
        for idx, vecs in zip(batches, results, strict=True):
            out[idx] = vecs[:, : self.dimension]  # Matryoshka: cut, then normalise, as sentence-transformers does
        return unit_rows(out)
