"""SQL for case views."""

COLUMNS = (
    "id, project_id, name, query, np_rule_id, created_at, created_by, modified_at, modified_by"
)

INSERT = f"""
INSERT INTO case_views ({COLUMNS}, org_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
"""
LIST = f"""
SELECT {COLUMNS} FROM case_views WHERE org_id = $1 AND project_id = $2 ORDER BY created_at, id
"""
GET = f"SELECT {COLUMNS} FROM case_views WHERE org_id = $1 AND id = $2"
GET_FOR_UPDATE = f"{GET} FOR UPDATE"
UPDATE = """
UPDATE case_views SET name = $3, query = $4, np_rule_id = $5, modified_at = $6, modified_by = $7
WHERE org_id = $1 AND id = $2
"""
DELETE = "DELETE FROM case_views WHERE org_id = $1 AND id = $2"
