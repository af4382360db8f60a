"""Last line of defence before a response leaves the API, and the rules about when keys are required."""

from __future__ import annotations

import ipaddress
import logging
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from indexer.models import Classification
from search_api.security.errors import UnsafeBinding
from search_api.security.principals import Principal

if TYPE_CHECKING:
    from search_api.security.audit import AuditLog
    from search_api.security.keys import PrincipalStore

logger = logging.getLogger(__name__)


class Labelled(Protocol):
    """What the guard reads of a record: its document and access labels (ChunkRecord and DocumentRecord have
    them)."""

    @property
    def doc_id(self) -> str: ...

    @property
    def classification(self) -> int: ...

    @property
    def unit(self) -> str | None: ...


R = TypeVar("R", bound=Labelled)


def _level(value: Any) -> int | None:
    # None must not parse: Classification.parse(None) reads the string 'None' as the alias 'none' (level 0).
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(Classification.parse(value))
    except (ValueError, TypeError):
        return None


def guard_chunks(principal: Principal, rows: list[R], audit: AuditLog | None = None, endpoint: str = "api") -> list[R]:
    """Drop every record the principal may not see (fails closed on one without a readable classification).

    Retrieval already filters inside SQL and faiss; reaching a drop here means a bug upstream, so each one is
    logged as a WARNING and written to the audit log as an incident.
    """
    kept: list[R] = []
    for row in rows:
        level = _level(getattr(row, "classification", None))
        unit = getattr(row, "unit", None)
        if level is not None and principal.can_see(level, unit if isinstance(unit, str) else None):
            kept.append(row)
            continue
        doc_id = str(getattr(row, "doc_id", "?"))
        chunk_id = getattr(row, "chunk_id", None)
        detail = f"guard dropped {doc_id} chunk {chunk_id} (classification {level}, unit {unit!r})"
        logger.warning("%s on %s for %s", detail, endpoint, principal.name)
        if audit is not None:
            audit.incident(principal.name, endpoint, detail, [doc_id])
    return kept


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses (127.0.0.0/8, ::1)."""
    if host.strip().lower() in {"localhost", "localhost.localdomain"}:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, store: PrincipalStore) -> None:
    """Refuse to serve beyond loopback without principals (the app state announces development mode)."""
    if store.count() > 0:
        logger.info("access control on: %d active principal(s); every request needs an API key", store.count())
        return
    if not is_loopback(host):
        raise UnsafeBinding(
            f"refusing to listen on {host!r} with no principals defined: anyone on the network could read the"
            " index. Add one with `thammuu users add NAME --role reader` or bind to 127.0.0.1."
        )
    # Development mode is announced once, by the application state that decides it (search_api.state).
