"""SQL for maintenance windows."""

COLUMNS = "id, name, query, start_at, end_at, created_at, created_by, modified_at, modified_by"

INSERT = f"""
INSERT INTO maintenance_windows ({COLUMNS}, org_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
"""
LIST = f"SELECT {COLUMNS} FROM maintenance_windows WHERE org_id = $1 ORDER BY start_at, id"
GET_FOR_UPDATE = (
    f"SELECT {COLUMNS} FROM maintenance_windows WHERE org_id = $1 AND id = $2 FOR UPDATE"
)
UPDATE = """
UPDATE maintenance_windows
SET name = $3, query = $4, start_at = $5, end_at = $6, modified_at = $7, modified_by = $8
WHERE org_id = $1 AND id = $2
"""
DELETE = "DELETE FROM maintenance_windows WHERE org_id = $1 AND id = $2"
# Running at $2: start_at <= $2 < end_at. The index (org_id, end_at) narrows to the windows not
# over yet; start_at filters those.
ACTIVE = f"""
SELECT {COLUMNS} FROM maintenance_windows
WHERE org_id = $1 AND end_at > $2 AND start_at <= $2
ORDER BY start_at, id
"""
