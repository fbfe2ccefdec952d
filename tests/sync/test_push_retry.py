"""A push undone by a crossing transaction is run again: the driver's own error
types decide (server/sql.py transient_errors), on real failures of the database."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable
from contextlib import aclosing
from typing import Any

import asyncpg
import pytest
from asyncpg.exceptions import SerializationError, UndefinedTableError

from harness.sync_client import birth_answers, uuid7
from server.clock import vn_today
from server.dossiers.push import retrying
from server.settings import Settings
from server.sql import Dialect, transient_errors
from tests.sync.conftest import device_for, make_account

COUNTER = "commune_code = '00070' AND year = 1999"


def _counting(
    work: Callable[[int], Awaitable[Any]],
) -> tuple[list[int], Callable[[], Awaitable[Any]]]:
    attempts: list[int] = []

    async def run() -> Any:
        attempts.append(len(attempts) + 1)
        return await work(len(attempts))

    return attempts, run


async def _bump_counter(url: str, crossed: bool) -> int:
    """Read the counter and write it back one higher in a REPEATABLE READ
    transaction; when `crossed`, another transaction bumps it in between, and the
    write fails as PostgreSQL's serialization failure."""
    mine, other = await asyncpg.connect(url), await asyncpg.connect(url)
    try:
        await mine.execute(
            "INSERT INTO code_counter (commune_code, year, next_value) VALUES ('00070', 1999, 1) "
            "ON CONFLICT DO NOTHING"
        )
        async with mine.transaction(isolation="repeatable_read"):
            seen = await mine.fetchval(f"SELECT next_value FROM code_counter WHERE {COUNTER}")
            if crossed:
                await other.execute(
                    f"UPDATE code_counter SET next_value = next_value + 1 WHERE {COUNTER}"
                )
            await mine.execute(f"UPDATE code_counter SET next_value = $1 WHERE {COUNTER}", seen + 1)
            return seen + 1
    finally:
        await mine.close()
        await other.close()


async def test_a_serialization_failure_is_run_again(engine_kind: str, settings: Settings) -> None:
    if engine_kind != "postgres":
        pytest.skip("SQLite queues its writers: no transaction is ever undone")
    url = settings.database_url
    with pytest.raises(SerializationError):  # the failure is real
        await _bump_counter(url, crossed=True)

    attempts, work = _counting(lambda n: _bump_counter(url, crossed=n == 1))
    assert await retrying(work, transient_errors(Dialect.POSTGRES), pause=0) == 4
    assert attempts == [1, 2]


async def test_other_errors_are_not_run_again(engine_kind: str, settings: Settings) -> None:
    dialect = Dialect(engine_kind)

    async def broken(_: int) -> None:
        if dialect is Dialect.POSTGRES:
            connection = await asyncpg.connect(settings.database_url)
            try:
                await connection.execute("SELECT * FROM no_such_table")
            finally:
                await connection.close()
        else:
            sqlite3.connect(":memory:").execute("SELECT * FROM no_such_table")

    attempts, work = _counting(broken)
    with pytest.raises(UndefinedTableError if dialect is Dialect.POSTGRES else sqlite3.Error):
        await retrying(work, transient_errors(dialect), pause=0)
    assert attempts == [1]


async def test_two_devices_creating_one_draft_at_once(
    app, engine_kind: str, settings: Settings
) -> None:
    """Two phones of one person push the same new draft at the same moment: on
    PostgreSQL both find it absent, one insert waits for the other and fails on the
    key, and that batch, run again, finds the draft there. Neither is a 5xx."""
    email = await make_account("citizen")
    first, second = await device_for(app, email), await device_for(app, email)
    dossier = uuid7()
    for device in (first, second):
        device.queue(
            "create_draft",
            dossier,
            {"procedure_code": "khai-sinh", "fields": birth_answers(vn_today())},
        )
    blocker = None
    if engine_kind == "postgres":
        # Hold both batches at their first look at the dossiers, then let them go together.
        blocker = await asyncpg.connect(settings.database_url)
        holding = blocker.transaction()
        await holding.start()
        await blocker.execute("LOCK TABLE dossier IN EXCLUSIVE MODE")
    async with aclosing(first.http), aclosing(second.http):
        pushes = asyncio.gather(first.push(), second.push())
        if blocker is not None:
            await _until_waiting(blocker, 2)
            await holding.rollback()
            await blocker.close()
        answers = await pushes
    assert [r.status_code for r in answers] == [200, 200], [r.text for r in answers]
    outcomes = sorted((r.json()["outcomes"][0] for r in answers), key=lambda o: o["status"])
    assert outcomes[0]["status"] == "applied"
    assert outcomes[1]["status"] == "rejected"
    assert outcomes[1]["reasons"][0]["code"] == "already_exists"


async def _until_waiting(connection: asyncpg.Connection, count: int) -> None:
    for _ in range(200):
        waiting = await connection.fetchval(
            "SELECT count(*) FROM pg_locks WHERE NOT granted AND database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        if waiting >= count:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the pushes never reached the locked table")
