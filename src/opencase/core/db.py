"""One data layer over two raw drivers: sqlite3 (embedded) and asyncpg (PostgreSQL).

Queries are written once, in PostgreSQL syntax with `$1` placeholders. The SQLite backend
rewrites them (`$1` -> `?1`, drops `FOR UPDATE`) and caches the result.

Values crossing this layer are plain Python: ids are `str` (UUID text), timestamps are `int`
microseconds since the Unix epoch, JSON columns are `str`. PostgreSQL still stores them as
native `uuid`, `timestamptz` and `jsonb`; codecs registered on every connection convert.

SQLite runs inline on the event loop (measured faster than threads or aiosqlite). None of its
methods ever suspends, so a transaction runs start to finish without another request
interleaving: this is what serialises concurrent writers on SQLite. A lock still guards the
connection in case a caller awaits real I/O inside a transaction.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any, Protocol

from opencase.core.config import Settings, sqlite_path

Row = Any  # sqlite3.Row or asyncpg.Record: both index by column name and position


class Connection(Protocol):
    """What the domain SQL modules may call."""

    async def fetch(self, sql: str, *args: Any) -> list[Row]: ...
    async def fetchrow(self, sql: str, *args: Any) -> Row | None: ...
    async def fetchval(self, sql: str, *args: Any) -> Any: ...
    async def execute(self, sql: str, *args: Any) -> int: ...
    async def executemany(self, sql: str, args: Iterable[Sequence[Any]]) -> None: ...


class Database(Protocol):
    engine: str

    def transaction(self) -> Any:
        """Async context manager yielding a Connection inside one read-write transaction."""

    def snapshot(self) -> Any:
        """Async context manager yielding a Connection that sees one consistent snapshot."""

    async def optimize(self, *, full: bool = False) -> None:
        """Refresh the query planner's statistics where the engine leaves that to us (all of
        them when full)."""

    async def close(self) -> None: ...


def placeholders(start: int, count: int) -> str:
    """`$start, $start+1, …` for an IN list of `count` values."""
    return ", ".join(f"${i}" for i in range(start, start + count))


# --------------------------------------------------------------------------- SQLite

_PARAM = re.compile(r"\$(\d+)")
_FOR_UPDATE = re.compile(r"\s+FOR UPDATE(?:\s+OF\s+\w+)?")
_sqlite_sql_cache: dict[str, str] = {}


def to_sqlite(sql: str) -> str:
    """Rewrite a PostgreSQL-style statement for SQLite (cached)."""
    out = _sqlite_sql_cache.get(sql)
    if out is None:
        out = _FOR_UPDATE.sub("", _PARAM.sub(r"?\1", sql))
        if len(_sqlite_sql_cache) < 4096:
            _sqlite_sql_cache[sql] = out
    return out


class SQLiteConnection:
    __slots__ = ("_raw",)

    def __init__(self, raw: sqlite3.Connection) -> None:
        self._raw = raw

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        return self._raw.execute(to_sqlite(sql), args).fetchall()

    async def fetchrow(self, sql: str, *args: Any) -> Row | None:
        row: Row | None = self._raw.execute(to_sqlite(sql), args).fetchone()
        return row

    async def fetchval(self, sql: str, *args: Any) -> Any:
        row = self._raw.execute(to_sqlite(sql), args).fetchone()
        return None if row is None else row[0]

    async def execute(self, sql: str, *args: Any) -> int:
        return self._raw.execute(to_sqlite(sql), args).rowcount

    async def executemany(self, sql: str, args: Iterable[Sequence[Any]]) -> None:
        self._raw.executemany(to_sqlite(sql), args)


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def open_sqlite(path: str, synchronous: str = "FULL") -> sqlite3.Connection:
    """A raw sqlite3 connection with opencase's pragmas (WAL, foreign keys, busy timeout)."""
    raw = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    raw.row_factory = sqlite3.Row
    raw.execute("PRAGMA journal_mode=WAL")
    raw.execute(f"PRAGMA synchronous={synchronous}")
    raw.execute("PRAGMA foreign_keys=ON")
    # Another process (the CLI creating keys) may hold the write lock briefly.
    raw.execute("PRAGMA busy_timeout=5000")
    # 256 MiB of page cache (taken as pages are read): a million cases' indexes stay in it.
    raw.execute("PRAGMA cache_size=-262144")
    raw.execute("PRAGMA temp_store=MEMORY")
    # SQLite's own lower() folds ASCII letters only; PostgreSQL's folds every script.
    raw.create_function("lower", 1, _lower, deterministic=True)
    return raw


_ANALYSIS_LIMIT = 1000  # rows sampled per index by ANALYZE


class SQLiteDatabase:
    engine = "sqlite"

    def __init__(self, path: str, synchronous: str = "FULL") -> None:
        self._raw = open_sqlite(path, synchronous)
        self._conn = SQLiteConnection(self._raw)
        self._lock = asyncio.Lock()
        self._raw.execute(f"PRAGMA analysis_limit={_ANALYSIS_LIMIT}")

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        async with self._lock:
            # IMMEDIATE takes the write lock up front, so a transaction never fails half-way
            # on a lock upgrade when another process (the CLI) writes at the same time.
            self._raw.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._raw.execute("ROLLBACK")
                raise
            self._raw.execute("COMMIT")

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[Connection]:
        async with self._lock:
            self._raw.execute("BEGIN")
            try:
                yield self._conn
            finally:
                self._raw.execute("COMMIT")

    async def optimize(self, *, full: bool = False) -> None:
        # Without statistics SQLite takes `org_id = ?` for a handful of rows and scans a whole
        # organisation in date order rather than look up the few cases a query names. The
        # server analyses at start (sampled: about 2 s at a million cases, cold), then lets
        # SQLite re-analyse the tables it queried whose size changed a lot.
        async with self._lock:
            self._raw.execute("ANALYZE" if full else "PRAGMA optimize")

    async def close(self) -> None:
        self._raw.close()


# --------------------------------------------------------------------------- PostgreSQL

# timestamptz travels as microseconds since 2000-01-01 in asyncpg's tuple format.
_PG_EPOCH_OFFSET_US = 946_684_800_000_000


async def set_timestamp_codec(conn: Any) -> None:
    """timestamptz as int microseconds since the Unix epoch (binary: COPY can use it too)."""
    await conn.set_type_codec(
        "timestamptz",
        schema="pg_catalog",
        encoder=lambda us: (us - _PG_EPOCH_OFFSET_US,),
        decoder=lambda t: t[0] + _PG_EPOCH_OFFSET_US,
        format="tuple",
    )


async def _init_pg_connection(conn: Any) -> None:
    await conn.set_type_codec("uuid", schema="pg_catalog", encoder=str, decoder=str, format="text")
    await set_timestamp_codec(conn)


class PGConnection:
    """asyncpg connection with the Connection signatures (execute returns a row count)."""

    __slots__ = ("_raw", "fetch", "fetchrow", "fetchval")

    def __init__(self, raw: Any) -> None:
        self._raw = raw
        self.fetch = raw.fetch
        self.fetchrow = raw.fetchrow
        self.fetchval = raw.fetchval

    async def execute(self, sql: str, *args: Any) -> int:
        status: str = await self._raw.execute(sql, *args)
        tail = status.rsplit(" ", 1)[-1]
        return int(tail) if tail.isdigit() else 0

    async def executemany(self, sql: str, args: Iterable[Sequence[Any]]) -> None:
        await self._raw.executemany(sql, args)


class PostgresDatabase:
    engine = "postgresql"

    def __init__(self, pool: Any) -> None:
        self._pool = pool

    @classmethod
    async def connect(cls, url: str, pool_size: int) -> PostgresDatabase:
        import asyncpg

        pool = await asyncpg.create_pool(
            url, min_size=1, max_size=pool_size, init=_init_pg_connection
        )
        return cls(pool)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        async with self._pool.acquire() as raw, raw.transaction():
            yield PGConnection(raw)

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[Connection]:
        async with (
            self._pool.acquire() as raw,
            raw.transaction(isolation="repeatable_read", readonly=True),
        ):
            yield PGConnection(raw)

    async def optimize(self, *, full: bool = False) -> None:
        """Nothing: autovacuum keeps PostgreSQL's statistics."""

    async def close(self) -> None:
        await self._pool.close()


async def connect(settings: Settings) -> Database:
    """Open the database named by the settings (the schema must already be migrated)."""
    if settings.engine == "postgresql":
        return await PostgresDatabase.connect(settings.database_url, settings.db_pool_size)
    return SQLiteDatabase(sqlite_path(settings.database_url), settings.sqlite_synchronous)


def is_unique_violation(exc: BaseException) -> bool:
    """True when a write failed on a UNIQUE or PRIMARY KEY constraint, on either engine."""
    if isinstance(exc, sqlite3.IntegrityError):
        return "UNIQUE" in str(exc)
    return type(exc).__name__ == "UniqueViolationError"
