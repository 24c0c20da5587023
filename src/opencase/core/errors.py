"""Domain errors. The HTTP edge turns them into JSON:API error responses."""

from __future__ import annotations


class DomainError(Exception):
    status = 400

    def __init__(self, detail: str, *, pointer: str | None = None, parameter: str | None = None):
        super().__init__(detail)
        self.detail = detail
        self.pointer = pointer
        self.parameter = parameter


class InvalidInput(DomainError):
    """The request is well formed but a value is not acceptable (400)."""


class NotFound(DomainError):
    """The object does not exist in the caller's organisation (404)."""

    status = 404

    def __init__(self, kind: str) -> None:
        super().__init__(f"{kind} not found")
        self.kind = kind


class Forbidden(DomainError):
    """The caller may not do this to this object (403)."""

    status = 403


class Conflict(DomainError):
    """The change collides with existing state, e.g. a duplicate project key (409)."""

    status = 409
