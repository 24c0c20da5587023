"""SQL of bulk export and import (PostgreSQL syntax, `$n` placeholders; see core/db.py)."""

from __future__ import annotations

from functools import cache

from opencase.core.db import placeholders

# -- organisation

ORG_BY_NAME = "SELECT id, name, created_at, case_seq FROM orgs WHERE name = $1"
ORG_ID_TAKEN = "SELECT 1 FROM orgs WHERE id = $1"
INSERT_ORG = "INSERT INTO orgs (id, name, created_at) VALUES ($1, $2, $3)"
LOCK_ORG = "SELECT case_seq FROM orgs WHERE id = $1 FOR UPDATE"
RAISE_ORG_SEQ = "UPDATE orgs SET case_seq = $2 WHERE id = $1 AND case_seq < $2"

# -- what a case may refer to

USERS = "SELECT id, email, name, handle, active, created_at FROM users WHERE org_id = $1"
USER_BY_EMAIL = "SELECT id FROM users WHERE org_id = $1 AND email = $2"
USER_ID_TAKEN = "SELECT 1 FROM users WHERE org_id = $1 AND id = $2"
INSERT_USER = """
INSERT INTO users (org_id, id, email, name, handle, active, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)
"""

CASE_TYPES = """
SELECT id, name, description, emoji, created_at, modified_at, deleted_at
FROM case_types WHERE org_id = $1
"""
CASE_TYPE_EXISTS = "SELECT 1 FROM case_types WHERE org_id = $1 AND id = $2"
INSERT_CASE_TYPE = """
INSERT INTO case_types (org_id, id, name, description, emoji, created_at, modified_at, deleted_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
"""

CUSTOM_ATTRIBUTES = """
SELECT id, case_type_id, key, display_name, description, type, is_multi, type_data, map_from,
       created_at, modified_at
FROM custom_attribute_configs WHERE org_id = $1
"""
CUSTOM_ATTRIBUTE_EXISTS = """
SELECT 1 FROM custom_attribute_configs
WHERE org_id = $1 AND (id = $2 OR (case_type_id = $3 AND key = $4))
"""
INSERT_CUSTOM_ATTRIBUTE = """
INSERT INTO custom_attribute_configs (org_id, id, case_type_id, key, display_name, description,
                                      type, is_multi, type_data, map_from, created_at, modified_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
"""

PROJECTS = """
SELECT id, key, name, enabled_custom_case_types, created_at, created_by, modified_at, case_seq
FROM projects WHERE org_id = $1
"""
PROJECT_BY_KEY = "SELECT id FROM projects WHERE org_id = $1 AND key = $2"
INSERT_PROJECT = """
INSERT INTO projects (org_id, id, key, name, enabled_custom_case_types, created_at, created_by,
                      modified_at, case_seq)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
"""
RAISE_PROJECT_SEQ = """
UPDATE projects SET case_seq = $3 WHERE org_id = $1 AND id = $2 AND case_seq < $3
"""

# -- cases (export)

_CASE_COLUMNS = (
    "c.id, c.project_id, c.number, c.key, c.public_id, c.type_id, c.title, c.description,"
    " c.priority, c.status, c.status_name, c.attributes, c.custom_attributes,"
    " c.creation_source, c.assignee_id, c.created_by, c.modified_by, c.created_at,"
    " c.modified_at, c.closed_at, c.archived_at, c.due_date, c.resolved_reason, c.insight_seq"
)


def count_cases(where: str) -> str:
    """How many cases of organisation $1 meet `where` (a condition over `cases c`)."""
    return f"SELECT count(*) FROM cases c WHERE c.org_id = $1 AND {where}"


def cases_after(where: str, after_arg: int) -> str:
    """The next cases meeting `where` by public id: after ${after_arg}, at most ${after_arg+1}."""
    return (
        f"SELECT {_CASE_COLUMNS} FROM cases c WHERE c.org_id = $1 AND {where}"
        f" AND c.public_id > ${after_arg} ORDER BY c.public_id LIMIT ${after_arg + 1}"
    )


@cache
def keys_of(count: int) -> str:
    return (
        "SELECT case_id, key FROM case_keys"
        f" WHERE org_id = $1 AND case_id IN ({placeholders(2, count)})"
    )


@cache
def insights_of(count: int) -> str:
    return (
        "SELECT case_id, type, resource_id, ref, position, created_at, created_by"
        f" FROM case_insights WHERE org_id = $1 AND case_id IN ({placeholders(2, count)})"
        " ORDER BY case_id, position"
    )


@cache
def events_of(count: int) -> str:
    return (
        "SELECT case_id, id, created_at, actor_id, action, details, modified_at, deleted_at"
        f" FROM case_events WHERE org_id = $1 AND case_id IN ({placeholders(2, count)})"
        " ORDER BY case_id, created_at, id"
    )


@cache
def watchers_of(count: int) -> str:
    return (
        "SELECT case_id, user_id, created_at FROM case_watchers"
        f" WHERE org_id = $1 AND case_id IN ({placeholders(2, count)})"
    )


# -- cases (import)


@cache
def lock_projects(count: int) -> str:
    """Lock projects of organisation $1 (ids from $2 on) in id order, as case creation locks
    a project before the organisation."""
    return (
        f"SELECT id FROM projects WHERE org_id = $1 AND id IN ({placeholders(2, count)})"
        " ORDER BY id FOR UPDATE"
    )


@cache
def existing_cases(count: int) -> str:
    return f"SELECT id FROM cases WHERE org_id = $1 AND id IN ({placeholders(2, count)})"


@cache
def taken_public_ids(count: int) -> str:
    return (
        "SELECT public_id, id FROM cases"
        f" WHERE org_id = $1 AND public_id IN ({placeholders(2, count)})"
    )


@cache
def taken_keys(count: int) -> str:
    return (
        "SELECT key, case_id FROM case_keys"
        f" WHERE org_id = $1 AND key IN ({placeholders(2, count)})"
    )


# PostgreSQL caches the plan of each foreign-key check per connection: planned while the
# tables were small it stays a scan as they grow, and every insight row pays for it. Fresh
# statistics (ANALYZE, at a few ms) invalidate those plans; the import runs it as it grows.
# Not PostgresDatabase.optimize: it goes by pg_stat_user_tables, whose counts arrive up to a
# second late, and an import doubles its tables faster (with it: 25,561 insights/s, not 39,002).
ANALYZE_CASES = "ANALYZE cases, case_keys, case_insights, case_events, case_watchers"

# Bulk inserts run through Connection.insert_rows (COPY on PostgreSQL); rows follow these.
CASE_COLUMNS = (
    "org_id", "id", "project_id", "number", "key", "public_id", "type_id", "title",
    "description", "priority", "status", "status_name", "attributes", "custom_attributes",
    "creation_source", "assignee_id", "created_by", "modified_by", "created_at", "modified_at",
    "closed_at", "archived_at", "due_date", "resolved_reason", "comment_count", "insight_count",
    "insight_seq",
)  # fmt: skip
KEY_COLUMNS = ("org_id", "key", "case_id")
INSIGHT_COLUMNS = (
    "org_id", "case_id", "type", "resource_id", "ref", "position", "created_at", "created_by",
)  # fmt: skip
EVENT_COLUMNS = (
    "org_id", "case_id", "id", "created_at", "actor_id", "action", "details", "modified_at",
    "deleted_at",
)  # fmt: skip
WATCHER_COLUMNS = ("org_id", "case_id", "user_id", "created_at")
