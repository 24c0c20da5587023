"""case search: attribute index, full-text indexes, query-language indexes

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 07:00:00.000000

Besides what core/tables.py declares, this makes per engine (core/tables.ENGINE_SPECIFIC):
- SQLite: an FTS5 index `case_search` over title and description (contentless; its rows map
  to cases through `case_search_rows`, whose INTEGER PRIMARY KEY survives VACUUM), kept by
  triggers; expression indexes on coalesce(modified_at, created_at) and substr(ref, 1, 256).
- PostgreSQL: GIN indexes (org_id, tsvector) on title and description (btree_gin), the same
  expression indexes, and "C" collation on the text columns searched by prefix ranges.
- Both: triggers that keep `case_fields` equal to the cases' attributes and custom attributes.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UUID = sa.Uuid(as_uuid=False).with_variant(sa.String(length=36), "sqlite")
TEXT_C = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")

# The rows of case_fields for the case `{s}` (NEW in a trigger, c in the backfill).
_SQLITE_FIELDS = """
INSERT INTO case_fields (org_id, case_id, field, n, value, folded, number)
SELECT {s}.org_id, {s}.id, 'a:' || a.key, v.key, v.value, lower(substr(v.value, 1, 200)), NULL
FROM {src} json_each({s}.attributes) a, json_each(a.value) v
WHERE a.type = 'array' AND v.type = 'text';
INSERT INTO case_fields (org_id, case_id, field, n, value, folded, number)
SELECT {s}.org_id, {s}.id, 'c:' || a.key, coalesce(v.key, 0), CAST(v.value AS TEXT),
       CASE WHEN v.type = 'text' THEN lower(substr(v.value, 1, 200)) END,
       CASE WHEN v.type IN ('integer', 'real') THEN v.value END
FROM {src} json_each({s}.custom_attributes) a, json_each(a.value, '$.value') v
WHERE a.type = 'object' AND v.type IN ('text', 'integer', 'real');
"""

_PG_FIELDS = """
INSERT INTO case_fields (org_id, case_id, field, n, value, folded, number)
SELECT {s}.org_id, {s}.id, 'a:' || a.key, v.n - 1, v.e #>> '{{}}',
       lower(substr(v.e #>> '{{}}', 1, 200)), NULL
FROM {src} jsonb_each({s}.attributes) a,
     jsonb_array_elements(CASE WHEN jsonb_typeof(a.value) = 'array' THEN a.value
                          ELSE '[]'::jsonb END) WITH ORDINALITY v(e, n)
WHERE jsonb_typeof(v.e) = 'string';
INSERT INTO case_fields (org_id, case_id, field, n, value, folded, number)
SELECT {s}.org_id, {s}.id, 'c:' || a.key, v.n - 1, v.e #>> '{{}}',
       CASE WHEN jsonb_typeof(v.e) = 'string' THEN lower(substr(v.e #>> '{{}}', 1, 200)) END,
       CASE WHEN jsonb_typeof(v.e) = 'number' THEN (v.e #>> '{{}}')::float8 END
FROM {src} jsonb_each({s}.custom_attributes) a,
     jsonb_array_elements(CASE WHEN jsonb_typeof(a.value -> 'value') = 'array'
                               THEN a.value -> 'value'
                               ELSE jsonb_build_array(a.value -> 'value') END)
       WITH ORDINALITY v(e, n)
WHERE jsonb_typeof(a.value) = 'object' AND jsonb_typeof(v.e) IN ('string', 'number');
"""

_TSV = "to_tsvector('simple', regexp_replace({col}, '[^[:alnum:]]+', ' ', 'g'))"
_ROW = "(SELECT rowid FROM case_search_rows WHERE org_id = {s}.org_id AND case_id = {s}.id)"


def _common() -> None:
    op.create_table(
        "case_fields",
        sa.Column("org_id", UUID, nullable=False),
        sa.Column("case_id", UUID, nullable=False),
        sa.Column("field", TEXT_C, nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("folded", TEXT_C, nullable=True),
        sa.Column("number", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id", "case_id"], ["cases.org_id", "cases.id"], ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("org_id", "case_id", "field", "n"),
    )
    op.create_index("ix_case_fields_org_field_folded", "case_fields", ["org_id", "field", "folded"])
    op.create_index("ix_case_fields_org_field_number", "case_fields", ["org_id", "field", "number"])
    for name, cols in (
        ("ix_cases_org_status_priority_created", ["org_id", "status", "priority", "created_at"]),
        ("ix_cases_org_assignee_created", ["org_id", "assignee_id", "created_at"]),
        ("ix_cases_org_creator_created", ["org_id", "created_by", "created_at"]),
        ("ix_cases_org_type_created", ["org_id", "type_id", "created_at"]),
        ("ix_cases_org_archived", ["org_id", "archived_at"]),
    ):
        op.create_index(name, "cases", cols)
    op.create_index("ix_case_insights_org_resource_id", "case_insights", ["org_id", "resource_id"])
    op.execute(
        "CREATE INDEX ix_cases_org_modified ON cases (org_id, coalesce(modified_at, created_at))"
    )
    op.execute(
        "CREATE INDEX ix_case_insights_org_ref ON case_insights (org_id, substr(ref, 1, 256))"
    )


def _sqlite() -> None:
    fields_new = _SQLITE_FIELDS.format(s="new", src="")
    op.execute(f"""
        CREATE TRIGGER case_fields_insert AFTER INSERT ON cases BEGIN {fields_new} END""")
    op.execute(f"""
        CREATE TRIGGER case_fields_update AFTER UPDATE OF attributes, custom_attributes ON cases
        WHEN old.attributes IS NOT new.attributes
          OR old.custom_attributes IS NOT new.custom_attributes
        BEGIN
          DELETE FROM case_fields WHERE org_id = old.org_id AND case_id = old.id;
          {fields_new}
        END""")
    for statement in _SQLITE_FIELDS.format(s="c", src="cases c,").split(";")[:2]:
        op.execute(statement)

    op.execute("""
        CREATE TABLE case_search_rows (
          rowid INTEGER PRIMARY KEY,
          org_id VARCHAR(36) NOT NULL,
          case_id VARCHAR(36) NOT NULL,
          UNIQUE (org_id, case_id)
        )""")
    op.execute("""
        CREATE VIRTUAL TABLE case_search USING fts5(
          title, description, content='', tokenize='unicode61 remove_diacritics 0'
        )""")
    new_row, old_row = _ROW.format(s="new"), _ROW.format(s="old")
    op.execute(f"""
        CREATE TRIGGER case_search_insert AFTER INSERT ON cases BEGIN
          INSERT INTO case_search_rows (org_id, case_id) VALUES (new.org_id, new.id);
          INSERT INTO case_search (rowid, title, description)
          VALUES ({new_row}, new.title, new.description);
        END""")
    op.execute(f"""
        CREATE TRIGGER case_search_update AFTER UPDATE OF title, description ON cases
        WHEN old.title IS NOT new.title OR old.description IS NOT new.description
        BEGIN
          INSERT INTO case_search (case_search, rowid, title, description)
          VALUES ('delete', {old_row}, old.title, old.description);
          INSERT INTO case_search (rowid, title, description)
          VALUES ({new_row}, new.title, new.description);
        END""")
    op.execute(f"""
        CREATE TRIGGER case_search_delete AFTER DELETE ON cases BEGIN
          INSERT INTO case_search (case_search, rowid, title, description)
          VALUES ('delete', {old_row}, old.title, old.description);
          DELETE FROM case_search_rows WHERE org_id = old.org_id AND case_id = old.id;
        END""")
    op.execute("""
        INSERT INTO case_search_rows (org_id, case_id)
        SELECT org_id, id FROM cases ORDER BY org_id, created_at""")
    op.execute("""
        INSERT INTO case_search (rowid, title, description)
        SELECT r.rowid, c.title, c.description
        FROM case_search_rows r JOIN cases c ON c.org_id = r.org_id AND c.id = r.case_id""")


def _postgresql() -> None:
    for table, column in (
        ("case_insights", "resource_id"),
        ("case_insights", "ref"),
        ("case_keys", "key"),
    ):
        op.alter_column(table, column, type_=TEXT_C, existing_nullable=False)
    op.execute(f"""
        CREATE FUNCTION case_fields_sync() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP = 'UPDATE' THEN
            IF NEW.attributes IS NOT DISTINCT FROM OLD.attributes
               AND NEW.custom_attributes IS NOT DISTINCT FROM OLD.custom_attributes THEN
              RETURN NULL;
            END IF;
            DELETE FROM case_fields WHERE org_id = OLD.org_id AND case_id = OLD.id;
          END IF;
          {_PG_FIELDS.format(s="NEW", src="")}
          RETURN NULL;
        END $$""")
    op.execute("""
        CREATE TRIGGER case_fields_sync AFTER INSERT OR UPDATE OF attributes, custom_attributes
        ON cases FOR EACH ROW EXECUTE FUNCTION case_fields_sync()""")
    for statement in _PG_FIELDS.format(s="c", src="cases c,").split(";")[:2]:
        op.execute(statement)
    # btree_gin lets one GIN index lead with org_id (a trusted extension: a database owner
    # may create it).
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    for name, col in (("ix_cases_title_tsv", "title"), ("ix_cases_description_tsv", "description")):
        op.execute(f"CREATE INDEX {name} ON cases USING gin (org_id, ({_TSV.format(col=col)}))")


def upgrade() -> None:
    _common()
    if op.get_bind().dialect.name == "sqlite":
        _sqlite()
    else:
        _postgresql()


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in (
            "case_fields_insert",
            "case_fields_update",
            "case_search_insert",
            "case_search_update",
            "case_search_delete",
        ):
            op.execute(f"DROP TRIGGER {trigger}")
        op.execute("DROP TABLE case_search")
        op.execute("DROP TABLE case_search_rows")
    else:
        op.execute("DROP TRIGGER case_fields_sync ON cases")
        op.execute("DROP FUNCTION case_fields_sync()")
        op.execute("DROP INDEX ix_cases_title_tsv")
        op.execute("DROP INDEX ix_cases_description_tsv")
        for table, column in (
            ("case_insights", "resource_id"),
            ("case_insights", "ref"),
            ("case_keys", "key"),
        ):
            op.alter_column(table, column, type_=sa.Text(), existing_nullable=False)
    op.drop_index("ix_case_insights_org_ref", "case_insights")
    op.drop_index("ix_cases_org_modified", "cases")
    op.drop_index("ix_case_insights_org_resource_id", "case_insights")
    for name in (
        "ix_cases_org_status_priority_created",
        "ix_cases_org_assignee_created",
        "ix_cases_org_creator_created",
        "ix_cases_org_type_created",
        "ix_cases_org_archived",
    ):
        op.drop_index(name, "cases")
    op.drop_table("case_fields")
