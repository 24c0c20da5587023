"""SQL for custom attribute configs."""

_COLS = (
    "id, case_type_id, key, display_name, description, type, is_multi, type_data, map_from,"
    " created_at, modified_at"
)
_C_COLS = ", ".join(f"c.{c.strip()}" for c in _COLS.split(","))

# Configs of built-in types (no case_types row) and of live custom types.
LIST_ALL = f"""
SELECT {_C_COLS} FROM custom_attribute_configs c
LEFT JOIN case_types t ON t.org_id = c.org_id AND t.id = c.case_type_id
WHERE c.org_id = $1 AND t.deleted_at IS NULL
ORDER BY c.created_at, c.id
"""
LIST_OF_TYPE = f"""
SELECT {_COLS} FROM custom_attribute_configs
WHERE org_id = $1 AND case_type_id = $2 ORDER BY created_at, id
"""
GET = f"""
SELECT {_COLS} FROM custom_attribute_configs WHERE org_id = $1 AND case_type_id = $2 AND id = $3
"""
GET_FOR_UPDATE = f"{GET} FOR UPDATE"
BY_KEY = f"""
SELECT {_COLS} FROM custom_attribute_configs WHERE org_id = $1 AND case_type_id = $2 AND key = $3
"""
INSERT = f"""
INSERT INTO custom_attribute_configs (org_id, {_COLS})
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
"""
UPDATE = """
UPDATE custom_attribute_configs
SET display_name = $4, description = $5, type = $6, type_data = $7, map_from = $8,
    modified_at = $9
WHERE org_id = $1 AND case_type_id = $2 AND id = $3
"""
DELETE = "DELETE FROM custom_attribute_configs WHERE org_id = $1 AND case_type_id = $2 AND id = $3"
