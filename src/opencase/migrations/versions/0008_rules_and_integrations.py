"""automation and notification rules, maintenance windows, integrations, notebooks

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 15:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UUID = sa.Uuid(as_uuid=False).with_variant(sa.String(length=36), "sqlite")
_TIME = sa.DateTime(timezone=True).with_variant(sa.BigInteger(), "sqlite")
_JSON = postgresql.JSONB().with_variant(sa.Text(), "sqlite")


def _org(fk: bool = True) -> sa.Column[str]:
    if not fk:
        return sa.Column("org_id", _UUID, nullable=False)
    return sa.Column("org_id", _UUID, sa.ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False)


def _org_fk(*cols: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["org_id", *cols], [f"{target}.org_id", f"{target}.id"], ondelete="CASCADE"
    )


def _authored() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("created_by", _UUID, nullable=False),
        sa.Column("modified_at", _TIME, nullable=True),
        sa.Column("modified_by", _UUID, nullable=True),
    ]


def upgrade() -> None:
    # Matches core/tables.py (tests/test_schema.py compares them on both engines).
    op.add_column("cases", sa.Column("tickets", _JSON, nullable=True))
    op.add_column("outbox", sa.Column("recipient", sa.Text(), nullable=True))
    # Changes (every case event writes one) stay out of the per-case index of deliveries.
    op.drop_index("ix_outbox_org_case", "outbox")
    op.create_index(
        "ix_outbox_org_case",
        "outbox",
        ["org_id", "case_id", "created_at"],
        postgresql_where=sa.text("target_kind <> 'change'"),
        sqlite_where=sa.text("target_kind <> 'change'"),
    )
    with op.batch_alter_table("webhooks") as batch:
        batch.add_column(sa.Column("kind", sa.Text(), server_default="webhook", nullable=False))
        batch.drop_constraint("uq_webhooks_org_name", type_="unique")
        batch.create_unique_constraint("uq_webhooks_org_kind_name", ["org_id", "kind", "name"])
    op.create_table(
        "automation_rules",
        _org(fk=False),
        sa.Column("id", _UUID, nullable=False),
        sa.Column("project_id", _UUID, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("trigger", _JSON, nullable=False),
        sa.Column("action", _JSON, nullable=False),
        *_authored(),
        sa.PrimaryKeyConstraint("org_id", "id"),
        _org_fk("project_id", target="projects"),
    )
    op.create_index(
        "ix_automation_rules_org_project_created",
        "automation_rules",
        ["org_id", "project_id", "created_at"],
    )
    op.create_table(
        "notification_rules",
        _org(fk=False),
        sa.Column("id", _UUID, nullable=False),
        sa.Column("project_id", _UUID, nullable=False),
        sa.Column("is_enabled", sa.Boolean(), nullable=False),
        sa.Column("query", sa.Text(), server_default="", nullable=False),
        sa.Column("recipients", _JSON, nullable=False),
        sa.Column("triggers", _JSON, nullable=False),
        *_authored(),
        sa.PrimaryKeyConstraint("org_id", "id"),
        _org_fk("project_id", target="projects"),
    )
    op.create_index(
        "ix_notification_rules_org_project_created",
        "notification_rules",
        ["org_id", "project_id", "created_at"],
    )
    op.create_table(
        "maintenance_windows",
        _org(),
        sa.Column("id", _UUID, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("start_at", _TIME, nullable=False),
        sa.Column("end_at", _TIME, nullable=False),
        *_authored(),
        sa.PrimaryKeyConstraint("org_id", "id"),
    )
    op.create_index("ix_maintenance_windows_org_end", "maintenance_windows", ["org_id", "end_at"])
    op.create_table(
        "integrations",
        _org(),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("instance", sa.Text(), server_default="", nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("username", sa.Text(), nullable=True),
        sa.Column("token", sa.Text(), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("org_id", "kind", "instance"),
    )
    op.create_table(
        "case_notebooks",
        _org(fk=False),
        sa.Column("case_id", _UUID, nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("created_by", _UUID, nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("org_id", "case_id"),
        _org_fk("case_id", target="cases"),
    )


def downgrade() -> None:
    for table in (
        "case_notebooks",
        "integrations",
        "maintenance_windows",
        "notification_rules",
        "automation_rules",
    ):
        op.drop_table(table)
    with op.batch_alter_table("webhooks") as batch:
        batch.drop_constraint("uq_webhooks_org_kind_name", type_="unique")
        batch.create_unique_constraint("uq_webhooks_org_name", ["org_id", "name"])
        batch.drop_column("kind")
    op.drop_index("ix_outbox_org_case", "outbox")
    op.create_index("ix_outbox_org_case", "outbox", ["org_id", "case_id", "created_at"])
    op.drop_column("outbox", "recipient")
    op.drop_column("cases", "tickets")
