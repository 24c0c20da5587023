"""SQL for the fan-out of changes."""

from __future__ import annotations

from functools import cache


@cache
def events(count: int) -> str:
    """The events of `count` changes of organisation $1: ($2, $3) = (case id, event id), ...
    (primary key lookups; equalities, so that both engines type the parameters as the
    columns)."""
    # Every term whole (org, case, id), or SQLite walks all of the organisation's events.
    pairs = " OR ".join(
        f"(org_id = $1 AND case_id = ${i} AND id = ${i + 1})" for i in range(2, 2 + 2 * count, 2)
    )
    return f"SELECT id, action, details, actor_id, created_at FROM case_events WHERE {pairs}"


@cache
def done(count: int) -> str:
    """Delete `count` changes ($3...) of organisation $1 that this worker still holds (lease
    $2). Fewer rows than asked: a lease ran out while the worker worked, and it rolls back, so
    that the changes' new holder fans them out once."""
    ids = ", ".join(f"${i}" for i in range(3, 3 + count))
    return f"DELETE FROM outbox WHERE org_id = $1 AND next_attempt_at = $2 AND id IN ({ids})"


def matching(where: str, argc: int) -> str:
    """Whether case $<argc + 1> matches a compiled query condition over `cases c`."""
    return f"SELECT 1 FROM cases c WHERE c.org_id = $1 AND c.id = ${argc + 1} AND ({where})"
