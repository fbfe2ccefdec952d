"""server/outages.py tells passing outages (disk full, database gone) from bugs,
on errors raised by the real libraries."""

from __future__ import annotations

import asyncio
import errno
import os
import sqlite3
from pathlib import Path

import asyncpg
import pytest

from harness.server_process import free_port
from server.outages import (
    database_unavailable,
    storage_full,
    transactions_crossed,
    unstorable_input,
)
from tests.support.databases import pg_url


def test_disk_full_and_file_size_limit_are_storage_full() -> None:
    assert storage_full(OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)))
    assert storage_full(OSError(errno.EFBIG, os.strerror(errno.EFBIG)))
    assert storage_full(sqlite3.OperationalError("database or disk is full"))
    assert not storage_full(FileNotFoundError(errno.ENOENT, "gone"))
    assert not storage_full(ValueError("disk is full"))


async def test_refused_connection_to_postgres_is_database_unavailable() -> None:
    with pytest.raises(Exception) as caught:
        await asyncpg.connect(f"postgresql://postgres@127.0.0.1:{free_port()}/x", timeout=5)
    assert database_unavailable(caught.value)
    assert not storage_full(caught.value)


def test_sqlite_locked_is_unavailable_and_other_errors_are_bugs(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    holder = sqlite3.connect(path)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN IMMEDIATE")
    other = sqlite3.connect(path, timeout=0)
    with pytest.raises(sqlite3.OperationalError) as caught:
        other.execute("BEGIN IMMEDIATE")
    assert database_unavailable(caught.value)
    with pytest.raises(sqlite3.OperationalError) as caught:
        other.execute("SELECT * FROM missing")
    assert not database_unavailable(caught.value) and not storage_full(caught.value)
    assert not database_unavailable(KeyError("connection closed"))
    holder.close()
    other.close()


def test_asyncpg_shutdown_errors_are_unavailable_but_a_cancelled_query_is_not() -> None:
    assert database_unavailable(asyncpg.exceptions.AdminShutdownError("terminating connection"))
    assert database_unavailable(
        asyncpg.exceptions.CannotConnectNowError("the database system is starting up")
    )
    assert database_unavailable(
        asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed")
    )
    assert not database_unavailable(asyncpg.exceptions.QueryCanceledError("canceling statement"))
    assert not database_unavailable(asyncpg.exceptions.UniqueViolationError("duplicate key"))


def _raised(call) -> BaseException:
    with pytest.raises(Exception) as caught:
        call()
    return caught.value


def test_input_sqlite_cannot_store_is_the_inputs_fault() -> None:
    db = sqlite3.connect(":memory:")
    assert unstorable_input(_raised(lambda: db.execute("SELECT ?", (2**63,)))) == (
        "out_of_range",
        "a number past what the database holds",
    )
    deep: list = []
    for _ in range(5000):
        deep = [deep]
    assert unstorable_input(_raised(lambda: repr(deep)))[0] == "too_deep"
    assert unstorable_input(OverflowError("date value out of range")) is None
    assert unstorable_input(_raised(lambda: db.execute("SELECT * FROM nowhere"))) is None


async def test_input_postgres_cannot_store_is_the_inputs_fault() -> None:
    from tests.support.databases import PG_ADMIN_URL

    try:
        connection = await asyncpg.connect(PG_ADMIN_URL, timeout=5)
    except OSError as exc:
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    try:
        for query, value, code in [
            ("SELECT $1::text", "a\x00b", "nul_character"),
            ("SELECT $1::int4", 2**40, "out_of_range"),
            ("SELECT $1::int8", 2**63, "out_of_range"),
            ("SELECT $1::int4 * 2", 2**30, "out_of_range"),
        ]:
            with pytest.raises(Exception) as caught:
                await connection.fetchval(query, value)
            assert unstorable_input(caught.value) == (code, unstorable_input(caught.value)[1]), (
                caught.value
            )
        # A text past a bounded column: the backstop for a check the push missed.
        await connection.execute("CREATE TEMP TABLE bounded (code varchar(5))")
        with pytest.raises(Exception) as caught:
            await connection.execute("INSERT INTO bounded VALUES ($1)", "0007000")
        assert unstorable_input(caught.value) == (
            "too_long",
            "a text longer than the database holds",
        ), caught.value
        with pytest.raises(Exception) as caught:
            await connection.fetchval("SELECT * FROM nowhere")
        assert unstorable_input(caught.value) is None
    finally:
        await connection.close()


def test_a_full_postgresql_disk_is_storage_full() -> None:
    """PostgreSQL's own "could not extend file" (SQLSTATE 53100): where a chunk of an
    upload is committed, a full database disk is a 507, not a 500."""
    import asyncio

    from tests.support import databases as dbs

    problem = dbs.postgres_available()
    if problem:
        pytest.skip(problem)

    async def raised() -> BaseException:
        connection = await asyncpg.connect(dbs.pg_url("postgres"))
        try:
            await connection.execute(
                "DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = '53100', "
                "MESSAGE = 'could not extend file: No space left on device'; END $$"
            )
        except asyncpg.PostgresError as exc:
            return exc
        finally:
            await connection.close()
        raise AssertionError("PostgreSQL raised nothing")

    error = asyncio.run(raised())
    assert type(error).__name__ == "DiskFullError"
    assert storage_full(error)
    assert not database_unavailable(error)


async def test_a_real_deadlock_is_transactions_crossed_not_a_bug(postgres_database: str) -> None:
    # Two transactions take two rows in opposite orders; PostgreSQL undoes one.
    url = pg_url(postgres_database)
    first, second = await asyncpg.connect(url), await asyncpg.connect(url)
    try:
        await first.execute(
            "CREATE TABLE crossed (id int PRIMARY KEY); INSERT INTO crossed VALUES (1), (2)"
        )
        for c in (first, second):
            await c.execute("SET deadlock_timeout = '50ms'; BEGIN")
        await first.execute("UPDATE crossed SET id = id WHERE id = 1")
        await second.execute("UPDATE crossed SET id = id WHERE id = 2")
        results = await asyncio.gather(
            first.execute("UPDATE crossed SET id = id WHERE id = 2"),
            second.execute("UPDATE crossed SET id = id WHERE id = 1"),
            return_exceptions=True,
        )
        [undone] = [r for r in results if isinstance(r, BaseException)]
        assert isinstance(undone, asyncpg.exceptions.DeadlockDetectedError)
        assert transactions_crossed(undone)
        assert not database_unavailable(undone) and unstorable_input(undone) is None
    finally:
        await first.close()
        await second.close()
    assert not transactions_crossed(asyncpg.exceptions.UniqueViolationError("duplicate key"))
    assert not transactions_crossed(ValueError("deadlock"))
