"""The database engine: built from settings, bound to every table, and the write
transaction that behaves the same on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

# build_engine lives in server.engines (piccolo_conf needs it too); it is imported
# here as well because callers build, bind and open an engine through this module.
from server.engines import build_engine
from server.settings import Settings

# Piccolo looks its configuration up by module name.
os.environ.setdefault("PICCOLO_CONF", "server.piccolo_conf")


class DatabaseUnreachable(RuntimeError):
    """The configured database cannot be reached; the message is one line."""


def bind_engine(engine: Engine) -> None:
    """Point every table, and Piccolo's own migration bookkeeping, at `engine`.

    Piccolo finds its engine through `piccolo_conf.DB`; the app decides the engine
    from settings at run time, so both are set here in one place."""
    from piccolo.apps.migrations.tables import Migration

    # Imported when binding, not with this module: piccolo_conf reads the settings
    # from the environment as it loads, which a caller may not have set up yet.
    from server import piccolo_conf
    from server.tables import ALL_TABLES

    piccolo_conf.DB = engine
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
    server processes write."""
    engine = build_engine(settings)
    bind_engine(engine)
    await open_engine(engine, settings)
    try:
        yield engine
    finally:
        await close_engine(engine)


@asynccontextmanager
async def write_transaction(engine: Engine) -> AsyncIterator[None]:
    """A transaction for writes. On SQLite it takes the write lock at BEGIN
    (IMMEDIATE): a DEFERRED transaction that later upgrades to a write fails with
    'database is locked' instead of waiting its turn."""
    if isinstance(engine, SQLiteEngine):
        async with engine.transaction(transaction_type=TransactionType.immediate):
            yield
    else:
        async with engine.transaction():
            yield


def _transaction_connection(engine: Engine):
    transaction = engine.current_transaction.get()
    if transaction is None:
        raise RuntimeError("this statement runs inside a write transaction")
    return transaction.connection


async def insert_rows(
    engine: Engine, tablename: str, rows: list[dict], computed: dict[str, str] | None = None
) -> None:
    """Insert plain rows on the connection of the transaction in progress, straight
    through the driver: building a statement of a few thousand parameters through
    Piccolo's query strings cost more than the database took to run it. Values are
    what the driver takes (on SQLite, Piccolo's registered adapters convert UUIDs
    and datetimes as they do for its own queries). `computed` adds columns whose
    value is an SQL expression, the same for every row."""
    if not rows:
        return
    connection = _transaction_connection(engine)
    columns = list(rows[0])
    extra = computed or {}
    names = ", ".join(list(extra) + columns)
    if isinstance(engine, SQLiteEngine):
        placeholders = ["?"] * len(columns)
    else:
        placeholders = [f"${k + 1}" for k in range(len(columns))]
    # One short statement for every row: asyncpg prepares it once per connection and
    # sends the rows in one pipelined round trip (a multi-row VALUES text of a few
    # hundred rows is too long for its statement cache, so it was parsed every batch).
    row_sql = ", ".join(list(extra.values()) + placeholders)
    await connection.executemany(
        f"INSERT INTO {tablename} ({names}) VALUES ({row_sql})",
        [tuple(row[c] for c in columns) for row in rows],
    )


async def update_rows(engine: Engine, tablename: str, key: str, rows: list[dict]) -> None:
    """Update each row (a dict holding `key` and the columns to set) by its key, with
    one statement prepared once and run for every row, on the transaction's connection."""
    if not rows:
        return
    connection = _transaction_connection(engine)
    columns = [c for c in rows[0] if c != key]
    if isinstance(engine, SQLiteEngine):
        assignments = ", ".join(f"{c} = ?" for c in columns)
        where = "?"
    else:
        assignments = ", ".join(f"{c} = ${k + 1}" for k, c in enumerate(columns))
        where = f"${len(columns) + 1}"
    await connection.executemany(
        f"UPDATE {tablename} SET {assignments} WHERE {key} = {where}",
        [tuple(row[c] for c in columns) + (row[key],) for row in rows],
    )


async def execute(engine: Engine, postgres_sql: str, sqlite_sql: str, *args) -> None:
    """One statement on the transaction's connection, written once per dialect
    ($1… on PostgreSQL, ? on SQLite)."""
    connection = _transaction_connection(engine)
    if isinstance(engine, SQLiteEngine):
        await connection.execute(sqlite_sql, args)
    else:
        await connection.execute(postgres_sql, *args)


async def fetch_value(engine: Engine, postgres_sql: str, sqlite_sql: str, *args):
    """The first column of the first row of one statement on the transaction's
    connection (None without a row)."""
    connection = _transaction_connection(engine)
    if isinstance(engine, SQLiteEngine):
        async with connection.execute(sqlite_sql, args) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        # Piccolo's connections return rows as dicts.
        return next(iter(row.values())) if isinstance(row, dict) else row[0]
    return await connection.fetchval(postgres_sql, *args)


async def fetch_rows(engine: Engine, postgres_sql: str, sqlite_sql: str, *args) -> list[dict]:
    """Every row of one statement on the transaction's connection, as dicts with the
    values Piccolo's own selects give (its SQLite connections convert declared types)."""
    connection = _transaction_connection(engine)
    if isinstance(engine, SQLiteEngine):
        async with connection.execute(sqlite_sql, args) as cursor:
            return [dict(row) for row in await cursor.fetchall()]
    return [dict(row) for row in await connection.fetch(postgres_sql, *args)]
