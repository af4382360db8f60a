"""Embedding throughput: a local Ray cluster (``RayEmbedder``) against the single-process embedder.

    python -m benchmarks.ray_throughput [--passages 2000] [--actors 0] [--out benchmarks/results/ray_throughput.json]

The same ALQAC passages (first N articles, cut at 1,500 characters like a chunk) are embedded in one process tree:
first by the process's own model, then by Ray Data ``map_batches`` over an actor pool on a local cluster (actor
start-up and each actor's model load included: that is what an index run pays per batch). Reports passages per
second of each, the ratio, and the smallest cosine between the two sets of vectors. On a 2-core machine the actors
share the cores the single process had, so the ratio is expected near 1 or below; the point of Ray is more
machines and GPUs.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.metrics import machine_label
from indexer.build.ray_embed import RayEmbedder
from indexer.config import Settings
from indexer.embedding.factory import create_embedder

logger = logging.getLogger(__name__)


def passages(settings: Settings, n: int) -> list[str]:
    """The first n ALQAC articles as chunk-sized passages."""
    out = []
    with (settings.data_dir / "alqac-2023" / "corpus.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            out.append(f"{record.get('title', '')}\n{record['text']}"[:1500])
            if len(out) >= n:
                break
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--passages", type=int, default=2000)
    ap.add_argument("--actors", type=int, default=0, help="Actors (0: one per GPU, else one).")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    settings = Settings()
    settings.embedding.query_cache = 0
    texts = passages(settings, args.passages)
    titles: list[str | None] = ["none"] * len(texts)
    load = os.getloadavg()[0]
    local = create_embedder(settings)
    local.embed_documents(texts[:4], titles[:4])  # warm-up
    t0 = time.perf_counter()
    single = local.embed_documents(texts, titles)
    single_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    ray = RayEmbedder(settings, local, actors=args.actors)
    start_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    distributed = ray.embed_documents(texts, titles)
    ray_s = time.perf_counter() - t1
    ray.shutdown()
    cos = np.sum(single * distributed, axis=1) / (np.linalg.norm(single, axis=1) * np.linalg.norm(distributed, axis=1))
    result = {
        "machine": machine_label(),
        "passages": len(texts),
        "actors": ray.actors,
        "cpus_per_actor": ray.cpus_per_actor,
        "gpus": ray.gpus,
        "single_passages_per_s": round(len(texts) / single_s, 2),
        "ray_passages_per_s": round(len(texts) / ray_s, 2),
        "ray_cluster_start_s": round(start_s, 1),
        "ratio_ray_over_single": round(single_s / ray_s, 3),
        "min_cosine": round(float(cos.min()), 6),
        "load_before": round(load, 2),
        "load_after": round(os.getloadavg()[0], 2),
        "command": "python -m benchmarks.ray_throughput " + " ".join(argv if argv is not None else sys.argv[1:]),
    }
    if args.out:
        args.out.write_text(json.dumps(result, indent=1) + "\n")
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
