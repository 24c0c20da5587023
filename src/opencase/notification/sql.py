"""SQL for notification rules."""

from opencase.core.db import placeholders

COLUMNS = (
    "id, project_id, is_enabled, query, recipients, triggers,"
    " created_at, created_by, modified_at, modified_by"
)

INSERT = f"""
INSERT INTO notification_rules ({COLUMNS}, org_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
"""
LIST = f"""
SELECT {COLUMNS} FROM notification_rules
WHERE org_id = $1 AND project_id = $2 ORDER BY created_at, id
"""
GET_FOR_UPDATE = f"""
SELECT {COLUMNS} FROM notification_rules WHERE org_id = $1 AND project_id = $2 AND id = $3
FOR UPDATE
"""
UPDATE = """
UPDATE notification_rules
SET is_enabled = $4, query = $5, recipients = $6, triggers = $7, modified_at = $8,
    modified_by = $9
WHERE org_id = $1 AND project_id = $2 AND id = $3
"""
DELETE = "DELETE FROM notification_rules WHERE org_id = $1 AND project_id = $2 AND id = $3"


def enabled(count: int) -> str:
    """The enabled rules of `count` projects ($2 …), oldest first (index: org, project, created)."""
    return f"""
SELECT {COLUMNS} FROM notification_rules
WHERE org_id = $1 AND project_id IN ({placeholders(2, count)}) AND is_enabled
ORDER BY created_at, id
"""
