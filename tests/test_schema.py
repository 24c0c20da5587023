"""The Alembic migrations build exactly the schema core/tables.py declares, on both engines
(test_distribution.py checks that the schema distributes by organisation)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from conftest import migrated_pg_database

from opencase.core import migrate
from opencase.core.config import load_settings
from opencase.core.tables import ENGINE_SPECIFIC, metadata


def _described(name: str | None, type_: str, parent_names: object) -> bool:
    """Leave out the search objects only one engine has (core/tables.ENGINE_SPECIFIC)."""
    return not (name and name.startswith(ENGINE_SPECIFIC))


def _context(conn: object) -> MigrationContext:
    return MigrationContext.configure(conn, opts={"include_name": _described})  # type: ignore[arg-type]


def _diff_sqlite(path: Path) -> list[object]:
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        return list(compare_metadata(_context(conn), metadata))


async def _diff_pg(url: str) -> list[object]:
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url.replace("postgresql://", "postgresql+asyncpg://", 1))
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(
                lambda sync: list(compare_metadata(_context(sync), metadata))
            )
    finally:
        await engine.dispose()


def test_migrations_match_tables_on_sqlite(tmp_path: Path) -> None:
    path = tmp_path / "schema.db"
    asyncio.run(migrate.upgrade(load_settings(database_url=f"sqlite:///{path}")))
    assert _diff_sqlite(path) == []


@pytest.mark.postgresql
def test_migrations_match_tables_on_postgresql() -> None:
    with migrated_pg_database() as url:
        assert asyncio.run(_diff_pg(url)) == []


def test_fast_path_sees_the_head_revision(tmp_path: Path) -> None:
    settings = load_settings(database_url=f"sqlite:///{tmp_path / 'head.db'}")
    assert asyncio.run(migrate._current_revision(settings)) is None
    asyncio.run(migrate.upgrade(settings))
    assert asyncio.run(migrate._current_revision(settings)) == migrate.head_revision()
