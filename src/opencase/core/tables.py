"""Table definitions (SQLAlchemy Core), the source the Alembic migrations are checked against.

Every tenant table carries `org_id`, and its primary key and indexes lead with it, so one
organisation's rows sit together and the schema can later be distributed by `org_id` (Citus).
Ids are UUIDs, timestamps `timestamptz` on PostgreSQL and integer microseconds on SQLite.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

metadata = sa.MetaData()

UUID = sa.Uuid(as_uuid=False).with_variant(sa.String(36), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True).with_variant(sa.BigInteger(), "sqlite")
JSON = postgresql.JSONB().with_variant(sa.Text(), "sqlite")
# Text searched by prefix ranges compares in code-point order on both engines ("C"; SQLite's
# default BINARY already does), whatever the PostgreSQL database's own collation is.
TEXT_C = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")

# Search objects only one engine has, made by migrations 0004 and 0006 and not described here:
# SQLite's FTS5 table (and its shadow tables) with its row map, PostgreSQL's stored tsvector
# column and its GIN index, and the expression indexes of both. tests/test_schema.py leaves
# them out of its comparison.
ENGINE_SPECIFIC = (
    "case_search",
    "ix_cases_org_modified",
    "ix_cases_title_tsv",
    "ix_cases_description_tsv",
    "ix_case_insights_org_ref",
    "search_vector",  # PostgreSQL: cases.search_vector (0006) and its GIN index
    "ix_cases_search_vector",
)


# Distributed by organisation on Citus (core/citus.py): every table but these few small ones,
# which every node needs whole (an API key is looked up before its organisation is known).
REFERENCE = {"citus": "reference"}


def _org_fk(*cols: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["org_id", *cols], [f"{target}.org_id", f"{target}.id"], ondelete="CASCADE"
    )


orgs = sa.Table(
    "orgs",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("name", sa.Text, nullable=False, unique=True),
    sa.Column("created_at", TIMESTAMP, nullable=False),
    # Last `public_id` handed out: cases are numbered per organisation.
    sa.Column("case_seq", sa.BigInteger, nullable=False, server_default="0"),
    info=REFERENCE,
)

users = sa.Table(
    "users",
    metadata,
    sa.Column("org_id", UUID, sa.ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False),
    sa.Column("id", UUID, nullable=False),
    sa.Column("email", sa.Text, nullable=False),
    sa.Column("name", sa.Text, nullable=False, server_default=""),
    sa.Column("handle", sa.Text, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", TIMESTAMP, nullable=False),
    # scrypt (account/passwords.py); NULL: the user cannot sign in to the web UI.
    sa.Column("password_hash", sa.Text),
    sa.PrimaryKeyConstraint("org_id", "id"),
    sa.UniqueConstraint("org_id", "email", name="uq_users_org_email"),
    # Sign-in gives an email, not an organisation (account/sessions.py).
    sa.Index("ix_users_email", "email"),
    info=REFERENCE,
)

# API keys name an organisation; application keys name a user and carry scopes.
# Only SHA-256 hashes of the (random, 256-bit) secrets are stored.
api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("org_id", UUID, sa.ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False),
    sa.Column("id", UUID, nullable=False),
    sa.Column("key_hash", sa.Text, nullable=False),
    sa.Column("prefix", sa.Text, nullable=False),
    sa.Column("created_at", TIMESTAMP, nullable=False),
    sa.Column("revoked_at", TIMESTAMP),
    sa.PrimaryKeyConstraint("org_id", "id"),
    sa.Index("uq_api_keys_hash", "key_hash", unique=True),
    info=REFERENCE,
)

app_keys = sa.Table(
    "app_keys",
    metadata,
    sa.Column("org_id", UUID, nullable=False),
    sa.Column("id", UUID, nullable=False),
    sa.Column("user_id", UUID, nullable=False),
    sa.Column("key_hash", sa.Text, nullable=False),
    sa.Column("prefix", sa.Text, nullable=False),
    sa.Column("scopes", sa.Text, nullable=False),
    sa.Column("created_at", TIMESTAMP, nullable=False),
    sa.Column("revoked_at", TIMESTAMP),
    sa.PrimaryKeyConstraint("org_id", "id"),
    _org_fk("user_id", target="users"),
    sa.Index("uq_app_keys_hash", "key_hash", unique=True),
    info=REFERENCE,
)

projects = sa.Table(
    "projects",
    metadata,
    sa.Column("org_id", UUID, sa.ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False),
    sa.Column("id", UUID, nullable=False),
    sa.Column("key", sa.Text, nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("created_at", TIMESTAMP, nullable=False),
    sa.Column("created_by", UUID, nullable=False),
    sa.Column("modified_at", TIMESTAMP),
    sa.Column("enabled_custom_case_types", JSON, nullable=False),
    # Last case number handed out in this project: keys are KEY-1, KEY-2, … without gaps.
    sa.Column("case_seq", sa.BigInteger, nullable=False, server_default="0"),
    sa.PrimaryKeyConstraint("org_id", "id"),
    sa.UniqueConstraint("org_id", "key", name="uq_projects_org_key"),
)

# Custom case types; the built-in ones live in code (opencase.case_type.builtin).
case_types = sa.Table(
    "case_types",
    metadata,
    sa.Column("org_id", UUID, sa.ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False),
    sa.Column("id", UUID, nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    sa.Column("emoji", sa.Text, nullable=False, server_default=""),
    sa.Column("created_at", TIMESTAMP, nullable=False),
    sa.Column("modified_at", TIMESTAMP),
    sa.Column("deleted_at", TIMESTAMP),
    sa.PrimaryKeyConstraint("org_id", "id"),
)

cases = sa.Table(
    "cases",
    metadata,
    sa.Column("org_id", UUID, nullable=False),
    sa.Column("id", UUID, nullable=False),
    sa.Column("project_id", UUID, nullable=False),
    sa.Column("number", sa.BigInteger, nullable=False),
    sa.Column("key", sa.Text, nullable=False),
    sa.Column("public_id", sa.BigInteger, nullable=False),
    sa.Column("type_id", UUID, nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    # 0 NOT_DEFINED, 1..5 P1..P5: numeric so that sorting by priority is an index scan.
    sa.Column("priority", sa.SmallInteger, nullable=False),
    # 0 open, 1 in progress, 2 closed (the status group); status_name is the type's label.
    sa.Column("status", sa.SmallInteger, nullable=False),
    sa.Column("status_name", sa.Text, nullable=False),
    sa.Column("attributes", JSON, nullable=False),
    sa.Column("custom_attributes", JSON, nullable=False),
    sa.Column("creation_source", sa.Text, nullable=False),
    sa.Column("assignee_id", UUID),
    sa.Column("created_by", UUID, nullable=False),
    sa.Column("modified_by", UUID),
    sa.Column("created_at", TIMESTAMP, nullable=False),
    sa.Column("modified_at", TIMESTAMP),
    sa.Column("closed_at", TIMESTAMP),
    sa.Column("archived_at", TIMESTAMP),
    sa.Column("due_date", sa.Text),
    sa.Column("resolved_reason", sa.Text),
    sa.Column("comment_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("insight_count", sa.Integer, nullable=False, server_default="0"),
    # Last insight position handed out; insights list in the order they were first added.
    sa.Column("insight_seq", sa.BigInteger, nullable=False, server_default="0"),
    # The case's Jira issue and ServiceNow ticket (opencase.integration): NULL, or
    # {"jira_issue": {"status", "result"}, "service_now_ticket": {...}} as the API shows them.
    sa.Column("tickets", JSON),
    sa.PrimaryKeyConstraint("org_id", "id"),
    _org_fk("project_id", target="projects"),
    sa.UniqueConstraint("org_id", "public_id", name="uq_cases_org_public_id"),
    sa.UniqueConstraint("org_id", "project_id", "number", name="uq_cases_org_project_number"),
    # Search: newest first, optionally narrowed by one attribute.
    sa.Index("ix_cases_org_created", "org_id", "created_at"),
    sa.Index("ix_cases_org_status_created", "org_id", "status", "created_at"),
    sa.Index("ix_cases_org_priority_created", "org_id", "priority", "created_at"),
    sa.Index("ix_cases_org_project_created", "org_id", "project_id", "created_at"),
    # A project's cases of one status, newest first: the web UI's board columns (0012).
    sa.Index("ix_cases_org_project_status_created", "org_id", "project_id", "status", "created_at"),
    # Query language (opencase.query): one index per field a query names on its own.
    sa.Index("ix_cases_org_status_priority_created", "org_id", "status", "priority", "created_at"),
    sa.Index("ix_cases_org_assignee_created", "org_id", "assignee_id", "created_at"),
    sa.Index("ix_cases_org_creator_created", "org_id", "created_by", "created_at"),
    sa.Index("ix_cases_org_type_created", "org_id", "type_id", "created_at"),
    sa.Index("ix_cases_org_archived", "org_id", "archived_at"),
)

# Every key a case has had resolves to it (a moved case keeps answering to its old key).
case_keys = sa.Table(
    "case_keys",
    metadata,
    sa.Column("org_id", UUID, nullable=False),
    sa.Column("key", TEXT_C, nullable=False),  # upper case: lookups are case-insensitive
    sa.Column("case_id", UUID, nullable=False),
    sa.PrimaryKeyConstraint("org_id", "key"),
    _org_fk("case_id", target="cases"),
)

case_insights = sa.Table(
    "case_insights",
    metadata,
    sa.Column("org_id", UUID, nullable=False),
    sa.Column("case_id", UUID, nullable=False),
    sa.Column("type", sa.Text, nullable=False),
    sa.Column("resource_id", TEXT_C, nullable=False),
    sa.Column("ref", TEXT_C, nullable=False),
    sa.Column("position", sa.BigInteger, nullable=False),
    sa.Column("created_at", TIMESTAMP, nullable=False),
    sa.Column("created_by", UUID, nullable=False),
    # An insight's identity within a case is (type, resource_id).
    sa.PrimaryKeyConstraint("org_id", "case_id", "type", "resource_id"),
    _org_fk("case_id", target="cases"),
    # Reverse lookup: which cases of this organisation cite this resource?
    sa.Index("ix_case_insights_org_resource", "org_id", "type", "resource_id"),
    # … whatever its type (`insight.resource_id:12345` alone).
    sa.Index("ix_case_insights_org_resource_id", "org_id", "resource_id"),
)

# The record of every change to a case (actor, action, details); it is the case's timeline.
# Comments are events too (action "comment"): the only ones that can be edited
# (modified_at) or deleted (deleted_at; the edit and deletion are events of their own).
case_events = sa.Table(
    "case_events",
    metadata,
    sa.Column("org_id", UUID, nullable=False),
    sa.Column("case_id", UUID, nullable=False),
    sa.Column("id", UUID, nullable=False),
    sa.Column("created_at", TIMESTAMP, nullable=False),
    sa.Column("actor_id", UUID, nullable=False),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("details", JSON, nullable=False),
    sa.Column("modified_at", TIMESTAMP),
    sa.Column("deleted_at", TIMESTAMP),
    sa.PrimaryKeyConstraint("org_id", "case_id", "id"),
    _org_fk("case_id", target="cases"),
    sa.Index("ix_case_events_org_case_created", "org_id", "case_id", "created_at"),
)

# Typed custom fields of a case type; a case's values live in cases.custom_attributes.
custom_attribute_configs = sa.Table(
    "custom_attribute_configs",
    metadata,
    sa.Column("org_id", UUID, sa.ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False),
    sa.Column("id", UUID, nullable=False),
    sa.Column("case_type_id", UUID, nullable=False),
    sa.Column("key", sa.Text, nullable=False),
    sa.Column("display_name", sa.Text, nullable=False),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    sa.Column("type", sa.Text, nullable=False),  # URL, TEXT, NUMBER, SELECT
    sa.Column("is_multi", sa.Boolean, nullable=False),
    sa.Column("type_data", JSON, nullable=False),  # {"options": [{"value": …}]} for SELECT
    sa.Column("map_from", sa.Text),
    sa.Column("created_at", TIMESTAMP, nullable=False),
    sa.Column("modified_at", TIMESTAMP),
    sa.PrimaryKeyConstraint("org_id", "id"),
    sa.UniqueConstraint("org_id", "case_type_id", "key", name="uq_custom_attribute_configs_key"),
)

case_watchers = sa.Table(
    "case_watchers",
    metadata,
    sa.Column("org_id", UUID, nullable=False),
    sa.Column("case_id", UUID, nullable=False),
    sa.Column("user_id", UUID, nullable=False),
    sa.Column("created_at", TIMESTAMP, nullable=False),
    sa.PrimaryKeyConstraint("org_id", "case_id", "user_id"),
    _org_fk("case_id", target="cases"),
    _org_fk("user_id", target="users"),
)

# Directional links between entities (at least one a case of the organisation).
case_links = sa.Table(
    "case_links",
    metadata,
    sa.Column("org_id", UUID, sa.ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False),
    sa.Column("id", UUID, nullable=False),
    sa.Column("parent_entity_type", sa.Text, nullable=False),
    sa.Column("parent_entity_id", UUID, nullable=False),
    sa.Column("child_entity_type", sa.Text, nullable=False),
    sa.Column("child_entity_id", UUID, nullable=False),
    sa.Column("relationship", sa.Text, nullable=False),
    sa.Column("created_at", TIMESTAMP, nullable=False),
    sa.Column("created_by", UUID, nullable=False),
    sa.PrimaryKeyConstraint("org_id", "id"),
    sa.UniqueConstraint(
        "org_id",
        "parent_entity_type",
        "parent_entity_id",
        "child_entity_type",
        "child_entity_id",
        "relationship",
        name="uq_case_links_ends",
    ),
    sa.Index("ix_case_links_org_child", "org_id", "child_entity_type", "child_entity_id"),
)

project_favorites = sa.Table(
    "project_favorites",
    metadata,
    sa.Column("org_id", UUID, nullable=False),
    sa.Column("user_id", UUID, nullable=False),
    sa.Column("project_id", UUID, nullable=False),
    sa.Column("created_at", TIMESTAMP, nullable=False),
    sa.PrimaryKeyConstraint("org_id", "user_id", "project_id"),
    _org_fk("project_id", target="projects"),
    _org_fk("user_id", target="users"),
)

# Saved case queries (CaseView in Datadog's API), shared by the organisation, one project each.
case_views = sa.Table(
    "case_views",
    metadata,
    sa.Column("org_id", UUID, nullable=False),
    sa.Column("id", UUID, nullable=False),
    sa.Column("project_id", UUID, nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("query", sa.Text, nullable=False),
    sa.Column("np_rule_id", sa.Text),
    sa.Column("created_at", TIMESTAMP, nullable=False),
    sa.Column("created_by", UUID, nullable=False),
    sa.Column("modified_at", TIMESTAMP),
    sa.Column("modified_by", UUID),
    sa.PrimaryKeyConstraint("org_id", "id"),
    _org_fk("project_id", target="projects"),
    sa.Index("ix_case_views_org_project_created", "org_id", "project_id", "created_at"),
)

# Every value of a case's attributes ("a:<key>") and custom attributes ("c:<key>"), one row
# each, so that `service:case-api` is an index lookup. Database triggers (migration 0004) keep
# it equal to cases.attributes / cases.custom_attributes; the application never writes it.
case_fields = sa.Table(
    "case_fields",
    metadata,
    sa.Column("org_id", UUID, nullable=False),
    sa.Column("case_id", UUID, nullable=False),
    sa.Column("field", TEXT_C, nullable=False),
    sa.Column("n", sa.Integer, nullable=False),  # position among the field's values
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("folded", TEXT_C),  # text values: lower(first 200 characters)
    sa.Column("number", sa.Float),  # number values
    sa.PrimaryKeyConstraint("org_id", "case_id", "field", "n"),
    _org_fk("case_id", target="cases"),
    # case_id last: value lookups and per-value counts read this index alone.
    sa.Index("ix_case_fields_org_field_folded", "org_id", "field", "folded", "case_id"),
    sa.Index("ix_case_fields_org_field_number", "org_id", "field", "number"),
)

# Outbound HTTP endpoints of an organisation (CLI: `opencase webhooks`); `secret` signs every
# delivery and is never shown again once stored.
webhooks = sa.Table(
    "webhooks",
    metadata,
    sa.Column("org_id", UUID, sa.ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False),
    sa.Column("id", UUID, nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("secret", sa.Text, nullable=False),
    sa.Column("created_at", TIMESTAMP, nullable=False),
    # webhook (a notification rule's HTTP recipient, by name), workflow (an automation rule's
    # EXECUTE_WORKFLOW, by handle) or agent (ASSIGN_AGENT, by assigned_agent_id).
    sa.Column("kind", sa.Text, nullable=False, server_default="webhook"),
    sa.PrimaryKeyConstraint("org_id", "id"),
    sa.UniqueConstraint("org_id", "kind", "name", name="uq_webhooks_org_kind_name"),
)

# The transactional outbox: one row per delivery to make, written in the transaction of the
# change that causes it; the worker (opencase.outbox.worker) delivers it at least once. `id`
# is the delivery's idempotency key (X-Opencase-Delivery), the same on every try.
# state: 0 pending (due at next_attempt_at; a worker holding it pushes that forward as a
# lease), 1 delivered, 2 dead (tries exhausted; `opencase outbox retry` makes it pending),
# 3 suppressed (a maintenance window held it back; never sent).
# A row of target_kind "change" is a change to fan out (id = its case event's id): the worker
# turns it into the deliveries its rules call for and deletes it, in one transaction.
outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("org_id", UUID, sa.ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False),
    sa.Column("id", UUID, nullable=False),
    sa.Column("case_id", UUID),
    sa.Column("event", sa.Text, nullable=False),
    sa.Column("target_kind", sa.Text, nullable=False),
    sa.Column("target_id", UUID, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("created_at", TIMESTAMP, nullable=False),
    sa.Column("state", sa.SmallInteger, nullable=False, server_default="0"),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", TIMESTAMP, nullable=False),
    sa.Column("last_error", sa.Text),
    sa.Column("delivered_at", TIMESTAMP),
    # Who or what receives it beyond target_id, as JSON: a notification rule's recipient data
    # (email address, Slack channel, ...) or an integration's request (Jira project, ...).
    sa.Column("recipient", sa.Text),
    sa.PrimaryKeyConstraint("org_id", "id"),
    # What is due: pending rows only, so the index stays as small as the backlog.
    sa.Index(
        "ix_outbox_org_pending",
        "org_id",
        "next_attempt_at",
        postgresql_where=sa.text("state = 0"),
        sqlite_where=sa.text("state = 0"),
    ),
    # A case's deliveries (`outbox list --case`); changes, gone within milliseconds, are not in it.
    sa.Index(
        "ix_outbox_org_case",
        "org_id",
        "case_id",
        "created_at",
        postgresql_where=sa.text("target_kind <> 'change'"),
        sqlite_where=sa.text("target_kind <> 'change'"),
    ),
)


# Automation rules of a project (AutomationRule in Datadog's API): a trigger and an action.
automation_rules = sa.Table(
    "automation_rules",
    metadata,
    sa.Column("org_id", UUID, nullable=False),
    sa.Column("id", UUID, nullable=False),
    sa.Column("project_id", UUID, nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("state", sa.Text, nullable=False),  # ENABLED or DISABLED
    sa.Column("trigger", JSON, nullable=False),  # {"type", "data"}
    sa.Column("action", JSON, nullable=False),  # {"type", "data"}
    sa.Column("created_at", TIMESTAMP, nullable=False),
    sa.Column("created_by", UUID, nullable=False),
    sa.Column("modified_at", TIMESTAMP),
    sa.Column("modified_by", UUID),
    sa.PrimaryKeyConstraint("org_id", "id"),
    _org_fk("project_id", target="projects"),
    sa.Index("ix_automation_rules_org_project_created", "org_id", "project_id", "created_at"),
)

# Notification rules of a project (CaseNotificationRule): a query, triggers and recipients.
notification_rules = sa.Table(
    "notification_rules",
    metadata,
    sa.Column("org_id", UUID, nullable=False),
    sa.Column("id", UUID, nullable=False),
    sa.Column("project_id", UUID, nullable=False),
    sa.Column("is_enabled", sa.Boolean, nullable=False),
    sa.Column("query", sa.Text, nullable=False, server_default=""),
    sa.Column("recipients", JSON, nullable=False),  # [{"type", "data"}]
    sa.Column("triggers", JSON, nullable=False),  # [{"type", "data"}]
    sa.Column("created_at", TIMESTAMP, nullable=False),
    sa.Column("created_by", UUID, nullable=False),
    sa.Column("modified_at", TIMESTAMP),
    sa.Column("modified_by", UUID),
    sa.PrimaryKeyConstraint("org_id", "id"),
    _org_fk("project_id", target="projects"),
    sa.Index("ix_notification_rules_org_project_created", "org_id", "project_id", "created_at"),
)

# Maintenance windows of an organisation: notifications for cases matching `query` between
# start_at and end_at are suppressed.
maintenance_windows = sa.Table(
    "maintenance_windows",
    metadata,
    sa.Column("org_id", UUID, sa.ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False),
    sa.Column("id", UUID, nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("query", sa.Text, nullable=False),
    sa.Column("start_at", TIMESTAMP, nullable=False),
    sa.Column("end_at", TIMESTAMP, nullable=False),
    sa.Column("created_at", TIMESTAMP, nullable=False),
    sa.Column("created_by", UUID, nullable=False),
    sa.Column("modified_at", TIMESTAMP),
    sa.Column("modified_by", UUID),
    sa.PrimaryKeyConstraint("org_id", "id"),
    # The windows still to come or running: end_at >= now.
    sa.Index("ix_maintenance_windows_org_end", "org_id", "end_at"),
)

# External systems of an organisation (CLI: `opencase integrations set`): base URL and
# credentials for Jira, ServiceNow (one row per instance name), Slack, PagerDuty and Teams.
integrations = sa.Table(
    "integrations",
    metadata,
    sa.Column("org_id", UUID, sa.ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("instance", sa.Text, nullable=False, server_default=""),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("username", sa.Text),
    sa.Column("token", sa.Text, nullable=False),
    sa.Column("created_at", TIMESTAMP, nullable=False),
    sa.PrimaryKeyConstraint("org_id", "kind", "instance"),
)

# A case's investigation notebook (CreateCaseNotebook): a Markdown document assembled from the
# case, its insights and its timeline when asked for; the newest replaces the one before.
case_notebooks = sa.Table(
    "case_notebooks",
    metadata,
    sa.Column("org_id", UUID, nullable=False),
    sa.Column("case_id", UUID, nullable=False),
    sa.Column("created_at", TIMESTAMP, nullable=False),
    sa.Column("created_by", UUID, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.PrimaryKeyConstraint("org_id", "case_id"),
    _org_fk("case_id", target="cases"),
)

# Rate-limit counters (opencase.ops.ratelimit) when PostgreSQL keeps them: one row per
# organisation, operation family and window (seconds since the epoch). UNLOGGED on
# PostgreSQL (migration 0009): an increment writes no WAL, so it waits for no disk flush.
# No foreign key: the row is written on every request, and a dead organisation's counters
# simply expire.
rate_limit_counters = sa.Table(
    "rate_limit_counters",
    metadata,
    sa.Column("org_id", UUID, nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("window_start", sa.BigInteger, nullable=False),
    sa.Column("hits", sa.Integer, nullable=False),
    sa.PrimaryKeyConstraint("org_id", "name", "window_start"),
)


# Web UI sessions (account/sessions.py): the cookie holds `org_id.id.secret`; only the secret's
# SHA-256 is kept. Revoked or expired rows stop working at once, on every process.
sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("org_id", UUID, sa.ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False),
    sa.Column("id", UUID, nullable=False),
    sa.Column("user_id", UUID, nullable=False),
    sa.Column("secret_hash", sa.Text, nullable=False),
    sa.Column("csrf_token", sa.Text, nullable=False),
    sa.Column("created_at", TIMESTAMP, nullable=False),
    sa.Column("expires_at", TIMESTAMP, nullable=False),
    sa.Column("revoked_at", TIMESTAMP),
    sa.PrimaryKeyConstraint("org_id", "id"),
    _org_fk("user_id", target="users"),
    sa.Index("ix_sessions_org_user", "org_id", "user_id"),
)

# Failed sign-ins per email (lower-cased SHA-256), whether or not any user has it, so the
# slowing down says nothing about which emails exist. Cleared by a good sign-in.
sign_in_failures = sa.Table(
    "sign_in_failures",
    metadata,
    sa.Column("email_hash", sa.Text, primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("last_failed_at", TIMESTAMP, nullable=False),
    info=REFERENCE,
)
