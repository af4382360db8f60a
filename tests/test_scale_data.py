"""The scale benchmark's data: N chunks from S real passages, perturbed text and vectors, archive-like labels."""

from __future__ import annotations

import numpy as np

from benchmarks.scale_data import NOISE, synthetic_items


def test_synthetic_chunks_stay_near_their_seed_and_are_all_different() -> None:
    rng = np.random.default_rng(0)
    seeds = rng.normal(size=(7, 64)).astype(np.float32)
    seeds /= np.linalg.norm(seeds, axis=1, keepdims=True)
    texts = [f"điều {i} quy định về việc sử dụng đất đai và nhà ở của hộ gia đình" for i in range(7)]
    batches = list(synthetic_items(texts, seeds, 0, 101, seed=1, batch=40))
    items = [it for b in batches for it in b]
    assert len(batches) >= 2 and sum(len(it[2]) for it in items) == 101
    chunk_texts = [c.text for it in items for c in it[2]]
    assert len(set(chunk_texts)) == 101  # a unique token each
    vectors = np.vstack([it[4] for it in items])
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    cos = np.sum(vectors * seeds[np.arange(101) % 7], axis=1)
    assert abs(float(cos.mean()) - 1 / np.sqrt(1 + NOISE**2)) < 0.02  # noise of norm NOISE, then normalised
    levels = {int(it[0].identity.classification) for it in items}
    assert levels <= {0, 1, 2, 3} and 0 in levels
