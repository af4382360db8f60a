"""Fusing ranked lists: reciprocal rank fusion and weighted fusion of normalised scores."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import Literal

from indexer.config import FusionSettings

Ranked = Sequence[tuple[int, float]]
Norm = Literal["minmax", "zscore", "max"]


def rrf(lists: Sequence[Ranked], k: int = 60, weights: Sequence[float] | None = None) -> list[tuple[int, float]]:
    """Reciprocal rank fusion: sum of w / (k + rank) over the lists an item appears in."""
    weights = weights or [1.0] * len(lists)
    scores: dict[int, float] = {}
    for ranked, w in zip(lists, weights, strict=True):
        for rank, (item, _) in enumerate(ranked, 1):
            scores[item] = scores.get(item, 0.0) + w / (k + rank)
    return sorted(scores.items(), key=lambda x: -x[1])


def normalise(ranked: Ranked, norm: Norm = "minmax") -> dict[int, float]:
    """Scores mapped to a comparable scale; the best item of a non-empty list gets 1 (z-score: its z)."""
    if not ranked:
        return {}
    values = [s for _, s in ranked]
    hi, lo = max(values), min(values)
    if norm == "max":
        return {i: s / hi for i, s in ranked} if hi > 1e-12 else {i: 1.0 for i, _ in ranked}
    if norm == "zscore":
        sd = statistics.pstdev(values) if len(values) > 1 else 0.0
        # z-scores shifted so the list's floor is 0, the score an item absent from the list gets.
        return {i: (s - lo) / sd for i, s in ranked} if sd > 1e-12 else {i: 1.0 for i, _ in ranked}
    span = hi - lo
    if span <= 1e-12:
        return {i: 1.0 for i, _ in ranked}
    return {i: (s - lo) / span for i, s in ranked}


def weighted(lexical: Ranked, dense: Ranked, dense_weight: float, norm: Norm = "minmax") -> list[tuple[int, float]]:
    """Convex combination of normalised scores; an item missing from a list scores 0 there."""
    lex, den = normalise(lexical, norm), normalise(dense, norm)
    scores = {
        i: dense_weight * den.get(i, 0.0) + (1.0 - dense_weight) * lex.get(i, 0.0) for i in lex.keys() | den.keys()
    }
    return sorted(scores.items(), key=lambda x: -x[1])


def fuse(lexical: Ranked, dense: Ranked, profile: FusionSettings) -> list[tuple[int, float]]:
    """Fuse the two lists as a language's fusion profile says."""
    if profile.method == "rrf":
        return rrf([lexical, dense], k=profile.rrf_k, weights=[1.0 - profile.dense_weight, profile.dense_weight])
    return weighted(lexical, dense, profile.dense_weight, profile.normalisation)
