"""Create and migrate the schema with Alembic, safely when several processes start at once.

PostgreSQL: the upgrade runs in one transaction holding an advisory lock, so concurrent
starters queue and the later ones find the schema already at head. SQLite: a lock file next
to the database does the same for processes on this host.
"""

from __future__ import annotations

import fcntl
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


async def upgrade(settings: Settings) -> None:
    """Bring the database named by the settings to the newest schema."""
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
