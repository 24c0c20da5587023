"""One data layer over two raw drivers: sqlite3 (embedded) and asyncpg (PostgreSQL).

Queries are written once, in PostgreSQL syntax with `$1` placeholders. The SQLite backend
rewrites them (`$1` -> `?1`, drops `FOR UPDATE`) and caches the result.

Values crossing this layer are plain Python: ids are `str` (UUID text), timestamps are `int`
microseconds since the Unix epoch, JSON columns are `str`. PostgreSQL still stores them as
native `uuid`, `timestamptz` and `jsonb`; codecs registered on every connection convert.

SQLite statements run inline on the event loop (measured faster than threads or aiosqlite);
only the COMMIT, which concurrent writers share (group commit), runs in a thread. A lock on
the writer connection serialises the writers.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import time
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
    async def insert_rows(
        self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> None: ...


class Database(Protocol):
    engine: str
    optimize_every: float

    def transaction(self) -> Any:
        """Async context manager yielding a Connection inside one read-write transaction."""

    def snapshot(self) -> Any:
        """Async context manager yielding a Connection that sees one consistent snapshot."""

    async def optimize(self, *, full: bool = False) -> None:
        """Refresh the query planner's statistics where the engine leaves that to us (all of
        them when full)."""

    def pool_stats(self) -> dict[str, int]:
        """Connections: `open`, `in_use` and `max` (for the metrics)."""

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


class _Deadline:
    """A statement timeout for SQLite's reader, whose statements run inline on the event loop:
    the progress handler (called every few thousand VM steps) interrupts a statement running
    past its deadline ("interrupted"). Armed only around the domain's statements."""

    __slots__ = ("at", "seconds")

    def __init__(self, raw: sqlite3.Connection, timeout_ms: int) -> None:
        self.seconds = timeout_ms / 1000
        self.at = 0.0
        if timeout_ms > 0:
            raw.set_progress_handler(self._past, 4096)

    def _past(self) -> bool:
        return self.at != 0.0 and time.monotonic() > self.at


class SQLiteConnection:
    __slots__ = ("_deadline", "_raw")

    def __init__(self, raw: sqlite3.Connection, timeout_ms: int = 0) -> None:
        self._raw = raw
        self._deadline = _Deadline(raw, timeout_ms) if timeout_ms > 0 else None

    def _run(self, sql: str, args: Sequence[Any]) -> sqlite3.Cursor:
        if self._deadline is None:
            return self._raw.execute(to_sqlite(sql), args)
        self._deadline.at = time.monotonic() + self._deadline.seconds
        return self._raw.execute(to_sqlite(sql), args)

    def _done(self) -> None:
        if self._deadline is not None:
            self._deadline.at = 0.0

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        try:
            return self._run(sql, args).fetchall()
        finally:
            self._done()

    async def fetchrow(self, sql: str, *args: Any) -> Row | None:
        try:
            row: Row | None = self._run(sql, args).fetchone()
        finally:
            self._done()
        return row

    async def fetchval(self, sql: str, *args: Any) -> Any:
        try:
            row = self._run(sql, args).fetchone()
        finally:
            self._done()
        return None if row is None else row[0]

    async def execute(self, sql: str, *args: Any) -> int:
        try:
            return self._run(sql, args).rowcount
        finally:
            self._done()

    async def executemany(self, sql: str, args: Iterable[Sequence[Any]]) -> None:
        self._raw.executemany(to_sqlite(sql), args)

    async def insert_rows(
        self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> None:
        """Insert many rows (bulk import): one prepared INSERT run for each."""
        marks = ", ".join("?" * len(columns))
        self._raw.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


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
    """SQLite with group commit: concurrent write transactions share one COMMIT (one fsync).

    Each `transaction()` runs in a SAVEPOINT of a batch transaction held open on the writer
    connection: a failing one rolls back only itself. A batch commits as soon as the requests
    already waiting for the writer have had their turn (a lone request waits for nothing but
    its own COMMIT). When other transactions wait, the COMMIT (the fsync) runs in a thread,
    so the event loop goes on serving them; a transaction returns only when the
    COMMIT that covers it has, so a 2xx still means durable. Reads use a second connection
    and see committed data only.

    The batch is bounded by the writer lock's queue, which is first come first served: the
    COMMIT queues for the lock when the batch opens, so the transactions already waiting
    join it and later ones form the next batch.
    """

    engine = "sqlite"
    optimize_every = 600.0  # seconds between optimize() calls while serving (app.py)

    def __init__(self, path: str, synchronous: str = "FULL", statement_timeout_ms: int = 0) -> None:
        self._raw = open_sqlite(path, synchronous)
        # The timeout bounds reads only: interrupting a write would abort the whole group-commit
        # transaction that other requests share, and a write's size is bounded by its request.
        self._conn = SQLiteConnection(self._raw)
        self._lock = asyncio.Lock()  # the writer connection
        self._raw.execute(f"PRAGMA analysis_limit={_ANALYSIS_LIMIT}")
        self._reader = open_sqlite(path, synchronous)
        self._reader_conn = SQLiteConnection(self._reader, statement_timeout_ms)
        self._read_lock = asyncio.Lock()
        self._batch: asyncio.Future[None] | None = None  # the open batch's COMMIT
        self._committer: asyncio.Task[None] | None = None  # held so the task is not collected
        self._waiting = 0  # transactions waiting for the writer
        self._batch_size = 0
        self._fewest_tasks = 1 << 30  # the fewest tasks seen running a transaction

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        self._waiting += 1
        try:
            await self._lock.acquire()
        finally:
            self._waiting -= 1
        try:
            if self._batch is None and not self._waiting and self._alone():
                # Nothing to share a COMMIT with: the plain transaction costs least.
                self._raw.execute("BEGIN IMMEDIATE")
                try:
                    yield self._conn
                except BaseException:
                    self._raw.execute("ROLLBACK")
                    raise
                self._raw.execute("COMMIT")
                return
            if self._batch is None:
                # IMMEDIATE takes the write lock up front, so a batch never fails half-way on
                # a lock upgrade when another process (the CLI) writes at the same time.
                self._raw.execute("BEGIN IMMEDIATE")
                self._batch = asyncio.get_running_loop().create_future()
                self._batch_size = 0
                self._committer = asyncio.create_task(self._commit(self._batch))
            batch = self._batch
            self._raw.execute("SAVEPOINT request")
            try:
                yield self._conn
            except BaseException:
                self._raw.execute("ROLLBACK TO request")
                self._raw.execute("RELEASE request")
                raise
            self._raw.execute("RELEASE request")
            self._batch_size += 1
        finally:
            self._lock.release()
        await asyncio.shield(batch)

    def _alone(self) -> bool:
        """Whether this is the only request being served (no other task than at the quietest
        moment seen): then no other transaction can join a batch soon."""
        tasks = len(asyncio.all_tasks())
        self._fewest_tasks = min(self._fewest_tasks, tasks)
        return tasks <= self._fewest_tasks

    async def _commit(self, batch: asyncio.Future[None]) -> None:
        async with self._lock:
            self._batch = None
            try:
                if self._waiting or self._batch_size > 1:  # the loop serves others meanwhile
                    await asyncio.to_thread(self._raw.execute, "COMMIT")
                else:  # alone: the hand-off (~120 µs of CPU here) would only add latency
                    self._raw.execute("COMMIT")
            except Exception as exc:  # every transaction of the batch fails with it
                if self._raw.in_transaction:
                    self._raw.execute("ROLLBACK")
                batch.set_exception(exc)
                batch.exception()  # retrieved: the waiters raise it, not the event loop
            else:
                batch.set_result(None)

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[Connection]:
        async with self._read_lock:
            self._reader.execute("BEGIN")
            try:
                yield self._reader_conn
            finally:
                self._reader.execute("COMMIT")

    async def optimize(self, *, full: bool = False) -> None:
        # Without statistics SQLite takes `org_id = ?` for a handful of rows and scans a whole
        # organisation in date order rather than look up the few cases a query names. The
        # server analyses at start (sampled: about 2 s at a million cases, cold), then lets
        # SQLite re-analyse the tables it queried whose size changed a lot.
        async with self._lock:
            await self._idle()
            self._raw.execute("ANALYZE" if full else "PRAGMA optimize")

    def pool_stats(self) -> dict[str, int]:
        in_use = int(self._lock.locked()) + int(self._read_lock.locked())
        return {"open": 2, "in_use": in_use, "max": 2}

    async def _idle(self) -> None:
        """Wait (holding the writer) until no batch is open."""
        while self._batch is not None:
            batch = self._batch
            self._lock.release()
            try:
                await asyncio.shield(batch)
            finally:
                await self._lock.acquire()

    async def close(self) -> None:
        async with self._lock:
            await self._idle()
        self._reader.close()
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


async def _set_uuid_codec(conn: Any) -> None:
    await conn.set_type_codec("uuid", schema="pg_catalog", encoder=str, decoder=str, format="text")


async def _init_pg_connection(conn: Any) -> None:
    await _set_uuid_codec(conn)
    await set_timestamp_codec(conn)


async def _keep_session(conn: Any) -> None:
    """Nothing to reset when a connection goes back to the pool: opencase never changes
    session state (settings, advisory locks, LISTEN, cursors), and asyncpg still rolls back
    an open transaction. Its default reset would cost every request one more exchange."""


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

    async def insert_rows(
        self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> None:
        """Insert many rows (bulk import) with COPY: one exchange, no per-row statement.

        COPY speaks binary only, and our uuid codec is text (ids stay str, cheaply): asyncpg's
        own binary uuid codec (which takes str too) stands in for the COPY."""
        raw = self._raw
        await raw.reset_type_codec("uuid", schema="pg_catalog")
        try:
            await raw.copy_records_to_table(table, records=rows, columns=list(columns))
        finally:
            await _set_uuid_codec(raw)


_GROWN_TABLES = """
SELECT relname FROM pg_stat_user_tables
WHERE schemaname = current_schema() AND n_mod_since_analyze >= greatest(500, n_live_tup / 2)
"""


class PostgresDatabase:
    engine = "postgresql"
    # Seconds between optimize() calls while serving (app.py): often, because a table that
    # grows by thousands of rows a second (a fresh database filling up) must not keep plans
    # made at a tenth of its size for long; a call that finds nothing grown is one catalog
    # query. Autovacuum looks once a minute and only after 10% of changes.
    optimize_every = 2.0

    def __init__(self, pool: Any) -> None:
        self._pool = pool

    @classmethod
    async def connect(
        cls, url: str, pool_size: int, statement_timeout_ms: int = 0
    ) -> PostgresDatabase:
        import asyncpg

        server_settings = {"statement_timeout": str(statement_timeout_ms)}
        pool = await asyncpg.create_pool(
            url,
            min_size=1,
            max_size=pool_size,
            init=_init_pg_connection,
            reset=_keep_session,
            server_settings=server_settings if statement_timeout_ms > 0 else None,
        )
        return cls(pool)

    def pool_stats(self) -> dict[str, int]:
        size = self._pool.get_size()
        return {
            "open": size,
            "in_use": size - self._pool.get_idle_size(),
            "max": self._pool.get_max_size(),
        }

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        async with self._pool.acquire() as raw, raw.transaction():
            yield PGConnection(raw)

    @asynccontextmanager
    async def autocommit(self) -> AsyncIterator[Connection]:
        """A connection outside any transaction: each statement commits on its own, so a write
        done in one statement is one exchange with PostgreSQL instead of BEGIN … COMMIT."""
        async with self._pool.acquire() as raw:
            yield PGConnection(raw)

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[Connection]:
        async with (
            self._pool.acquire() as raw,
            raw.transaction(isolation="repeatable_read", readonly=True),
        ):
            yield PGConnection(raw)

    async def optimize(self, *, full: bool = False) -> None:
        """ANALYZE the tables that at least doubled (or changed by half) since their last
        statistics. Autovacuum keeps big tables' statistics, but plans made while a table was
        small outlive its growth: a backend keeps the plan of each foreign-key check, and one
        made on an almost empty `cases` scans it for every inserted key, insight and event (a
        PUT cost PostgreSQL 5 ms instead of 0.6 at 4,000 cases; POSTs ran at 450-550 req/s
        instead of 1,000-1,150, depending on when autovacuum had looked). Fresh statistics
        replace those plans in every backend. Cheap when nothing grew: one catalog query."""
        async with self._pool.acquire() as raw:
            for table in await raw.fetch(_GROWN_TABLES):
                await raw.execute(f'ANALYZE "{table["relname"]}"')

    async def close(self) -> None:
        await self._pool.close()


async def connect(settings: Settings, *, statement_timeout_ms: int = 0) -> Database:
    """Open the database named by the settings (the schema must already be migrated).
    The server passes its statement timeout; the command line runs unbounded."""
    if settings.engine == "postgresql":
        return await PostgresDatabase.connect(
            settings.database_url, settings.db_pool_size, statement_timeout_ms
        )
    return SQLiteDatabase(
        sqlite_path(settings.database_url), settings.sqlite_synchronous, statement_timeout_ms
    )


def is_unique_violation(exc: BaseException) -> bool:
    """True when a write failed on a UNIQUE or PRIMARY KEY constraint, on either engine."""
    if isinstance(exc, sqlite3.IntegrityError):
        return "UNIQUE" in str(exc)
    return type(exc).__name__ == "UniqueViolationError"


def is_statement_timeout(exc: BaseException) -> bool:
    """True when the statement timeout cancelled a statement, on either engine."""
    if isinstance(exc, sqlite3.OperationalError):
        return str(exc) == "interrupted"
    return type(exc).__name__ == "QueryCanceledError"
