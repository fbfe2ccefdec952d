"""The process shares kept SQLite connections, each taken in turn (server/sqlite_kept.py).

Each case drives many write transactions at once, as a server's requests do, on a
real database file in WAL mode, with reads beside them on connections of their own."""

from __future__ import annotations

import asyncio
import random
import sqlite3
from pathlib import Path

import pytest
from piccolo.engine.sqlite import SQLiteEngine

from server.database import close_engine, prepare_sqlite, write_transaction
from server.sql import Sql, Statement

WRITERS = 40


@pytest.fixture
async def engine(tmp_path: Path):
    path = tmp_path / "kept.sqlite"
    with sqlite3.connect(path) as setup:
        setup.execute("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)")
        setup.execute("CREATE TABLE entry (writer INTEGER NOT NULL, step INTEGER NOT NULL)")
        setup.execute("INSERT INTO counter (id, n) VALUES (1, 0)")
    engine = SQLiteEngine(path=str(path), timeout=5.0)
    await prepare_sqlite(engine)
    yield engine
    await close_engine(engine)


async def _count(engine: SQLiteEngine) -> int:
    rows = await engine.run_ddl("SELECT n FROM counter WHERE id = 1")
    return rows[0]["n"]


async def _increment(
    engine: SQLiteEngine, writer: int, pause: float, seen: set[int] | None = None
) -> None:
    """Read, wait, write: lost updates show if two writers are ever inside at once."""
    async with write_transaction(engine):
        if seen is not None:
            transaction = engine.current_transaction.get()
            assert transaction is not None
            seen.add(id(transaction.connection))
        n = await _count(engine)
        await asyncio.sleep(pause)
        await engine.run_ddl(f"INSERT INTO entry (writer, step) VALUES ({writer}, {n})")
        await engine.run_ddl(f"UPDATE counter SET n = {n + 1} WHERE id = 1")


async def _reader(engine: SQLiteEngine, stop: asyncio.Event) -> int:
    reads = 0
    while not stop.is_set():
        entries = await engine.run_ddl("SELECT count(*) AS c FROM entry")
        assert entries[0]["c"] <= WRITERS
        reads += 1
        await asyncio.sleep(0)
    return reads


async def test_writers_take_turns_on_one_connection_while_others_read(
    engine: SQLiteEngine,
) -> None:
    random.seed(21)
    connections: set[int] = set()
    stop = asyncio.Event()
    readers = [asyncio.create_task(_reader(engine, stop)) for _ in range(3)]
    await asyncio.gather(
        *(
            _increment(engine, w, random.choice([0, 0, 0.001, 0.005]), connections)
            for w in range(WRITERS)
        )
    )
    stop.set()
    assert all(reads > 0 for reads in await asyncio.gather(*readers))

    assert await _count(engine) == WRITERS
    steps = await engine.run_ddl("SELECT step FROM entry ORDER BY step")
    assert [row["step"] for row in steps] == list(range(WRITERS))
    assert len(connections) == 1  # one kept connection served every writer


async def test_a_writer_cancelled_inside_its_transaction_leaves_nothing_and_no_block(
    engine: SQLiteEngine,
) -> None:
    entered = asyncio.Event()

    async def stalled() -> None:
        async with write_transaction(engine):
            await engine.run_ddl("INSERT INTO entry (writer, step) VALUES (-1, -1)")
            entered.set()
            await asyncio.sleep(3600)

    victim = asyncio.create_task(stalled())
    await entered.wait()
    waiting = [asyncio.create_task(_increment(engine, w, 0)) for w in range(5)]
    await asyncio.sleep(0.01)
    victim.cancel()
    with pytest.raises(asyncio.CancelledError):
        await victim
    await asyncio.gather(*waiting)

    assert await _count(engine) == 5
    writers = await engine.run_ddl("SELECT writer FROM entry ORDER BY writer")
    assert [row["writer"] for row in writers] == [0, 1, 2, 3, 4]


async def test_a_writer_cancelled_while_waiting_its_turn_takes_no_turn(
    engine: SQLiteEngine,
) -> None:
    release = asyncio.Event()

    async def holding() -> None:
        async with write_transaction(engine):
            await engine.run_ddl("INSERT INTO entry (writer, step) VALUES (100, 0)")
            await release.wait()

    holder = asyncio.create_task(holding())
    await asyncio.sleep(0.01)
    queued = asyncio.create_task(_increment(engine, 200, 0))
    behind = asyncio.create_task(_increment(engine, 300, 0))
    await asyncio.sleep(0.01)
    queued.cancel()
    release.set()
    await holder
    await behind
    with pytest.raises(asyncio.CancelledError):
        await queued

    writers = await engine.run_ddl("SELECT writer FROM entry ORDER BY writer")
    assert [row["writer"] for row in writers] == [100, 300]
    assert await _count(engine) == 1


async def test_another_process_writing_the_same_file_waits_its_turn_too(
    engine: SQLiteEngine, tmp_path: Path
) -> None:
    """SQLite's own lock still decides between processes: a writer holding it from
    another connection makes the kept connection wait, not fail or write past it."""
    other = sqlite3.connect(tmp_path / "kept.sqlite", timeout=5.0, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("UPDATE counter SET n = n + 100 WHERE id = 1")
    ours = asyncio.create_task(_increment(engine, 1, 0))
    await asyncio.sleep(0.2)
    assert not ours.done()
    other.execute("COMMIT")
    other.close()
    await ours
    assert await _count(engine) == 101


COUNT = Statement(
    "count_entries", "SELECT count(*) AS c, coalesce(max(step), -1) AS top FROM entry"
)
BROKEN = Statement("broken", "SELECT no_such_column FROM entry")


async def test_statements_outside_a_transaction_take_turns_beside_the_writers(
    engine: SQLiteEngine,
) -> None:
    """Reads on the kept statements connection, many at once beside the writers: each
    sees a committed state (never a writer's half), and none fails."""
    sql = Sql(engine)
    seen: list[tuple[int, int]] = []

    async def read_many() -> None:
        for _ in range(30):
            row = (await sql.fetch(COUNT))[0]
            seen.append((row["c"], row["top"]))
            await asyncio.sleep(0)

    await asyncio.gather(
        *(_increment(engine, w, 0.001) for w in range(WRITERS)),
        *(read_many() for _ in range(6)),
    )
    assert len(seen) == 180
    # Committed states only: n entries have the steps 0 … n-1.
    assert all(top == count - 1 for count, top in seen)
    assert (await sql.fetch(COUNT))[0]["c"] == WRITERS


async def test_a_failing_statement_closes_the_kept_connection_and_the_next_opens_one(
    engine: SQLiteEngine,
) -> None:
    sql = Sql(engine)
    assert (await sql.fetch(COUNT))[0]["c"] == 0
    with pytest.raises(sqlite3.OperationalError, match="no_such_column"):
        await sql.fetch(BROKEN)
    await _increment(engine, 1, 0)
    assert (await sql.fetch(COUNT))[0]["c"] == 1
