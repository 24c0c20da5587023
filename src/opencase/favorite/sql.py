"""SQL for project favorites."""

INSERT = """
INSERT INTO project_favorites (org_id, user_id, project_id, created_at) VALUES ($1, $2, $3, $4)
ON CONFLICT DO NOTHING
"""
DELETE = "DELETE FROM project_favorites WHERE org_id = $1 AND user_id = $2 AND project_id = $3"
LIST = """
SELECT project_id, created_at FROM project_favorites WHERE org_id = $1 AND user_id = $2
ORDER BY created_at, project_id
"""
