"""SQL for project favorites."""

# Locks the project row, so a project deleted meanwhile is a clean 404, not a foreign key error.
LOCK_PROJECT = "SELECT 1 FROM projects WHERE org_id = $1 AND id = $2 FOR UPDATE"
INSERT = """
INSERT INTO project_favorites (org_id, user_id, project_id, created_at) VALUES ($1, $2, $3, $4)
ON CONFLICT DO NOTHING
"""
DELETE = "DELETE FROM project_favorites WHERE org_id = $1 AND user_id = $2 AND project_id = $3"
LIST = """
SELECT project_id, created_at FROM project_favorites WHERE org_id = $1 AND user_id = $2
ORDER BY created_at, project_id
"""
