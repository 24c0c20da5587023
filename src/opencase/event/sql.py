"""SQL for the case event record."""

INSERT_EVENT = """
INSERT INTO case_events (org_id, case_id, id, created_at, actor_id, action, details)
VALUES ($1, $2, $3, $4, $5, $6, $7)
"""
# The same, nothing when the case is gone (what the outbox worker records may come late).
INSERT_EVENT_IF_CASE = """
INSERT INTO case_events (org_id, case_id, id, created_at, actor_id, action, details)
SELECT $1, $2, $3, $4, $5, $6, $7 FROM cases WHERE org_id = $1 AND id = $2
"""
