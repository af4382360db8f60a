"""Principals: who is asking, with which roles, clearance and unit scope."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from indexer.models import Classification
from indexer.storage.filters import SearchFilter


class Role(StrEnum):
    """What a principal may do: read (search, documents), draft (reports), administer (audit)."""

    READER = "reader"
    DRAFTER = "drafter"
    ADMIN = "admin"


@dataclass(frozen=True)
class Principal:
    """An authenticated caller; ``units=None`` means every unit."""

    name: str
    roles: frozenset[str]
    clearance: Classification
    units: tuple[str, ...] | None
    dev_mode: bool = False
    id: str = ""
    """Immutable id, new for every principal created (a revoked name re-added gets another): owns drafts."""
    unitless_visible: bool = True
    """Whether documents naming no unit are office-wide for this principal (``security.unitless_documents``)."""

    def has_role(self, role: Role | str) -> bool:
        """True when the principal holds exactly this role (roles do not imply one another)."""
        return str(role) in self.roles

    def can_see(self, classification: int, unit: str | None) -> bool:
        """Same rule as ``filter_sql``: level within clearance and the unit in scope (unit-less is office-wide)."""
        if int(classification) > int(self.clearance):
            return False
        if self.units is None:
            return True
        return unit in self.units if unit else self.unitless_visible

    def access(self, flt: SearchFilter | None = None) -> SearchFilter:
        """The filter narrowed to what this principal may see."""
        return (flt or SearchFilter()).with_access(self.clearance, self.units, unitless_visible=self.unitless_visible)


DEV_PRINCIPAL = Principal(
    name="dev",
    roles=frozenset({Role.READER.value, Role.DRAFTER.value}),
    clearance=Classification.UNCLASSIFIED,
    units=None,
    dev_mode=True,
    id="dev",
)
"""Single-user development mode: reads and drafts over unclassified documents only, and is never an admin
(indexing stays with the CLI and keyed admins), so no key is ever needed to leak or to change anything."""
