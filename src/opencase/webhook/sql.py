"""SQL for registered endpoints (webhooks, workflows, agents: table `webhooks`, by kind)."""

from __future__ import annotations

INSERT = """
INSERT INTO webhooks (org_id, id, name, url, secret, created_at, kind)
VALUES ($1, $2, $3, $4, $5, $6, $7)
"""
BY_NAME = "SELECT id FROM webhooks WHERE org_id = $1 AND kind = $2 AND name = $3"
LIST = """
SELECT id, name, url, created_at FROM webhooks WHERE org_id = $1 AND kind = $2 ORDER BY name
"""
DELETE = "DELETE FROM webhooks WHERE org_id = $1 AND kind = $2 AND name = $3"
