"""JSON:API error bodies, and the translation of msgspec validation messages into them.

Shapes follow what Datadog's service sends (see the README, "Errors"): every error is an object
with `status` and `title`; validation errors add `detail` and `source.pointer` (body) or
`source.parameter` (query or path); not-found errors add `code: resource_not_found`.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec

from opencase.core.errors import DomainError, NotFound

TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    411: "Length Required",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    503: "Service Unavailable",
}

# Enumerations whose invalid values get Datadog's wording, "invalid priority P1234. Must be
# one of P1, P2, …". Keyed by the pointer's trailing field names (array indices removed).
ENUM_CHOICES: dict[str, tuple[str, ...]] = {}


class ApiError(Exception):
    """An error response: HTTP status plus JSON:API error objects."""

    def __init__(
        self, status: int, errors: list[dict[str, Any]], headers: dict[str, str] | None = None
    ):
        super().__init__(status)
        self.status = status
        self.errors = errors
        self.headers = headers or {}

    @classmethod
    def simple(
        cls,
        status: int,
        detail: str | None = None,
        *,
        pointer: str | None = None,
        parameter: str | None = None,
        title: str | None = None,
    ) -> ApiError:
        error: dict[str, Any] = {
            "status": str(status),
            "title": title or TITLES.get(status, "Error"),
        }
        if detail:
            error["detail"] = detail
        if pointer is not None:
            error["source"] = {"pointer": pointer}
        elif parameter is not None:
            error["source"] = {"parameter": parameter}
        return cls(status, [error])


def from_domain(exc: DomainError) -> ApiError:
    if isinstance(exc, NotFound):
        # As Datadog records it: {"errors":[{"code":"resource_not_found","title":"…"}]}
        return ApiError(404, [{"status": "404", "code": "resource_not_found", "title": exc.detail}])
    return ApiError.simple(exc.status, exc.detail, pointer=exc.pointer, parameter=exc.parameter)


_AT = re.compile(r"^(?P<msg>.*?)(?: - at `(?P<path>\$[^`]*)`)?$", re.S)
_SEGMENT = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\[(?:'|\")?(.*?)(?:'|\")?\]")
_MISSING = re.compile(r"^Object missing required field `(?P<field>[^`]+)`$")
_ENUM = re.compile(r"^Invalid enum value (?P<value>.*)$")


def _pointer(path: str) -> str:
    parts = []
    for m in _SEGMENT.finditer(path[1:]):
        part = next(g for g in m.groups() if g is not None)
        parts.append(part.replace("~", "~0").replace("/", "~1"))
    return "/" + "/".join(parts) if parts else ""


def _enum_detail(pointer: str, value: str) -> str | None:
    fields = [p for p in pointer.split("/") if p and not p.isdigit()]
    for width in (2, 1):
        choices = ENUM_CHOICES.get("/".join(fields[-width:]))
        if choices:
            return f"invalid {fields[-1]} {value}. Must be one of {', '.join(choices)}"
    return None


def from_validation(exc: msgspec.ValidationError, resource_type: str | None) -> ApiError:
    """A 400 naming the offending field, from msgspec's message."""
    m = _AT.match(str(exc))
    msg = m["msg"] if m else str(exc)
    pointer = _pointer(m["path"]) if m and m["path"] else ""
    missing = _MISSING.match(msg)
    if missing:
        pointer = f"{pointer}/{missing['field']}"
        msg = f"missing required field {missing['field']!r}"
    enum = _ENUM.match(msg)
    if enum:
        value = enum["value"].strip("'\"")
        if pointer == "/data/type" and resource_type:
            msg = f'got type "{value}" expected one of "{resource_type}"'
        else:
            msg = _enum_detail(pointer, value) or f"invalid value {value}"
    return ApiError.simple(400, msg, pointer=pointer)
