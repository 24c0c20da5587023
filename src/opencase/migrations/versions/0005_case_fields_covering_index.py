"""case_fields: the value index also holds case_id (lookups and per-value counts read it alone)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 07:20:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_case_fields_org_field_folded", "case_fields")
    op.create_index(
        "ix_case_fields_org_field_folded", "case_fields", ["org_id", "field", "folded", "case_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_case_fields_org_field_folded", "case_fields")
    op.create_index("ix_case_fields_org_field_folded", "case_fields", ["org_id", "field", "folded"])
