"""SQL for sign-in and web sessions."""

from __future__ import annotations

# Sign-in names an email, not an organisation: every account with it is a candidate.
ACCOUNTS_BY_EMAIL = """
SELECT u.org_id, u.id, u.email, u.password_hash, o.name AS org_name
FROM users u JOIN orgs o ON o.id = u.org_id
WHERE u.email IN ($1, $2) AND u.active AND u.password_hash IS NOT NULL
ORDER BY o.name, u.email
"""
FAILURES = "SELECT failures, last_failed_at FROM sign_in_failures WHERE email_hash = $1"
RECORD_FAILURE = """
INSERT INTO sign_in_failures (email_hash, failures, last_failed_at) VALUES ($1, 1, $2)
ON CONFLICT (email_hash) DO UPDATE
SET failures = sign_in_failures.failures + 1, last_failed_at = excluded.last_failed_at
"""
CLEAR_FAILURES = "DELETE FROM sign_in_failures WHERE email_hash = $1"
INSERT_SESSION = """
INSERT INTO sessions (org_id, id, user_id, secret_hash, csrf_token, created_at, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)
"""
SESSION = """
SELECT s.user_id, s.secret_hash, s.csrf_token, s.expires_at, u.email, o.name AS org_name
FROM sessions s
JOIN users u ON u.org_id = s.org_id AND u.id = s.user_id
JOIN orgs o ON o.id = s.org_id
WHERE s.org_id = $1 AND s.id = $2 AND s.revoked_at IS NULL AND s.expires_at > $3 AND u.active
"""
REVOKE_SESSION = """
UPDATE sessions SET revoked_at = $3 WHERE org_id = $1 AND id = $2 AND revoked_at IS NULL
"""
REVOKE_USER_SESSIONS = """
UPDATE sessions SET revoked_at = $3 WHERE org_id = $1 AND user_id = $2 AND revoked_at IS NULL
"""
