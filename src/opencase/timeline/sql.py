"""SQL for comments and the timeline (the case_events table)."""

from __future__ import annotations

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

# A range of ix_case_events_org_case_created (org_id, case_id, created_at); `id` only breaks
# ties between events of the same microsecond.
_PAGE = f"""
SELECT {_CELL} FROM case_events
WHERE org_id = $1 AND case_id = $2 AND deleted_at IS NULL
ORDER BY created_at {{0}}, id {{0}} LIMIT $3 OFFSET $4
"""
PAGE_ASC = _PAGE.format("ASC")
PAGE_DESC = _PAGE.format("DESC")
