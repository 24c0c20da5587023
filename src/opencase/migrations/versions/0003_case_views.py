"""case views

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Matches core/tables.py (tests/test_schema.py compares them on both engines).
    op.create_table(
        "case_views",
        sa.Column(
            "org_id",
            sa.Uuid(as_uuid=False).with_variant(sa.String(length=36), "sqlite"),
            nullable=False,
        ),
        sa.Column(
            "id",
            sa.Uuid(as_uuid=False).with_variant(sa.String(length=36), "sqlite"),
            nullable=False,
        ),
        sa.Column(
            "project_id",
            sa.Uuid(as_uuid=False).with_variant(sa.String(length=36), "sqlite"),
            nullable=False,
        ),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("np_rule_id", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True).with_variant(sa.BigInteger(), "sqlite"),
            nullable=False,
        ),
        sa.Column(
            "created_by",
            sa.Uuid(as_uuid=False).with_variant(sa.String(length=36), "sqlite"),
            nullable=False,
        ),
        sa.Column(
            "modified_at",
            sa.DateTime(timezone=True).with_variant(sa.BigInteger(), "sqlite"),
            nullable=True,
        ),
        sa.Column(
            "modified_by",
            sa.Uuid(as_uuid=False).with_variant(sa.String(length=36), "sqlite"),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "project_id"], ["projects.org_id", "projects.id"], ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("org_id", "id"),
    )
    with op.batch_alter_table("case_views", schema=None) as batch_op:
        batch_op.create_index(
            "ix_case_views_org_project_created",
            ["org_id", "project_id", "created_at"],
            unique=False,
        )


def downgrade() -> None:
    # Matches core/tables.py (tests/test_schema.py compares them on both engines).
    with op.batch_alter_table("case_views", schema=None) as batch_op:
        batch_op.drop_index("ix_case_views_org_project_created")

    op.drop_table("case_views")
