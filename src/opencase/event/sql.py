"""SQL for the case event record."""

INSERT_EVENT = """
INSERT INTO case_events (org_id, case_id, id, created_at, actor_id, action, details)
VALUES ($1, $2, $3, $4, $5, $6, $7)
"""
