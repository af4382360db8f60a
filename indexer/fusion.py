"""Fusing ranked lists: reciprocal rank fusion and weighted fusion of normalised scores."""

from __future__ import annotations

from collections.abc import Sequence

Ranked = Sequence[tuple[int, float]]


def rrf(lists: Sequence[Ranked], k: int = 60, weights: Sequence[float] | None = None) -> list[tuple[int, float]]:
    """Reciprocal rank fusion: sum of w / (k + rank) over the lists an item appears in."""
    weights = weights or [1.0] * len(lists)
    scores: dict[int, float] = {}
    for ranked, w in zip(lists, weights, strict=True):
        for rank, (item, _) in enumerate(ranked, 1):
            scores[item] = scores.get(item, 0.0) + w / (k + rank)
    return sorted(scores.items(), key=lambda x: -x[1])


def _normalise(ranked: Ranked) -> dict[int, float]:
    """Min-max normalise a list's scores to [0, 1] (the best item gets 1)."""
    if not ranked:
        return {}
    values = [s for _, s in ranked]
    hi, lo = max(values), min(values)
    span = hi - lo
    if span <= 1e-12:
        return {i: 1.0 for i, _ in ranked}
    return {i: (s - lo) / span for i, s in ranked}


def weighted(lexical: Ranked, dense: Ranked, dense_weight: float) -> list[tuple[int, float]]:
    """Convex combination of min-max normalised scores; an item missing from a list scores 0 there."""
    lex, den = _normalise(lexical), _normalise(dense)
    scores = {
        i: dense_weight * den.get(i, 0.0) + (1.0 - dense_weight) * lex.get(i, 0.0) for i in lex.keys() | den.keys()
    }
    return sorted(scores.items(), key=lambda x: -x[1])
