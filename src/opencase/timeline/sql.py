"""SQL for comments and the timeline (the case_events table)."""

from __future__ import annotations

from opencase.case.sql import PG_TARGET, pg_user_records
from opencase.outbox.sql import pg_change

_CELL = "id, created_at, actor_id, action, details, modified_at"

COMMENT = f"""
SELECT {_CELL} FROM case_events
WHERE org_id = $1 AND case_id = $2 AND id = $3 AND action = 'comment' AND deleted_at IS NULL
"""
UPDATE_COMMENT = """
UPDATE case_events SET details = $4, modified_at = $5
WHERE org_id = $1 AND case_id = $2 AND id = $3
"""
DELETE_COMMENT = """
UPDATE case_events SET deleted_at = $4 WHERE org_id = $1 AND case_id = $2 AND id = $3
"""
TOUCH_CASE = """
UPDATE cases SET comment_count = comment_count + $3, modified_at = $4, modified_by = $5
WHERE org_id = $1 AND id = $2
"""

# PostgreSQL: a new comment as one statement, so a POST is one exchange that also commits: it
# locks the case, writes the comment (an event), bumps the case's comment_count and
# modified_at, and returns the comment's time and its author. No comment when the case is
# archived (`written` false) or unknown (no `now`); the caller then reports it.
#   $1 org, $2 case id or NULL, $3 case key or NULL, $4 now, $5 comment id, $6 author,
#   $7 details (JSON)
COMMENT_PG = f"""
WITH {PG_TARGET}, locked AS (
    SELECT id, archived_at, coalesce(modified_at, created_at) AS version FROM cases
    WHERE org_id = $1 AND id = (SELECT id FROM target) FOR UPDATE
), ok AS (
    SELECT id, greatest($4::timestamptz, version + interval '1 microsecond') AS now
    FROM locked WHERE archived_at IS NULL
), ev AS (
    INSERT INTO case_events (org_id, case_id, id, created_at, actor_id, action, details)
    SELECT $1, id, $5, now, $6, 'comment', $7::jsonb FROM ok
), {pg_change("$1", "$5", "id", "'comment'", "now", "ok")}, upd AS (
    UPDATE cases c SET comment_count = c.comment_count + 1, modified_at = ok.now,
        modified_by = $6
    FROM ok WHERE c.org_id = $1 AND c.id = ok.id
)
SELECT EXISTS (SELECT 1 FROM ok) AS written, (SELECT now FROM ok) AS now,
       {pg_user_records("$1", "$6")} AS users
FROM locked
"""

# A range of ix_case_events_org_case_created (org_id, case_id, created_at); `id` only breaks
# ties between events of the same microsecond.
_PAGE = f"""
SELECT {_CELL} FROM case_events
WHERE org_id = $1 AND case_id = $2 AND deleted_at IS NULL
ORDER BY created_at {{0}}, id {{0}} LIMIT $3 OFFSET $4
"""
PAGE_ASC = _PAGE.format("ASC")
PAGE_DESC = _PAGE.format("DESC")
