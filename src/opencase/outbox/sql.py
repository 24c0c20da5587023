"""SQL for the outbox (PostgreSQL syntax, `$n` placeholders; see core/db.py)."""

from __future__ import annotations

PENDING, DELIVERED, DEAD = 0, 1, 2
STATES = {"pending": PENDING, "delivered": DELIVERED, "dead": DEAD}

ENQUEUE = """
INSERT INTO outbox (org_id, id, case_id, event, target_kind, target_id, body, created_at,
                    next_attempt_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
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
RETURNING org_id, id, case_id, event, target_kind, target_id, body, attempts
"""
# Whether anything is due: a read, so that an idle worker never takes the writer (SQLite) or
# writes anything (PostgreSQL) when it looks.
ANY_DUE = "SELECT 1 FROM outbox WHERE state = 0 AND next_attempt_at <= $1 LIMIT 1"
CLAIM_PG = _CLAIM.format(lock="FOR UPDATE SKIP LOCKED")
CLAIM_SQLITE = _CLAIM.format(lock="")  # one writer: the statement is the lock

WEBHOOK = "SELECT url, secret FROM webhooks WHERE org_id = $1 AND id = $2"

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
SELECT o.id, o.case_id, o.event, o.target_kind, w.name AS target, o.created_at, o.state,
       o.attempts, o.next_attempt_at, o.last_error, o.delivered_at
FROM outbox o LEFT JOIN webhooks w ON w.org_id = o.org_id AND w.id = o.target_id
WHERE o.org_id = $1 {state}
ORDER BY o.created_at, o.id LIMIT $2
"""
LIST = _LIST.format(state="")
LIST_IN_STATE = _LIST.format(state="AND o.state = $3")
RETRY = """
UPDATE outbox SET state = 0, next_attempt_at = $3, attempts = 0
WHERE org_id = $1 AND id = $2 AND state = 2
"""
