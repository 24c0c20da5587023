"""SQL for integrations (per-organisation settings), tickets on cases and notebooks."""

from __future__ import annotations

UPSERT = """
INSERT INTO integrations (org_id, kind, instance, url, username, token, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (org_id, kind, instance)
DO UPDATE SET url = excluded.url, username = excluded.username, token = excluded.token
"""
LIST = """
SELECT kind, instance, url, username, created_at FROM integrations WHERE org_id = $1
ORDER BY kind, instance
"""
DELETE = "DELETE FROM integrations WHERE org_id = $1 AND kind = $2 AND instance = $3"

TICKETS_FOR_UPDATE = "SELECT tickets FROM cases WHERE org_id = $1 AND id = $2 FOR UPDATE"
SET_TICKETS = "UPDATE cases SET tickets = $3 WHERE org_id = $1 AND id = $2"
SET_TICKETS_EDITED = """
UPDATE cases SET tickets = $3, modified_at = $4, modified_by = $5 WHERE org_id = $1 AND id = $2
"""

SAVE_NOTEBOOK = """
INSERT INTO case_notebooks (org_id, case_id, created_at, created_by, body)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (org_id, case_id)
DO UPDATE SET created_at = excluded.created_at, created_by = excluded.created_by,
              body = excluded.body
"""
NOTEBOOK = (
    "SELECT created_at, created_by, body FROM case_notebooks WHERE org_id = $1 AND case_id = $2"
)
ALL_EVENTS = """
SELECT id, created_at, actor_id, action, details, modified_at FROM case_events
WHERE org_id = $1 AND case_id = $2 AND deleted_at IS NULL ORDER BY created_at, id LIMIT $3
"""
# The named instance of an integration, else the organisation's default ('') one.
FIND = """
SELECT url, username, token FROM integrations
WHERE org_id = $1 AND kind = $2 AND instance IN ($3, '')
ORDER BY instance DESC LIMIT 1
"""
