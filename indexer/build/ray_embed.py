"""Embedding on a Ray cluster: Ray Data ``map_batches`` over an actor pool, one model per actor.

``RayEmbedder`` is an ``Embedder``: the pipeline parses, chunks, skips unchanged passages and commits exactly as
in a local run (same batches, same transactions, so a run stays incremental and a crash loses at most the batch
in flight); only ``embed_documents`` of a batch's new passages goes to the cluster. Each actor loads the model
once for the batch it serves and asks for one GPU when the cluster has them (``num_gpus=1``), else
``cpus_per_actor`` CPUs (torch threads). Vectors come back in input order, computed by the same model code as
locally. Query embedding stays local (one query at a time gains nothing from a cluster).

Actors live for one batch (one Ray Data execution): with GPU workers, raise ``THAMMUU_INDEXING__FLUSH_CHUNKS``
(e.g. 16384) so the model load is spread over many passages.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from indexer.config import Settings
from indexer.embedding.prompts import Prompts
from indexer.errors import IndexerError
from indexer.interfaces import Embedder

logger = logging.getLogger(__name__)

ENCODER_BATCHES_PER_CALL = 2  # encoder batches per map_batches call: small enough to balance, large enough to pay


class EmbedActor:
    """One model per actor: built once from the settings (JSON), then called on batches of passages."""

    def __init__(self, settings_json: str) -> None:
        from indexer.embedding.factory import create_embedder

        self.embedder = create_embedder(Settings.model_validate_json(settings_json))

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Each encoder batch of the block (``group``) embedded on its own, as the local run embeds it."""
        groups = batch["group"]
        vectors = np.zeros((len(groups), self.embedder.dimension), dtype=np.float32)
        for group in dict.fromkeys(groups.tolist()):
            rows = np.flatnonzero(groups == group)
            texts = [str(batch["text"][r]) for r in rows]
            titles: list[str | None] = [str(batch["title"][r]) for r in rows]
            vectors[rows] = self.embedder.embed_documents(texts, titles)
        return {"i": batch["i"], "vector": vectors}


class RayEmbedder:
    """An ``Embedder`` whose document embedding runs on a Ray cluster (a local one when ``address`` is empty)."""

    def __init__(self, settings: Settings, local: Embedder, address: str = "", actors: int = 0) -> None:
        try:
            import ray
        except ImportError as exc:  # an optional dependency
            raise IndexerError("--ray needs Ray Data: pip install 'ray[data]'") from exc
        self.name, self.dimension = local.name, local.dimension
        self._local = local
        self._prompts: Prompts = getattr(getattr(local, "inner", local), "prompts", Prompts())
        self._ray = ray
        if not ray.is_initialized():
            runtime_env: dict[str, Any] = {}
            if not address:  # a local cluster runs this checkout's code, whatever is installed
                root = str(Path(__file__).resolve().parents[2])
                runtime_env["env_vars"] = {"PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")])}
            ray.init(
                address=address or None,
                runtime_env=runtime_env,
                include_dashboard=False,
                log_to_driver=False,
                configure_logging=False,
            )
        resources = ray.cluster_resources()
        self.gpus = int(resources.get("GPU", 0))
        cpus = int(resources.get("CPU", 1))
        self.actors = actors or (self.gpus or 1)
        self.cpus_per_actor = max(1, cpus // self.actors) if not self.gpus else 1
        worker = settings.model_copy(deep=True)
        worker.embedding.threads = self.cpus_per_actor if not self.gpus else worker.embedding.threads
        worker.embedding.query_cache = 0
        self._settings_json = worker.model_dump_json()
        self._encoder_batch = settings.embedding.batch_size
        self._ray_batch = self._encoder_batch * ENCODER_BATCHES_PER_CALL
        logger.info("Ray: %d actor(s), %s each", self.actors, "1 GPU" if self.gpus else f"{self.cpus_per_actor} CPU(s)")

    def embed_documents(self, texts: Sequence[str], titles: Sequence[str | None] | None = None) -> np.ndarray:
        """Vectors (len(texts), dimension) in input order, computed by the actor pool."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        heads = [h or "none" for h in titles] if titles is not None else ["none"] * len(texts)
        # The passages in the order the local embedder sorts its input (longest encoder input first), cut
        # into the encoder batches a local run pads; each Ray block holds whole batches and each actor embeds them
        # batch by batch, so the vectors equal a local run's (an int8 or bf16 encoder's output moves by ~3e-4 in
        # cosine with the padding of its batch).
        import pandas as pd

        inputs = self._prompts.documents(texts, heads)  # what the encoder sees: its sort key, as locally
        order = sorted(range(len(texts)), key=lambda i: -len(inputs[i]))
        size = self._encoder_batch
        blocks = [
            pd.DataFrame(
                {
                    "i": order[start : start + self._ray_batch],
                    "group": [(start + j) // size for j in range(len(order[start : start + self._ray_batch]))],
                    "text": [texts[i] for i in order[start : start + self._ray_batch]],
                    "title": [heads[i] for i in order[start : start + self._ray_batch]],
                }
            )
            for start in range(0, len(order), self._ray_batch)
        ]
        data = self._ray.data.from_pandas(blocks)  # one block per DataFrame
        embedded = data.map_batches(
            EmbedActor,
            fn_constructor_kwargs={"settings_json": self._settings_json},
            batch_size=None,  # a whole block per call: whole encoder batches, never one split across calls
            batch_format="numpy",
            concurrency=self.actors,
            num_gpus=1 if self.gpus else 0,
            num_cpus=self.cpus_per_actor if not self.gpus else 1,
        )
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for batch in embedded.iter_batches(batch_size=1024, batch_format="numpy"):
            out[batch["i"]] = np.asarray(batch["vector"], dtype=np.float32).reshape(len(batch["i"]), -1)
        return out

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Queries are embedded locally."""
        return self._local.embed_queries(texts)

    def shutdown(self) -> None:
        """Leave the cluster (a local one stops)."""
        if self._ray.is_initialized():
            self._ray.shutdown()
