"""Access control: principals, hashed API keys, clearance and unit scope, response guard, append-only audit log."""

from __future__ import annotations

from search_api.security.audit import AuditLog, redact
from search_api.security.errors import (
    DuplicatePrincipal,
    Forbidden,
    InvalidPrincipal,
    SecurityError,
    Unauthenticated,
    UnknownPrincipal,
    UnsafeBinding,
)
from search_api.security.guard import check_bind, guard_chunks, is_loopback
from search_api.security.keys import PrincipalStore, hash_key
from search_api.security.principals import DEV_PRINCIPAL, Principal, Role

__all__ = [
    "DEV_PRINCIPAL",
    "AuditLog",
    "DuplicatePrincipal",
    "Forbidden",
    "InvalidPrincipal",
    "Principal",
    "PrincipalStore",
    "Role",
    "SecurityError",
    "Unauthenticated",
    "UnknownPrincipal",
    "UnsafeBinding",
    "check_bind",
    "guard_chunks",
    "hash_key",
    "is_loopback",
    "redact",
]
