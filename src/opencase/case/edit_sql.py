"""SQL for case edits that the generic column update does not cover (moving a case)."""

MOVE = """
UPDATE cases SET project_id = $3, number = $4, key = $5, modified_at = $6, modified_by = $7
WHERE org_id = $1 AND id = $2
"""
# Aliases (old keys of moved cases) carrying a project's key prefix, e.g. `SEC-%`.
RELEASE_PROJECT_KEYS = "DELETE FROM case_keys WHERE org_id = $1 AND key LIKE $2"
