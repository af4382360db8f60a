"""Security errors: the access-control branch of the one hierarchy (``indexer.errors.ThammuuError``)."""

from __future__ import annotations

from indexer.errors import ThammuuError


class SecurityError(ThammuuError):
    """Base class of every access-control error; ``status`` is the HTTP status the API answers with."""

    code = "security_error"
    status = 403


class Unauthenticated(SecurityError):
    """No key, or a wrong, revoked or rotated key, while principals are defined."""

    code = "unauthorized"
    status = 401


class Forbidden(SecurityError):
    """The principal is known but lacks the role the endpoint needs."""

    code = "forbidden"
    status = 403


class UnknownPrincipal(SecurityError):
    """No active principal has this name."""

    code = "unknown_principal"
    status = 404


class DuplicatePrincipal(SecurityError):
    """An active principal already has this name."""

    code = "duplicate_principal"
    status = 409


class InvalidPrincipal(SecurityError):
    """A principal definition is malformed (empty name, unknown role)."""

    code = "invalid_principal"
    status = 422


class UnsafeBinding(SecurityError):
    """The server would listen beyond loopback with no principals, i.e. open to anyone on the network."""

    code = "unsafe_binding"
    status = 500
