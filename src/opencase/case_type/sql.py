"""SQL for custom case types (the built-in ones live in code)."""

COLUMNS = "id, name, description, emoji, deleted_at"

LIST = f"""
SELECT {COLUMNS} FROM case_types
WHERE org_id = $1 AND deleted_at IS NULL ORDER BY created_at, id
"""
GET = f"SELECT {COLUMNS} FROM case_types WHERE org_id = $1 AND id = $2 AND deleted_at IS NULL"
GET_FOR_UPDATE = f"{GET} FOR UPDATE"
INSERT = """
INSERT INTO case_types (org_id, id, name, description, emoji, created_at)
VALUES ($1, $2, $3, $4, $5, $6)
"""
UPDATE = """
UPDATE case_types SET name = $3, description = $4, emoji = $5, modified_at = $6
WHERE org_id = $1 AND id = $2
"""
SOFT_DELETE = "UPDATE case_types SET deleted_at = $3 WHERE org_id = $1 AND id = $2"
