"""SQL for automation rules."""

from opencase.core.db import placeholders

COLUMNS = (
    "id, project_id, name, state, trigger, action, created_at, created_by, modified_at, modified_by"
)

INSERT = f"""
INSERT INTO automation_rules ({COLUMNS}, org_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
"""
LIST = f"""
SELECT {COLUMNS} FROM automation_rules WHERE org_id = $1 AND project_id = $2
ORDER BY created_at, id
"""
# A rule is found only under its own project: another project_id in the path is a 404.
GET = f"SELECT {COLUMNS} FROM automation_rules WHERE org_id = $1 AND project_id = $2 AND id = $3"
GET_FOR_UPDATE = f"{GET} FOR UPDATE"
UPDATE = """
UPDATE automation_rules
SET name = $4, state = $5, trigger = $6, action = $7, modified_at = $8, modified_by = $9
WHERE org_id = $1 AND project_id = $2 AND id = $3
"""
DELETE = "DELETE FROM automation_rules WHERE org_id = $1 AND project_id = $2 AND id = $3"


def enabled_in(count: int) -> str:
    """The ENABLED rules of `count` projects ($2…) of organisation $1, oldest first."""
    return (
        f"SELECT {COLUMNS} FROM automation_rules"
        f" WHERE org_id = $1 AND project_id IN ({placeholders(2, count)}) AND state = 'ENABLED'"
        " ORDER BY created_at, id"
    )
