"""rate-limit counters

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 19:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UUID = sa.Uuid(as_uuid=False).with_variant(sa.String(length=36), "sqlite")


def upgrade() -> None:
    # Matches core/tables.py. UNLOGGED on PostgreSQL: counters need no crash safety, and
    # without WAL an increment's commit waits for no disk flush.
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "rate_limit_counters",
        sa.Column("org_id", _UUID, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("window_start", sa.BigInteger(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("org_id", "name", "window_start"),
        prefixes=["UNLOGGED"] if postgres else [],
    )


def downgrade() -> None:
    op.drop_table("rate_limit_counters")
