"""What an outsider's review tried against the kept SQLite connections
(server/sqlite_kept.py), write_transaction (server/database.py) and Sql's SQLite paths
(server/sql.py). Each test states what must hold; each failed on the first version of
the kept connections."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from piccolo.engine.sqlite import ADAPTERS, SQLiteEngine

from server.database import close_engine, prepare_sqlite, write_transaction
from server.sql import Sql, Statement

BUSY = 0.3

INSERT = Statement("insert_note", "INSERT INTO note (body) VALUES (:body)")
NOTES = Statement("notes", "SELECT body FROM note ORDER BY body")


def _file(tmp_path: Path) -> Path:
    path = tmp_path / "attack.sqlite"
    with sqlite3.connect(path) as setup:
        setup.execute("CREATE TABLE note (body TEXT NOT NULL)")
        setup.execute("CREATE TABLE stamp (at TEXT NOT NULL)")
    return path


@pytest.fixture
async def engine(tmp_path: Path):
    engine = SQLiteEngine(path=str(_file(tmp_path)), timeout=BUSY)
    await prepare_sqlite(engine)
    yield engine
    await close_engine(engine)


def _notes(path: Path) -> list[str]:
    with sqlite3.connect(path) as db:
        return [r[0] for r in db.execute("SELECT body FROM note ORDER BY body")]


@asynccontextmanager
async def _writer_held_inside(
    engine: SQLiteEngine, body: str, then: str | None = None
) -> AsyncIterator[None]:
    """A writer inside its write transaction, one row written (`body`), held there
    while the block runs; then it writes `then` (if given) and commits, and leaving
    the block waits for it (its error, if any, is the block's)."""
    inside, go_on = asyncio.Event(), asyncio.Event()

    async def writer() -> None:
        async with write_transaction(engine):
            await Sql(engine).execute(INSERT, body=body)
            inside.set()
            await go_on.wait()
            if then is not None:
                await Sql(engine).execute(INSERT, body=then)

    task = asyncio.create_task(writer())
    await inside.wait()
    try:
        yield
    finally:
        go_on.set()
        await task


# 1. Two engine objects for one file (bound_engine beside an app, several apps in one
# process, a table whose _meta.db was found before binding): their kept connections
# are keyed by the file's path, so they share one write turn. A write transaction on
# the second inside one on the first waits for a turn its own task holds: forever,
# and every other writer of the process queues behind it. Before the change the inner
# BEGIN IMMEDIATE failed after the busy timeout ('database is locked', a 503).
async def test_a_write_transaction_on_a_second_engine_inside_one_fails_not_hangs(
    engine: SQLiteEngine,
) -> None:
    other = SQLiteEngine(path=engine.path, timeout=BUSY)

    async def nested() -> None:
        async with write_transaction(engine):
            await Sql(engine).execute(INSERT, body="outer")
            async with write_transaction(other):
                await Sql(other).execute(INSERT, body="inner")

    with pytest.raises(sqlite3.OperationalError, match="locked"):
        await asyncio.wait_for(nested(), BUSY * 10)


# 2. close_kept_connections (close_engine) closes a kept connection without taking its
# turn: a transaction in flight on it loses its connection mid-way. Reached at app
# shutdown with a request still in a transaction, and whenever a second engine object
# for the same file is closed (bound_engine's exit) while the first one's app runs:
# the key is the path, so it closes the other engine's connections.
async def test_closing_a_second_engine_does_not_break_a_transaction_in_flight(
    engine: SQLiteEngine,
) -> None:
    # Leaving the block failed: ValueError('Connection closed') -> a 500, the batch undone.
    async with _writer_held_inside(engine, "in flight", then="second statement"):
        # A command or test's own engine for the same file, opened and closed meanwhile.
        other = SQLiteEngine(path=engine.path, timeout=BUSY)
        await Sql(other).fetch(NOTES)
        await close_engine(other)
    assert _notes(Path(engine.path)) == ["in flight", "second statement"]


async def test_shutdown_waits_for_the_transaction_in_flight(engine: SQLiteEngine) -> None:
    # Leaving the block failed: the writer's COMMIT ran on a connection closed under it.
    async with _writer_held_inside(engine, "in flight"):
        closing = asyncio.create_task(close_engine(engine))
        await asyncio.sleep(0.05)
    await closing
    assert _notes(Path(engine.path)) == ["in flight"]


# 3. A task created inside a write transaction copies the task's context, and with it
# the transaction. Once the transaction has ended, the task's statements still go to
# the transaction's connection: now the kept one, which the next writer is using, so
# they land in that writer's transaction (undone with it, or committed by it) without
# an error. Before the change the connection was closed and they failed loudly.
async def test_a_task_outliving_its_transaction_does_not_write_into_the_next_one(
    engine: SQLiteEngine,
) -> None:
    go = asyncio.Event()

    async def straggler() -> None:
        await go.wait()
        await Sql(engine).execute(INSERT, body="straggler")

    async with write_transaction(engine):
        late = asyncio.create_task(straggler())

    class Undo(Exception):
        pass

    with pytest.raises(Undo):
        async with write_transaction(engine):
            await Sql(engine).execute(INSERT, body="undone")
            go.set()
            await asyncio.sleep(0.05)  # the straggler writes meanwhile
            raise Undo

    # The straggler either fails, or its row is stored: never "succeeded" and undone.
    try:
        await late
    except Exception:
        return
    assert _notes(Path(engine.path)) == ["straggler"]


# 4. Sql.execute_many's rows for SQLite (_sqlite_rows) memoised by ==, but two aware
# datetimes in the same zone that differ only in `fold` (the repeated hour when
# clocks go back) are == and hash alike while being an hour apart: the second was
# stored with the first's UTC text. sqlite3 adapting each value stores each instant.
async def test_execute_many_stores_each_instant_of_a_repeated_hour(
    engine: SQLiteEngine,
) -> None:
    zone = ZoneInfo("America/New_York")
    first = dt.datetime(2021, 11, 7, 1, 30, tzinfo=zone, fold=0)  # 05:30 UTC
    second = first.replace(fold=1)  # 06:30 UTC
    assert first.astimezone(dt.UTC) != second.astimezone(dt.UTC)
    stamp = Statement("stamp", "INSERT INTO stamp (at) VALUES (:at)")
    sql = Sql(engine)
    await sql.execute_many(stamp, [{"at": first}, {"at": second}])
    # One Sql keeps the texts it made for its next statements (a batch's): the second
    # instant, given alone, is still its own.
    await sql.execute_many(stamp, [{"at": second}, {"at": first}])
    with sqlite3.connect(engine.path) as db:
        stored = [r[0] for r in db.execute("SELECT at FROM stamp ORDER BY rowid")]
    convert = ADAPTERS[dt.datetime]
    assert stored == [convert(first), convert(second), convert(second), convert(first)]


# 5. The module's dict of kept connections is read and written by every event loop of
# the process without a lock; two threads each running loops (Litestar's sync
# TestClient beside asyncio.run) can iterate it while the other inserts.
def test_kept_connections_from_loops_in_two_threads(tmp_path: Path) -> None:
    import sys

    from server.sqlite_kept import statement_connections

    engine = SQLiteEngine(path=str(_file(tmp_path)), timeout=BUSY)
    errors: list[BaseException] = []
    stop = threading.Event()

    async def ask() -> None:
        statement_connections(engine)

    def hammer() -> None:
        while not stop.is_set():
            loop = asyncio.new_event_loop()
            try:
                loop.run_until_complete(ask())
            except BaseException as exc:
                errors.append(exc)
                return
            finally:
                loop.close()

    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=hammer) for _ in range(6)]
        for t in threads:
            t.start()
        threading.Event().wait(3.0)
        stop.set()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(previous)
    assert errors == []


# 6. Writers of the process now queue on an asyncio lock with no time limit. A write
# transaction that stalls (piccolo-admin's request read from a slow client inside
# server/admin/gate.py's _atomically; any await on something slow) used to make the
# other writers fail after the busy timeout ('database is locked', a 503 the phone
# retries); now they wait as long as it stalls, and pile up.
async def test_a_writer_behind_a_stalled_one_gives_up_after_the_busy_timeout(
    engine: SQLiteEngine,
) -> None:
    async def behind() -> None:
        async with write_transaction(engine):
            await Sql(engine).execute(INSERT, body="behind")

    async with _writer_held_inside(engine, "stalled"):
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            await asyncio.wait_for(behind(), BUSY * 10)


# 7. Statements outside a transaction all take turns on one connection (one thread)
# per process: a long read (a pull's reads, an upload's parts read by _copy_parts in
# FINISH_BATCH_BYTES batches) now delays every other such read of the process, which
# before ran beside it on a connection of its own (WAL readers do not wait).
async def test_a_short_read_is_not_held_up_by_a_long_one(engine: SQLiteEngine) -> None:
    slow = Statement(
        "slow",
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000) "
        "SELECT count(*) AS n FROM c",
    )
    sql = Sql(engine)
    await sql.fetch(NOTES)  # connections open
    long_read = asyncio.create_task(sql.fetch(slow))
    await asyncio.sleep(0.02)
    await sql.fetch(NOTES)
    # The one-row read ended while the long one still runs (it counts to 3 million).
    assert not long_read.done(), "a one-row read waited for another's long read"
    assert (await long_read)[0]["n"] == 3_000_000


# 8. server/sqlite_kept.py's _open sets `pending._thread.daemon`: aiosqlite 0.22's
# private attribute. Up to 0.21 aiosqlite.Connection *is* the Thread (no `_thread`),
# and pyproject.toml allows aiosqlite>=0.20 with no lock file: an environment that
# already has 0.20 or 0.21 (pip keeps a satisfied dependency) raises AttributeError at
# every connection open, so every SQLite write and statement outside a transaction
# answers 500, and every phone resends its batch for ever.
def test_the_declared_aiosqlite_range_has_the_private_thread_attribute() -> None:
    import re
    import tomllib

    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    dependencies = tomllib.loads(pyproject.read_text())["project"]["dependencies"]
    [spec] = [d for d in dependencies if d.startswith("aiosqlite")]
    lower = re.search(r">=\s*([0-9.]+)", spec)
    assert lower is not None, spec
    version = tuple(int(p) for p in lower.group(1).split("."))
    assert version >= (0, 22), f"{spec!r} admits aiosqlite.Connection(Thread), which has no _thread"
