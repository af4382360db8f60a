"""Search filters and clearance, compiled into SQL so they apply inside retrieval, never after a top-k."""

from __future__ import annotations

from dataclasses import dataclass, field

from indexer.models import Classification


@dataclass(frozen=True)
class SearchFilter:
    """Which documents a retrieval may consider: user filters plus the caller's clearance and units.

    ``max_classification`` and ``units`` are the access-control part: ``units=None`` means every unit.
    """

    doc_types: tuple[str, ...] = ()
    issuers: tuple[str, ...] = ()
    numbers: tuple[str, ...] = ()  # canonical numbers (any of)
    date_from: str | None = None
    date_to: str | None = None
    languages: tuple[str, ...] = ()
    doc_ids: tuple[str, ...] = ()
    exclude_doc_ids: tuple[str, ...] = ()
    max_classification: Classification = Classification.TUYET_MAT
    units: tuple[str, ...] | None = None
    extra: dict[str, str] = field(default_factory=dict)
    unitless_visible: bool = True
    """With ``units`` set: whether documents naming no unit pass (office-wide) or not (all-units-only policy)."""

    @property
    def is_unrestricted(self) -> bool:
        """True when the filter lets every document through (no SQL needed for the vector side)."""
        return (
            not (self.doc_types or self.issuers or self.numbers or self.date_from or self.date_to)
            and not (self.languages or self.doc_ids or self.exclude_doc_ids)
            and self.max_classification >= Classification.TUYET_MAT
            and self.units is None
        )

    def with_access(
        self, max_classification: Classification, units: tuple[str, ...] | None, *, unitless_visible: bool = True
    ) -> SearchFilter:
        """A copy narrowed to what a principal may see (never widened)."""
        level = min(self.max_classification, max_classification)
        if self.units is None:
            new_units = units
        elif units is None:
            new_units = self.units
        else:
            new_units = tuple(u for u in self.units if u in units)
        return SearchFilter(
            self.doc_types,
            self.issuers,
            self.numbers,
            self.date_from,
            self.date_to,
            self.languages,
            self.doc_ids,
            self.exclude_doc_ids,
            Classification(level),
            new_units,
            dict(self.extra),
            self.unitless_visible and unitless_visible,
        )


def _in(column: str, values: tuple[str, ...], params: list[object], *, nocase: bool = False) -> str:
    params.extend(values)
    marks = ",".join("?" * len(values))
    return f"{column} COLLATE NOCASE IN ({marks})" if nocase else f"{column} IN ({marks})"


def filter_sql(flt: SearchFilter, alias: str = "d") -> tuple[str, list[object]]:
    """Return (SQL condition over the documents table aliased ``alias``, parameters)."""
    conds: list[str] = [f"{alias}.classification <= ?"]
    params: list[object] = [int(flt.max_classification)]
    if flt.units is not None:
        # Documents without an owning unit are office-wide (visible to any unit scope) unless the policy says
        # they are for principals with every unit only.
        unit_cond = _in(f"{alias}.unit", flt.units, params) if flt.units else "0"
        if flt.unitless_visible:
            conds.append(f"({alias}.unit IS NULL OR {alias}.unit = '' OR {unit_cond})")
        else:
            conds.append(f"({unit_cond})")
    if flt.doc_types:
        conds.append(_in(f"{alias}.doc_type", flt.doc_types, params, nocase=True))
    if flt.issuers:
        conds.append(_in(f"{alias}.issuer", flt.issuers, params, nocase=True))
    if flt.languages:
        conds.append(_in(f"{alias}.language", flt.languages, params))
    if flt.doc_ids:
        conds.append(_in(f"{alias}.doc_id", flt.doc_ids, params))
    if flt.exclude_doc_ids:
        conds.append("NOT " + _in(f"{alias}.doc_id", flt.exclude_doc_ids, params))
    if flt.numbers:
        marks = ",".join("?" * len(flt.numbers))
        params.extend(flt.numbers)
        conds.append(f"{alias}.doc_id IN (SELECT doc_id FROM doc_numbers WHERE variant IN ({marks}))")
    if flt.date_from:
        conds.append(f"{alias}.issued_date >= ?")
        params.append(flt.date_from)
    if flt.date_to:
        conds.append(f"{alias}.issued_date <= ?")
        params.append(flt.date_to)
    return " AND ".join(conds), params
