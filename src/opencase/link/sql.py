"""SQL for case links.

Lock order, as everywhere: case rows first, in ascending id order, then a project row.
"""

COLUMNS = (
    "id, parent_entity_type, parent_entity_id, child_entity_type, child_entity_id,"
    " relationship, created_at, created_by"
)

LOCK_CASE = "SELECT id FROM cases WHERE org_id = $1 AND id = $2 FOR UPDATE"
INSERT = f"""
INSERT INTO case_links ({COLUMNS}, org_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
"""
# The same link ($2..$6), or when $7 is true (undirected relationships) its reverse.
DUPLICATE = """
SELECT id FROM case_links WHERE org_id = $1 AND relationship = $6 AND (
    (parent_entity_type = $2 AND parent_entity_id = $3
     AND child_entity_type = $4 AND child_entity_id = $5)
    OR ($7 AND parent_entity_type = $4 AND parent_entity_id = $5
        AND child_entity_type = $2 AND child_entity_id = $3))
"""
GET = f"SELECT {COLUMNS} FROM case_links WHERE org_id = $1 AND id = $2"
DELETE = "DELETE FROM case_links WHERE org_id = $1 AND id = $2"

# Links with the entity at either end (a link never has the same entity at both ends).
_OF_ENTITY = f"""
SELECT {COLUMNS} FROM case_links
WHERE org_id = $1 AND parent_entity_type = $2 AND parent_entity_id = $3{{rel}}
UNION ALL
SELECT {COLUMNS} FROM case_links
WHERE org_id = $1 AND child_entity_type = $2 AND child_entity_id = $3{{rel}}
ORDER BY created_at, id
"""
OF_ENTITY = _OF_ENTITY.format(rel="")
OF_ENTITY_WITH_RELATIONSHIP = _OF_ENTITY.format(rel=" AND relationship = $4")

# For the deletion of a project: its cases and the cases linked to them.
LOCK_PROJECT_CASES = """
SELECT id, project_id FROM cases WHERE org_id = $1 AND (project_id = $2 OR id IN (
    SELECT l.child_entity_id FROM case_links l
    JOIN cases c ON c.org_id = l.org_id AND c.id = l.parent_entity_id
    WHERE l.org_id = $1 AND l.parent_entity_type = 'CASE' AND l.child_entity_type = 'CASE'
    AND c.project_id = $2
    UNION ALL
    SELECT l.parent_entity_id FROM case_links l
    JOIN cases c ON c.org_id = l.org_id AND c.id = l.child_entity_id
    WHERE l.org_id = $1 AND l.child_entity_type = 'CASE' AND l.parent_entity_type = 'CASE'
    AND c.project_id = $2
))
ORDER BY id FOR UPDATE
"""
_DELETE_OF_PROJECT = f"""
DELETE FROM case_links WHERE org_id = $1 AND {{end}}_entity_type = 'CASE'
AND {{end}}_entity_id IN (SELECT id FROM cases WHERE org_id = $1 AND project_id = $2)
RETURNING {COLUMNS}
"""
DELETE_OF_PROJECT_PARENTS = _DELETE_OF_PROJECT.format(end="parent")
DELETE_OF_PROJECT_CHILDREN = _DELETE_OF_PROJECT.format(end="child")
