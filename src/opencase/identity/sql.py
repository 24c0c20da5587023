"""SQL for organisations, users and keys."""

from __future__ import annotations

from opencase.core.db import Connection, Row, placeholders

ORG_BY_NAME = "SELECT id FROM orgs WHERE name = $1"
INSERT_ORG = "INSERT INTO orgs (id, name, created_at) VALUES ($1, $2, $3)"
USER_BY_EMAIL = "SELECT id FROM users WHERE org_id = $1 AND email = $2"
INSERT_USER = """
INSERT INTO users (org_id, id, email, name, handle, active, created_at)
VALUES ($1, $2, $3, $4, $5, TRUE, $6)
"""
INSERT_API_KEY = """
INSERT INTO api_keys (org_id, id, key_hash, prefix, created_at) VALUES ($1, $2, $3, $4, $5)
"""
INSERT_APP_KEY = """
INSERT INTO app_keys (org_id, id, user_id, key_hash, prefix, scopes, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)
"""
API_KEY_BY_HASH = "SELECT org_id, key_hash FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL"
APP_KEY_BY_HASH = """
SELECT k.org_id, k.user_id, k.scopes, k.key_hash
FROM app_keys k JOIN users u ON u.org_id = k.org_id AND u.id = k.user_id
WHERE k.key_hash = $1 AND k.revoked_at IS NULL AND u.active
"""
LIST_KEYS = """
SELECT 'api' AS kind, a.id, o.name AS org_name, NULL AS email, a.prefix, '' AS scopes,
       a.created_at, a.revoked_at
FROM api_keys a JOIN orgs o ON o.id = a.org_id
UNION ALL
SELECT 'app', k.id, o.name, u.email, k.prefix, k.scopes, k.created_at, k.revoked_at
FROM app_keys k JOIN orgs o ON o.id = k.org_id
JOIN users u ON u.org_id = k.org_id AND u.id = k.user_id
ORDER BY 7, 1
"""
REVOKE_API_KEY = "UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL"
REVOKE_APP_KEY = "UPDATE app_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL"
USER_COLUMNS = "id, email, name, handle, active"
USERS_BY_IDS = f"SELECT {USER_COLUMNS} FROM users WHERE org_id = $1 AND id IN "
LIST_USERS = f"SELECT {USER_COLUMNS} FROM users WHERE org_id = $1 ORDER BY email"


async def users_by_ids(conn: Connection, org_id: str, ids: list[str]) -> list[Row]:
    """The users of one organisation with the given ids (any order)."""
    if not ids:
        return []
    return await conn.fetch(f"{USERS_BY_IDS}({placeholders(2, len(ids))})", org_id, *ids)


SET_PASSWORD = "UPDATE users SET password_hash = $3 WHERE org_id = $1 AND email = $2"
