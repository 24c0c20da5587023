"""The one error a query can raise: a 400 that names the position and what was expected."""

from __future__ import annotations

from opencase.core.errors import InvalidInput


class QueryError(InvalidInput):
    """The query does not parse, names an unknown field, or holds a bad value."""

    def __init__(self, message: str, *, position: int | None = None) -> None:
        where = "" if position is None else f" at position {position}"
        super().__init__(f"invalid query{where}: {message}")
        self.message = message
        self.position = position
