"""SQL for projects."""

COLUMNS = "id, key, name, enabled_custom_case_types, created_at, modified_at"

INSERT = """
INSERT INTO projects (org_id, id, key, name, enabled_custom_case_types, created_at, created_by)
VALUES ($1, $2, $3, $4, $5, $6, $7)
"""
LIST = f"SELECT {COLUMNS} FROM projects WHERE org_id = $1 ORDER BY key"
GET = f"SELECT {COLUMNS} FROM projects WHERE org_id = $1 AND id = $2"
GET_FOR_UPDATE = f"{GET} FOR UPDATE"
UPDATE = """
UPDATE projects SET name = $3, enabled_custom_case_types = $4, modified_at = $5
WHERE org_id = $1 AND id = $2
"""
DELETE = "DELETE FROM projects WHERE org_id = $1 AND id = $2"
# Whether a project exists; locked, a project deleted meanwhile is a clean 404 rather than a
# foreign key error for whatever is being created in it.
EXISTS = "SELECT 1 FROM projects WHERE org_id = $1 AND id = $2"
LOCK = f"{EXISTS} FOR UPDATE"
