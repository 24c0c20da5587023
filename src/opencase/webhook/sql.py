"""SQL for webhooks."""

from __future__ import annotations

INSERT = """
INSERT INTO webhooks (org_id, id, name, url, secret, created_at) VALUES ($1, $2, $3, $4, $5, $6)
"""
BY_NAME = "SELECT id FROM webhooks WHERE org_id = $1 AND name = $2"
LIST = "SELECT id, name, url, created_at FROM webhooks WHERE org_id = $1 ORDER BY name"
DELETE = "DELETE FROM webhooks WHERE org_id = $1 AND name = $2"
