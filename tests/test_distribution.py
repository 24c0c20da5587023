"""The schema stays distributable by organisation (Citus): checked on the table metadata, on
the catalogue of a migrated PostgreSQL database (which also holds the migration-only search
indexes), and against the SQL the README and `opencase db citus` give an operator.

The rules, for a table distributed by `org_id`: its primary key, every unique constraint and
every index lead with `org_id`; every foreign key either targets a reference table or joins
`org_id` to `org_id` (so it never crosses organisations, and Citus can check it on one node).
A reference table (copied whole to every node) may only point at other reference tables.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest
import sqlalchemy as sa
from conftest import migrated_pg_database

from opencase.core import citus
from opencase.core.tables import metadata

README = Path(__file__).resolve().parents[1] / "README.md"
# sign_in_failures: keyed by an email hash before any organisation is known (account/sessions.py).
REFERENCE_TABLES = {"orgs", "users", "api_keys", "app_keys", "sign_in_failures"}


def metadata_violations(md: sa.MetaData) -> list[str]:
    """Every way a table of `md` would keep it from being distributed by organisation."""
    reference = {t.name for t in md.tables.values() if t.info.get("citus") == "reference"}
    out: list[str] = []
    for table in md.tables.values():
        if table.name in reference:
            out += [
                f"{table.name}: reference table points at distributed {fk.referred_table.name}"
                for fk in table.foreign_key_constraints
                if fk.referred_table.name not in reference
            ]
            continue
        if "org_id" not in table.c:
            out.append(f"{table.name}: no org_id column")
            continue
        keys = [("primary key", list(table.primary_key.columns.keys()))]
        keys += [
            (f"unique {c.name}", list(c.columns.keys()))
            for c in table.constraints
            if isinstance(c, sa.UniqueConstraint)
        ]
        keys += [(f"index {i.name}", [col.name for col in i.columns]) for i in table.indexes]
        out += [
            f"{table.name}: {what} leads with {cols[:1]}"
            for what, cols in keys
            if cols[:1] != ["org_id"]
        ]
        for fk in table.foreign_key_constraints:
            target = fk.referred_table.name
            pairs = {(e.parent.name, e.column.name) for e in fk.elements}
            if target not in reference and ("org_id", "org_id") not in pairs:
                out.append(f"{table.name}: foreign key to {target} does not join org_id")
    return out


def test_the_schema_is_distributable_by_organisation() -> None:
    assert metadata_violations(metadata) == []


def test_reference_tables_are_the_small_global_ones() -> None:
    assert {t for t in metadata.tables if citus.is_reference(t)} == REFERENCE_TABLES


def _table(md: sa.MetaData, name: str, *args: sa.SchemaItem, **kw: object) -> sa.Table:
    return sa.Table(name, md, sa.Column("org_id", sa.Text), sa.Column("id", sa.Text), *args, **kw)


@pytest.mark.parametrize(
    ("build", "complaint"),
    [
        (lambda md: _table(md, "t", sa.PrimaryKeyConstraint("id", "org_id")), "primary key"),
        (
            lambda md: _table(
                md, "t", sa.PrimaryKeyConstraint("org_id", "id"), sa.Index("ix", "id")
            ),
            "index ix",
        ),
        (
            lambda md: _table(
                md,
                "t",
                sa.PrimaryKeyConstraint("org_id", "id"),
                sa.UniqueConstraint("id", name="u"),
            ),
            "unique u",
        ),
        (
            lambda md: (
                _table(md, "a", sa.PrimaryKeyConstraint("org_id", "id")),
                _table(
                    md,
                    "b",
                    sa.Column("a_id", sa.Text),
                    sa.PrimaryKeyConstraint("org_id", "id"),
                    sa.ForeignKeyConstraint(["a_id"], ["a.id"]),
                ),
            ),
            "foreign key to a",
        ),
        (
            lambda md: (
                _table(md, "a", sa.PrimaryKeyConstraint("org_id", "id")),
                _table(
                    md,
                    "r",
                    sa.PrimaryKeyConstraint("org_id", "id"),
                    sa.ForeignKeyConstraint(["org_id", "id"], ["a.org_id", "a.id"]),
                    info={"citus": "reference"},
                ),
            ),
            "reference table points at distributed a",
        ),
        (lambda md: sa.Table("t", md, sa.Column("id", sa.Text, primary_key=True)), "no org_id"),
    ],
)
def test_the_checker_catches_each_kind_of_breach(build: object, complaint: str) -> None:
    md = sa.MetaData()
    build(md)  # type: ignore[operator]
    found = metadata_violations(md)
    assert len(found) == 1 and complaint in found[0], found


def test_readme_and_cli_give_the_same_statements() -> None:
    expected = citus.statements()
    out = subprocess.run(
        [sys.executable, "-m", "opencase", "db", "citus"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert out == expected
    block = re.search(r"```sql\n(-- opencase db citus\n.*?)```", README.read_text(), re.S)
    assert block, "the README's Citus section lost its SQL block"
    documented = [ln for ln in block.group(1).splitlines() if ln.startswith("SELECT")]
    assert documented == expected
    # Every table is named once, and reference tables come before the tables pointing at them.
    named = [re.search(r"'(\w+)'", s).group(1) for s in expected]  # type: ignore[union-attr]
    assert sorted(named) == sorted(metadata.tables)
    assert named[: len(REFERENCE_TABLES)] == [t for t in named if t in REFERENCE_TABLES]


_INDEXES = """
SELECT t.relname AS tbl, i.relname AS idx, a.attname AS first_col
FROM pg_index x
JOIN pg_class t ON t.oid = x.indrelid
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = x.indkey[0]
WHERE n.nspname = 'public' AND t.relkind = 'r'
"""
_FOREIGN_KEYS = """
SELECT c.conname, t.relname AS tbl, f.relname AS target,
       ARRAY(SELECT a.attname || '=' || b.attname
             FROM unnest(c.conkey, c.confkey) AS k(l, r)
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.l
             JOIN pg_attribute b ON b.attrelid = c.confrelid AND b.attnum = k.r) AS pairs
FROM pg_constraint c
JOIN pg_class t ON t.oid = c.conrelid
JOIN pg_class f ON f.oid = c.confrelid
WHERE c.contype = 'f'
"""


async def _catalogue_violations(url: str) -> list[str]:
    conn = await asyncpg.connect(url)
    try:
        out = []
        for row in await conn.fetch(_INDEXES):
            if row["tbl"] in REFERENCE_TABLES or row["tbl"] == "alembic_version":
                continue
            if row["first_col"] != "org_id":
                out.append(f"{row['tbl']}: index {row['idx']} leads with {row['first_col']}")
        for row in await conn.fetch(_FOREIGN_KEYS):
            if row["tbl"] in REFERENCE_TABLES:
                if row["target"] not in REFERENCE_TABLES:
                    out.append(f"{row['tbl']}: reference table points at {row['target']}")
            elif row["target"] not in REFERENCE_TABLES and "org_id=org_id" not in row["pairs"]:
                out.append(f"{row['tbl']}: {row['conname']} does not join org_id")
        return out
    finally:
        await conn.close()


@pytest.mark.postgresql
def test_the_migrated_postgresql_schema_is_distributable() -> None:
    with migrated_pg_database() as url:
        assert asyncio.run(_catalogue_violations(url)) == []
