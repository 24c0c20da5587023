"""Reading query parameters: each given at most once, typed, with 400s that name them."""

from __future__ import annotations

from typing import Any

from opencase.core.errors import InvalidInput


def one(query: dict[str, Any], name: str) -> str | None:
    """The parameter's value, None when absent; 400 when given more than once."""
    value = query.get(name)
    if isinstance(value, list):
        raise InvalidInput(f"{name} may be given once", parameter=name)
    return value


def integer(query: dict[str, Any], name: str, default: int, low: int, high: int) -> int:
    """An integer parameter within [low, high]."""
    raw = one(query, name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput(f"{name} must be an integer", parameter=name) from None
    if not low <= value <= high:
        raise InvalidInput(f"{name} must be between {low} and {high}", parameter=name)
    return value


def boolean(query: dict[str, Any], name: str) -> bool:
    """`true` or `false` (default false)."""
    raw = (one(query, name) or "false").lower()
    if raw not in {"true", "false"}:
        raise InvalidInput(f"{name} must be true or false", parameter=name)
    return raw == "true"
