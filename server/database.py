"""The database engine: built from settings, bound to every table, and the write
transaction that behaves the same on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress

import aiosqlite
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine, PostgresTransaction
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType

# build_engine lives in server.engines (piccolo_conf needs it too); it is imported
# here as well because callers build, bind and open an engine through this module.
from server import engines
from server.engines import bound, build_engine
from server.settings import Settings
from server.sqlite_kept import close_kept_connections, kept_writer

# Piccolo looks its configuration up by module name.
os.environ.setdefault("PICCOLO_CONF", "server.piccolo_conf")


class DatabaseUnreachable(RuntimeError):
    """The configured database cannot be reached; the message is one line."""


def bind_engine(engine: Engine) -> None:
    """Point every table, and Piccolo's own migration bookkeeping, at `engine`;
    Piccolo's machinery finds it through piccolo_conf (server.engines.bind)."""
    from piccolo.apps.migrations.tables import Migration

    from server.tables import ALL_TABLES

    engines.bind(engine)
    for table in (*ALL_TABLES, Migration):
        table._meta.db = engine


async def prepare_sqlite(engine: Engine) -> None:
    """WAL lets readers work while one writer writes; it is a property of the
    file, so setting it once per start-up is enough."""
    if isinstance(engine, SQLiteEngine):
        await engine.run_ddl("PRAGMA journal_mode=WAL")


async def open_engine(engine: Engine, settings: Settings) -> None:
    if isinstance(engine, SQLiteEngine):
        settings.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    await check_reachable(engine)
    if isinstance(engine, PostgresEngine):
        await engine.start_connection_pool(
            min_size=settings.db_pool_min, max_size=settings.db_pool_max
        )
    else:
        await prepare_sqlite(engine)


async def close_engine(engine: Engine) -> None:
    if isinstance(engine, PostgresEngine):
        await engine.close_connection_pool()
    elif isinstance(engine, SQLiteEngine):
        await close_kept_connections(engine)


async def check_reachable(engine: Engine) -> None:
    try:
        await engine.run_ddl("SELECT 1")
    except (OSError, sqlite3.Error) as exc:
        raise DatabaseUnreachable(describe_engine(engine) + f": {exc}") from None
    except Exception as exc:  # asyncpg raises its own hierarchy for auth, db missing, ...
        raise DatabaseUnreachable(
            describe_engine(engine) + f": {type(exc).__name__}: {exc}"
        ) from None


def describe_engine(engine: Engine) -> str:
    if isinstance(engine, PostgresEngine):
        dsn = engine.config.get("dsn", "")
        # Never print a password.
        return "PostgreSQL " + _redact(dsn)
    assert isinstance(engine, SQLiteEngine)  # the only other engine build_engine makes
    return f"SQLite {engine.path}"


def _redact(dsn: str) -> str:
    from urllib.parse import urlparse

    parts = urlparse(dsn)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return parts._replace(netloc=netloc).geturl()
    return dsn


@asynccontextmanager
async def bound_engine(settings: Settings) -> AsyncIterator[Engine]:
    """An engine for `settings`, opened and bound to every table for the block, then
    closed: for commands, and for tests and benchmarks that read the database their
    server processes write. An engine bound before (an application in this process)
    is bound again afterwards."""
    previous = bound()
    engine = build_engine(settings)
    bind_engine(engine)
    await open_engine(engine, settings)
    try:
        yield engine
    finally:
        await close_engine(engine)
        if previous is not None:
            bind_engine(previous)


@asynccontextmanager
async def write_transaction(engine: Engine) -> AsyncIterator[None]:
    """A transaction for writes. On SQLite it takes the write lock at BEGIN
    (IMMEDIATE): a DEFERRED transaction that later upgrades to a write fails with
    'database is locked' instead of waiting its turn. It runs on the process's kept
    write connection (server/sqlite_kept.py); on PostgreSQL, on one from the pool.

    However it ends (committed, rolled back, COMMIT or BEGIN refused, cancelled), its
    connection is let go and the task's transaction cleared. Piccolo's own exit does
    both only after a COMMIT that succeeds: a refused COMMIT left SQLite's transaction
    open, holding the write lock, and PostgreSQL's pool connection taken, until the
    garbage collector happened by, and every write meanwhile failed. Inside another
    write transaction it joins that one, as Piccolo's nesting does."""
    if engine.current_transaction.get() is not None:
        yield
        return
    if isinstance(engine, SQLiteEngine):
        writer = kept_writer(engine)
        async with writer.turn() as connection:
            kept = _OnKeptConnection(engine, connection)

            async def close_if_unclean(clean: bool) -> None:
                # A task started inside the transaction that outlives it still finds
                # the transaction: it must fail, not write into the next writer's.
                del kept.connection
                if not clean:
                    await writer.close()

            async with _ended_either_way(engine, kept, close_if_unclean):
                yield
        return
    assert isinstance(engine, PostgresEngine)  # the only other engine build_engine makes
    pooled = engine.transaction()

    async def give_back(clean: bool) -> None:
        # The pool rolls back anything still open on a connection given back.
        if pooled.engine.pool is not None:
            await pooled.engine.pool.release(pooled.connection)
        else:
            await pooled.connection.close()

    async with _ended_either_way(engine, pooled, give_back):
        yield


class _OnKeptConnection(SQLiteTransaction):
    """Piccolo's SQLite transaction (its queries find the connection through it), on
    the kept connection instead of a new one."""

    __slots__ = ("_kept",)

    def __init__(self, engine: SQLiteEngine, connection: aiosqlite.Connection) -> None:
        super().__init__(engine, transaction_type=TransactionType.immediate)
        self._kept = connection

    async def get_connection(self) -> aiosqlite.Connection:
        return self._kept


@asynccontextmanager
async def _ended_either_way(
    engine: Engine,
    transaction: SQLiteTransaction | PostgresTransaction,
    let_go: Callable[[bool], Awaitable[None]],
) -> AsyncIterator[None]:
    """BEGIN, the block, then COMMIT, or ROLLBACK if the block raised; `let_go` is
    called once however it ends, told whether the connection is clean (False when
    BEGIN, COMMIT or ROLLBACK raised or was cancelled: its state is unknown)."""
    try:
        await transaction.__aenter__()  # takes the connection, BEGIN, sets the task's transaction
    except BaseException:
        if getattr(transaction, "connection", None) is not None:  # unset if never taken
            await let_go(False)
        raise
    clean = False
    try:
        try:
            yield
        except BaseException:
            await transaction.rollback()
            clean = True
            raise
        try:
            await transaction.commit()
        except BaseException:
            # SQLite keeps a transaction whose COMMIT failed open; PostgreSQL has
            # already ended it, and asyncpg refuses a second ending, harmlessly.
            with suppress(Exception):
                await transaction.rollback()
            raise
        clean = True
    finally:
        engine.current_transaction.reset(transaction.context)
        await let_go(clean)
