"""Create and migrate the schema with Alembic, safely when several processes start at once.

PostgreSQL: the upgrade runs in one transaction holding an advisory lock, so concurrent
starters queue and the later ones find the schema already at head. SQLite: a lock file next
to the database does the same for processes on this host.

Importing SQLAlchemy and Alembic costs about half a second of CPU, so every start first asks
the database, through the raw driver, whether it is already at the newest revision.
"""

from __future__ import annotations

import fcntl
import re
import sqlite3
from functools import cache
from pathlib import Path
from typing import Any

from opencase.core.config import Settings, sqlite_path

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
_ADVISORY_LOCK_ID = 0x0C45E  # any constant shared by every opencase process


def _alembic_config(connection: Any) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def _upgrade_on(connection: Any) -> None:
    from alembic import command

    command.upgrade(_alembic_config(connection), "head")


@cache
def head_revision() -> str:
    """The newest revision: the one no other migration names as its `down_revision`."""
    revisions, parents = set(), set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        text = path.read_text()
        if m := re.search(r'^revision: str = "([^"]+)"', text, re.M):
            revisions.add(m[1])
        if m := re.search(r'^down_revision: str \| None = "([^"]+)"', text, re.M):
            parents.add(m[1])
    heads = revisions - parents
    if len(heads) != 1:
        raise RuntimeError(f"migrations must have exactly one head, found {sorted(heads)}")
    return heads.pop()


async def _current_revision(settings: Settings) -> str | None:
    """The database's revision, or None when it has no schema yet (or cannot say)."""
    query = "SELECT version_num FROM alembic_version"
    try:
        if settings.engine == "sqlite":
            path = sqlite_path(settings.database_url)
            if not Path(path).exists():
                return None
            conn = sqlite3.connect(path)
            try:
                row = conn.execute(query).fetchone()
            finally:
                conn.close()
            return None if row is None else str(row[0])
        import asyncpg

        pg = await asyncpg.connect(settings.database_url)
        try:
            value = await pg.fetchval(query)
        finally:
            await pg.close()
        return None if value is None else str(value)
    except (sqlite3.Error, OSError) as exc:
        if isinstance(exc, sqlite3.OperationalError) and "no such table" not in str(exc):
            raise
        return None
    except Exception as exc:
        if type(exc).__name__ == "UndefinedTableError":
            return None
        raise


async def upgrade(settings: Settings) -> None:
    """Bring the database named by the settings to the newest schema."""
    if await _current_revision(settings) == head_revision():
        return
    import sqlalchemy as sa

    if settings.engine == "sqlite":
        path = sqlite_path(settings.database_url)
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        with open(f"{path}.migrate.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            sync_engine = sa.create_engine(f"sqlite:///{path}")
            try:
                with sync_engine.begin() as conn:
                    _upgrade_on(conn)
            finally:
                sync_engine.dispose()
        return

    from sqlalchemy.ext.asyncio import create_async_engine

    url = settings.database_url.replace("postgres://", "postgresql://", 1)
    engine = create_async_engine(url.replace("postgresql://", "postgresql+asyncpg://", 1))
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.text(f"SELECT pg_advisory_xact_lock({_ADVISORY_LOCK_ID})"))
            await conn.run_sync(_upgrade_on)
    finally:
        await engine.dispose()
