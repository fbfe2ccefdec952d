"""The database engine: built from settings, bound to every table, and the write
transaction that behaves the same on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine, PostgresTransaction
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType

# build_engine lives in server.engines (piccolo_conf needs it too); it is imported
# here as well because callers build, bind and open an engine through this module.
from server import engines
from server.engines import bound, build_engine
from server.settings import Settings

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
    'database is locked' instead of waiting its turn.

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
        transaction: SQLiteTransaction | PostgresTransaction = engine.transaction(
            transaction_type=TransactionType.immediate
        )
    else:
        assert isinstance(engine, PostgresEngine)  # the only other engine build_engine makes
        transaction = engine.transaction()
    try:
        await transaction.__aenter__()
    except BaseException:
        await _let_go(transaction)
        raise
    try:
        yield
    except BaseException:
        await _end(engine, transaction, commit=False)
        raise
    await _end(engine, transaction, commit=True)


async def _end(
    engine: Engine, transaction: SQLiteTransaction | PostgresTransaction, *, commit: bool
) -> None:
    try:
        if commit:
            try:
                await transaction.commit()
            except BaseException:
                # SQLite keeps a transaction whose COMMIT failed open; PostgreSQL has
                # already ended it, and asyncpg refuses a second ending, harmlessly.
                with suppress(Exception):
                    await transaction.rollback()
                raise
        else:
            await transaction.rollback()
    finally:
        engine.current_transaction.reset(transaction.context)
        await _let_go(transaction)


async def _let_go(transaction: SQLiteTransaction | PostgresTransaction) -> None:
    """Close the transaction's connection, or give it back to the pool (which rolls
    back anything still open on it)."""
    connection = getattr(transaction, "connection", None)  # unset if never opened
    if connection is None:
        return
    if isinstance(transaction, PostgresTransaction) and transaction.engine.pool:
        await transaction.engine.pool.release(connection)
    else:
        await connection.close()
