"""outbox and webhooks

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 20:15:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UUID = sa.Uuid(as_uuid=False).with_variant(sa.String(length=36), "sqlite")
_TIME = sa.DateTime(timezone=True).with_variant(sa.BigInteger(), "sqlite")


def _org() -> sa.Column[str]:
    return sa.Column("org_id", _UUID, sa.ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False)


def upgrade() -> None:
    # Matches core/tables.py (tests/test_schema.py compares them on both engines).
    op.create_table(
        "webhooks",
        _org(),
        sa.Column("id", _UUID, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("org_id", "id"),
        sa.UniqueConstraint("org_id", "name", name="uq_webhooks_org_name"),
    )
    op.create_table(
        "outbox",
        _org(),
        sa.Column("id", _UUID, nullable=False),
        sa.Column("case_id", _UUID, nullable=True),
        sa.Column("event", sa.Text(), nullable=False),
        sa.Column("target_kind", sa.Text(), nullable=False),
        sa.Column("target_id", _UUID, nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("state", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", _TIME, nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("delivered_at", _TIME, nullable=True),
        sa.PrimaryKeyConstraint("org_id", "id"),
    )
    op.create_index(
        "ix_outbox_org_pending",
        "outbox",
        ["org_id", "next_attempt_at"],
        postgresql_where=sa.text("state = 0"),
        sqlite_where=sa.text("state = 0"),
    )
    op.create_index("ix_outbox_org_case", "outbox", ["org_id", "case_id", "created_at"])


def downgrade() -> None:
    op.drop_table("outbox")
    op.drop_table("webhooks")
