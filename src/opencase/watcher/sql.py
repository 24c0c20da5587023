"""SQL for case watchers."""

INSERT = """
INSERT INTO case_watchers (org_id, case_id, user_id, created_at) VALUES ($1, $2, $3, $4)
ON CONFLICT DO NOTHING
"""
DELETE = "DELETE FROM case_watchers WHERE org_id = $1 AND case_id = $2 AND user_id = $3"
LIST = """
SELECT u.id, u.email, u.name, u.handle, u.active, w.created_at
FROM case_watchers w JOIN users u ON u.org_id = w.org_id AND u.id = w.user_id
WHERE w.org_id = $1 AND w.case_id = $2
ORDER BY w.created_at, w.user_id
"""
