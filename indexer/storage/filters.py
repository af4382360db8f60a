"""Search filters and clearance, compiled into SQL so they apply inside retrieval, never after a top-k."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

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
    in_force: bool = False
    """Only documents in force on ``as_of`` (today when None): not replaced or repealed as a whole by a document
    the caller may see and that is itself effective by then, not expired, not yet to take effect. Documents
    whose validity is unknown (no dates, no relation) stay: the filter removes what is known to be out of force."""
    as_of: str | None = None

    @property
    def is_unrestricted(self) -> bool:
        """True when the filter lets every document through (no SQL needed for the vector side)."""
        return (
            not (self.doc_types or self.issuers or self.numbers or self.date_from or self.date_to)
            and not (self.languages or self.doc_ids or self.exclude_doc_ids or self.in_force)
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
        return replace(
            self,
            max_classification=Classification(level),
            units=new_units,
            extra=dict(self.extra),
            unitless_visible=self.unitless_visible and unitless_visible,
        )

    def access_only(self) -> SearchFilter:
        """Only the access part of this filter (clearance and units): which documents the caller may see at
        all, whatever it searches for. Relations and validity are judged against it."""
        return SearchFilter(
            max_classification=self.max_classification, units=self.units, unitless_visible=self.unitless_visible
        )


def _in(column: str, values: tuple[str, ...], params: list[object], *, nocase: bool = False) -> str:
    params.extend(values)
    marks = ",".join("?" * len(values))
    if nocase:  # lower() on both sides rather than COLLATE NOCASE: the same SQL runs on SQLite and PostgreSQL
        return f"lower({column}) IN ({','.join('lower(?)' for _ in values)})"
    return f"{column} IN ({marks})"


def access_sql(flt: SearchFilter, alias: str = "d") -> tuple[str, list[object]]:
    """(SQL condition, parameters): the documents aliased ``alias`` that the filter's clearance and units allow."""
    conds: list[str] = [f"{alias}.classification <= ?"]
    params: list[object] = [int(flt.max_classification)]
    if flt.units is not None:
        # Documents without an owning unit are office-wide (visible to any unit scope) unless the policy says
        # they are for principals with every unit only.
        unit_cond = _in(f"{alias}.unit", flt.units, params) if flt.units else "1 = 0"
        if flt.unitless_visible:
            conds.append(f"({alias}.unit IS NULL OR {alias}.unit = '' OR {unit_cond})")
        else:
            conds.append(f"({unit_cond})")
    return " AND ".join(conds), params


def as_of_date(flt: SearchFilter) -> str:
    """The ISO date validity is judged on: the filter's ``as_of``, else today."""
    return flt.as_of or date.today().isoformat()


# Relations that put a whole document out of force once their source is effective.
ENDING_KINDS = ("replaces", "repeals")


def in_force_sql(flt: SearchFilter, alias: str = "d") -> tuple[str, list[object]]:
    """(SQL condition, parameters): documents aliased ``alias`` not known to be out of force on the as-of date.

    A replacing or repealing document counts only when the caller may see it: what an unclassified reader is
    shown never depends on a document above its clearance.
    """
    day = as_of_date(flt)
    src_cond, src_params = access_sql(flt, "src")
    kinds = ",".join(f"'{k}'" for k in ENDING_KINDS)
    cond = (
        f"({alias}.effective_date IS NULL OR {alias}.effective_date <= ?)"
        f" AND ({alias}.expiry_date IS NULL OR {alias}.expiry_date > ?)"
        " AND NOT EXISTS (SELECT 1 FROM doc_numbers tn JOIN relations r ON r.target_key = tn.variant"
        " JOIN documents src ON src.doc_id = r.doc_id"
        f" WHERE tn.doc_id = {alias}.doc_id AND r.kind IN ({kinds}) AND r.scope IS NULL"
        f" AND src.doc_id <> {alias}.doc_id AND COALESCE(src.effective_date, src.issued_date) <= ?"
        f" AND {src_cond})"
    )
    return cond, [day, day, day, *src_params]


def filter_sql(flt: SearchFilter, alias: str = "d") -> tuple[str, list[object]]:
    """Return (SQL condition over the documents table aliased ``alias``, parameters)."""
    access, params = access_sql(flt, alias)
    conds: list[str] = [access]
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
    if flt.in_force:
        cond, extra = in_force_sql(flt, alias)
        conds.append(cond)
        params.extend(extra)
    return " AND ".join(conds), params
