"""SQL for the outbox (PostgreSQL syntax, `$n` placeholders; see core/db.py)."""

from __future__ import annotations

PENDING, DELIVERED, DEAD, SUPPRESSED = 0, 1, 2, 3
STATES = {"pending": PENDING, "delivered": DELIVERED, "dead": DEAD, "suppressed": SUPPRESSED}
CHANGE = "change"  # target_kind of a change to fan out (see core/tables.py, outbox)

# A change to fan out, written beside its case event (same id) in the change's transaction.
CHANGE_ROW = """
INSERT INTO outbox (org_id, id, case_id, event, target_kind, target_id, body, created_at,
                    next_attempt_at)
VALUES ($1, $2, $3, $4, 'change', $3, '', $5, $5)
"""


def pg_change(org: str, event_id: str, case_id: str, action: str, at: str, source: str) -> str:
    """CHANGE_ROW as a data-modifying CTE clause (`ch AS (...)`) of a PostgreSQL one-statement
    write: one row per row of `source`, with the event's id, case, action and time."""
    return f"""ch AS (
    INSERT INTO outbox (org_id, id, case_id, event, target_kind, target_id, body, created_at,
                        next_attempt_at)
    SELECT {org}, {event_id}, {case_id}, {action}, 'change', {case_id}, '', {at}, {at}
    FROM {source}
)"""


ENQUEUE = """
INSERT INTO outbox (org_id, id, case_id, event, target_kind, target_id, body, created_at,
                    next_attempt_at, recipient, state)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, $10)
"""

# Take up to $3 rows due at $1 and hold them until $2 (the lease): another worker skips rows
# held now (SKIP LOCKED) and finds them not due once this statement commits. A worker that
# dies mid-delivery leaves its rows to be taken again when the lease ends: at least once.
_CLAIM = """
UPDATE outbox SET next_attempt_at = $2
FROM (
    SELECT org_id AS due_org, id AS due_id FROM outbox
    WHERE state = 0 AND next_attempt_at <= $1
    ORDER BY next_attempt_at LIMIT $3 {lock}
) AS due
WHERE org_id = due.due_org AND id = due.due_id
RETURNING org_id, id, case_id, event, target_kind, target_id, body, attempts, recipient,
          created_at
"""
# Whether anything is due: a read, so that an idle worker never takes the writer (SQLite) or
# writes anything (PostgreSQL) when it looks.
ANY_DUE = "SELECT 1 FROM outbox WHERE state = 0 AND next_attempt_at <= $1 LIMIT 1"
CLAIM_PG = _CLAIM.format(lock="FOR UPDATE SKIP LOCKED")
CLAIM_SQLITE = _CLAIM.format(lock="")  # one writer: the statement is the lock

ENDPOINT_BY_ID = "SELECT url, secret FROM webhooks WHERE org_id = $1 AND kind = $2 AND id = $3"
ENDPOINT_BY_NAME = """
SELECT url, secret FROM webhooks WHERE org_id = $1 AND kind = $2 AND name = $3
"""


DELIVERED_ROW = """
UPDATE outbox SET state = 1, attempts = attempts + 1, delivered_at = $3, last_error = NULL
WHERE org_id = $1 AND id = $2
"""
FAILED_ROW = """
UPDATE outbox SET attempts = attempts + 1, last_error = $3, next_attempt_at = $4,
                  state = CASE WHEN attempts + 1 >= $5 THEN 2 ELSE 0 END
WHERE org_id = $1 AND id = $2
RETURNING state
"""
DEAD_ROW = """
UPDATE outbox SET state = 2, attempts = attempts + 1, last_error = $3
WHERE org_id = $1 AND id = $2
"""

_LIST = """
SELECT o.id, o.case_id, o.event, o.target_kind, w.name AS target, o.recipient, o.created_at,
       o.state, o.attempts, o.next_attempt_at, o.last_error, o.delivered_at
FROM outbox o LEFT JOIN webhooks w ON w.org_id = o.org_id AND w.id = o.target_id
WHERE o.org_id = $1 AND o.target_kind <> 'change' {where}
ORDER BY o.created_at, o.id LIMIT $2
"""
LIST = _LIST.format(where="")
LIST_IN_STATE = _LIST.format(where="AND o.state = $3")
LIST_OF_CASE = _LIST.format(where="AND o.case_id = $3")
LIST_OF_CASE_IN_STATE = _LIST.format(where="AND o.case_id = $3 AND o.state = $4")
RETRY = """
UPDATE outbox SET state = 0, next_attempt_at = $3, attempts = 0
WHERE org_id = $1 AND id = $2 AND state = 2
"""
