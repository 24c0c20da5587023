"""SQL for the fan-out of changes."""

from __future__ import annotations

EVENT = """
SELECT action, details, actor_id, created_at FROM case_events
WHERE org_id = $1 AND case_id = $2 AND id = $3
"""
# The change is done only if this worker still holds it (its lease, $3): a worker whose lease
# ran out while it worked rolls back, and the change's new holder fans it out once.
DONE = "DELETE FROM outbox WHERE org_id = $1 AND id = $2 AND next_attempt_at = $3"


def matching(where: str, argc: int) -> str:
    """Whether case $<argc + 1> matches a compiled query condition over `cases c`."""
    return f"SELECT 1 FROM cases c WHERE c.org_id = $1 AND c.id = ${argc + 1} AND ({where})"
