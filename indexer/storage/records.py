"""What a store returns: typed, immutable records instead of rows (any backend builds the same ones)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FacetCounts:
    """Visible documents in total and, per facet (doc_type, issuer, year, language), (value, count) best first."""

    total: int
    values: dict[str, list[tuple[str, int]]]
