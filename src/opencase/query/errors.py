"""The one error a query can raise: a 400 that names the position and what was expected."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from opencase.core.errors import InvalidInput


class QueryError(InvalidInput):
    """The query does not parse, names an unknown field, or holds a bad value."""

    def __init__(self, message: str, *, position: int | None = None) -> None:
        where = "" if position is None else f" at position {position}"
        super().__init__(f"invalid query{where}: {message}")
        self.message = message
        self.position = position


@contextmanager
def blamed_on(*, parameter: str | None = None, pointer: str | None = None) -> Iterator[None]:
    """A QueryError raised inside names this query parameter or body pointer as its source."""
    try:
        yield
    except QueryError as err:
        err.parameter, err.pointer = parameter, pointer
        raise
