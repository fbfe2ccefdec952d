"""A write transaction lets its connection go however it ends.

Piccolo's own exit releases the connection and clears the task's transaction only
after a COMMIT that succeeds. When COMMIT is refused, SQLite keeps the transaction open
(holding the write lock), and PostgreSQL's pool keeps the connection taken, until the
garbage collector happens by. Every write after that waits out its busy timeout, or
waits for a pool connection, and answers 500: a phone would resend the same batch
into the same wall."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

from server.database import close_engine, write_transaction
from tests.support import databases as dbs

# Short, so a test that finds the lock held fails in a fraction of a second.
BUSY_TIMEOUT = 0.3


def _sqlite_file(tmp_path: Path) -> Path:
    """A database in rollback-journal mode, where COMMIT needs every reader gone: a
    reader that stays makes COMMIT fail with 'database is locked' after the busy
    timeout, a real refusal of COMMIT that leaves SQLite's transaction open."""
    path = tmp_path / "commit.sqlite"
    with sqlite3.connect(path) as setup:
        setup.execute("PRAGMA journal_mode=DELETE")
        setup.execute("CREATE TABLE note (body TEXT NOT NULL)")
    return path


async def _sqlite_notes(engine: SQLiteEngine) -> list[str]:
    rows = await engine.run_ddl("SELECT body FROM note ORDER BY body")
    return [row["body"] for row in rows]


async def test_sqlite_a_refused_commit_leaves_no_lock_held(tmp_path: Path) -> None:
    engine = SQLiteEngine(path=str(_sqlite_file(tmp_path)), timeout=BUSY_TIMEOUT)
    reader = sqlite3.connect(tmp_path / "commit.sqlite", timeout=BUSY_TIMEOUT)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM note").fetchall()  # holds a shared lock

    with pytest.raises(sqlite3.OperationalError, match="locked") as refused:
        async with write_transaction(engine):
            await engine.run_ddl("INSERT INTO note (body) VALUES ('refused')")
    reader.rollback()
    reader.close()

    # The failure is still referenced (as a logger or an error handler would hold it),
    # and the next writer starts at once and does not see the refused row.
    assert refused.value is not None
    assert engine.current_transaction.get() is None
    async with write_transaction(engine):
        await engine.run_ddl("INSERT INTO note (body) VALUES ('next')")
    assert await _sqlite_notes(engine) == ["next"]


async def test_sqlite_a_refused_begin_leaves_no_connection_open(tmp_path: Path) -> None:
    engine = SQLiteEngine(path=str(_sqlite_file(tmp_path)), timeout=BUSY_TIMEOUT)
    holder = sqlite3.connect(tmp_path / "commit.sqlite", timeout=BUSY_TIMEOUT)
    holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    threads_before = threading.active_count()

    with pytest.raises(sqlite3.OperationalError, match="locked") as refused:
        async with write_transaction(engine):
            pytest.fail("the body ran without the write lock")
    holder.rollback()
    holder.close()

    # Each aiosqlite connection runs a thread until it is closed.
    assert refused.value is not None
    assert await _threads_settle_at_most(threads_before)
    assert engine.current_transaction.get() is None


async def test_sqlite_a_failing_body_rolls_back_and_the_connection_serves_the_next(
    tmp_path: Path,
) -> None:
    engine = SQLiteEngine(path=str(_sqlite_file(tmp_path)), timeout=BUSY_TIMEOUT)
    with pytest.raises(RuntimeError, match="typed wrong"):
        async with write_transaction(engine):
            await engine.run_ddl("INSERT INTO note (body) VALUES ('rolled back')")
            raise RuntimeError("typed wrong")
    threads_after_first = threading.active_count()
    async with write_transaction(engine):
        await engine.run_ddl("INSERT INTO note (body) VALUES ('kept')")
    assert threading.active_count() == threads_after_first
    assert await _sqlite_notes(engine) == ["kept"]
    await close_engine(engine)
    assert await _threads_settle_at_most(threads_after_first - 1)


async def _threads_settle_at_most(count: int) -> bool:
    """Whether the thread count comes down to `count` or fewer: a closed aiosqlite connection's
    thread ends just after close() returns."""
    for _ in range(200):
        if threading.active_count() <= count:
            return True
        await asyncio.sleep(0.01)
    return threading.active_count() <= count


async def test_a_nested_write_transaction_joins_the_outer_one(tmp_path: Path) -> None:
    engine = SQLiteEngine(path=str(_sqlite_file(tmp_path)), timeout=BUSY_TIMEOUT)
    with pytest.raises(RuntimeError):
        async with write_transaction(engine):
            async with write_transaction(engine):
                await engine.run_ddl("INSERT INTO note (body) VALUES ('inner')")
            raise RuntimeError("the outer one fails")
    assert await _sqlite_notes(engine) == []


@pytest.fixture
async def postgres_one_connection(postgres_database: str):
    """A pool of one connection: a connection left taken stops every later write."""
    engine = PostgresEngine(config={"dsn": dbs.pg_url(postgres_database)}, extensions=())
    await engine.start_connection_pool(min_size=1, max_size=1)
    try:
        yield engine
    finally:
        await engine.close_connection_pool()


async def test_postgres_a_refused_commit_gives_the_connection_back(
    postgres_one_connection: PostgresEngine,
) -> None:
    engine = postgres_one_connection
    assert engine.pool is not None
    # A deferred unique constraint is checked at COMMIT, which PostgreSQL refuses.
    with pytest.raises(Exception, match="duplicate key") as refused:
        async with write_transaction(engine):
            await engine.run_ddl(
                "CREATE TEMP TABLE once (n int UNIQUE DEFERRABLE INITIALLY DEFERRED) ON COMMIT DROP"
            )
            await engine.run_ddl("INSERT INTO once VALUES (1), (1)")

    assert refused.value is not None
    assert engine.current_transaction.get() is None
    assert engine.pool.get_idle_size() == engine.pool.get_size() == 1
    async with write_transaction(engine):
        rows = await engine.run_ddl("SELECT to_regclass('pg_temp.once') IS NULL AS gone")
    assert [dict(row) for row in rows] == [{"gone": True}]
