"""The write turn between processes sharing one SQLite file (server/sqlite_kept.py
`ProcessTurn`): each case has a real second process take a write transaction through
the same code, on a real database file in WAL mode."""

from __future__ import annotations

import asyncio
import fcntl
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from piccolo.engine.sqlite import SQLiteEngine

from server.database import close_engine, prepare_sqlite, write_transaction
from server.sqlite_kept import ProcessTurn

ROOT = Path(__file__).resolve().parents[2]
BUSY = 1.0

# The other process: one write transaction that adds 100, held open until told to go on
# (a line on stdin), or until it is killed.
HOLDER = """
import asyncio, sys
from piccolo.engine.sqlite import SQLiteEngine
from server.database import write_transaction

async def main(path):
    engine = SQLiteEngine(path=path, timeout=5.0)
    async with write_transaction(engine):
        await engine.run_ddl("UPDATE counter SET n = n + 100 WHERE id = 1")
        print("inside", flush=True)
        await asyncio.to_thread(sys.stdin.readline)
    print("committed", flush=True)

asyncio.run(main(sys.argv[1]))
"""


@pytest.fixture
async def database(tmp_path: Path):
    path = tmp_path / "turn.sqlite"
    with sqlite3.connect(path) as setup:
        setup.execute("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)")
        setup.execute("INSERT INTO counter (id, n) VALUES (1, 0)")
    engine = SQLiteEngine(path=str(path), timeout=BUSY)
    await prepare_sqlite(engine)
    yield path, engine
    await close_engine(engine)


@contextmanager
def holder(path: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process inside a write transaction on `path` until it is told to go on."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stdin is not None
    try:
        assert process.stdout.readline().strip() == "inside"
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()


async def _add_one(engine: SQLiteEngine) -> None:
    async with write_transaction(engine):
        await engine.run_ddl("UPDATE counter SET n = n + 1 WHERE id = 1")


async def _count(engine: SQLiteEngine) -> int:
    rows = await engine.run_ddl("SELECT n FROM counter WHERE id = 1")
    return rows[0]["n"]


def _turn_free(path: Path) -> bool:
    """Whether the write turn between processes can be taken now."""
    fd = os.open(f"{path}.write.lock", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


async def test_a_writer_waits_for_another_process_turn_then_writes_after_it(database) -> None:
    path, engine = database
    engine = SQLiteEngine(path=str(path), timeout=10.0)
    with holder(path) as other:
        assert not _turn_free(path)
        ours = asyncio.create_task(_add_one(engine))
        await asyncio.sleep(0.3)
        assert not ours.done()
        assert other.stdin is not None and other.stdout is not None
        other.stdin.write("go\n")
        other.stdin.flush()
        await asyncio.wait_for(ours, 10)
        assert other.stdout.readline().strip() == "committed"
    assert await _count(engine) == 101
    assert _turn_free(path)
    await close_engine(engine)


async def test_the_turn_of_a_process_killed_inside_its_transaction_comes_free(database) -> None:
    path, engine = database
    engine = SQLiteEngine(path=str(path), timeout=10.0)
    with holder(path) as other:
        ours = asyncio.create_task(_add_one(engine))
        await asyncio.sleep(0.3)
        assert not ours.done()
        other.send_signal(signal.SIGKILL)
        await asyncio.wait_for(ours, 10)
    # The killed process's transaction never committed.
    assert await _count(engine) == 1
    await close_engine(engine)


async def test_a_writer_behind_another_process_gives_up_after_the_busy_timeout_holding_nothing(
    database,
) -> None:
    path, engine = database
    with holder(path) as other:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            await asyncio.wait_for(_add_one(engine), BUSY * 10)
        assert other.stdin is not None
        other.stdin.write("go\n")
        other.stdin.flush()
        other.wait(10)
    # Nothing of ours holds the turn after giving up: the next writer goes at once.
    assert _turn_free(path)
    await _add_one(engine)
    assert await _count(engine) == 101


def test_writers_of_two_processes_lose_no_update(tmp_path: Path) -> None:
    """Read, then write one more: two processes of 50 writers each, one count."""
    path = tmp_path / "turn.sqlite"
    with sqlite3.connect(path) as setup:
        setup.execute("PRAGMA journal_mode=WAL")
        setup.execute("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)")
        setup.execute("INSERT INTO counter (id, n) VALUES (1, 0)")
    script = """
import asyncio, sys
from piccolo.engine.sqlite import SQLiteEngine
from server.database import close_engine, write_transaction

async def bump(engine):
    async with write_transaction(engine):
        rows = await engine.run_ddl("SELECT n FROM counter WHERE id = 1")
        await asyncio.sleep(0)
        await engine.run_ddl(f"UPDATE counter SET n = {rows[0]['n'] + 1} WHERE id = 1")

async def main(path):
    engine = SQLiteEngine(path=path, timeout=30.0)
    await asyncio.gather(*[bump(engine) for _ in range(50)])
    await close_engine(engine)

asyncio.run(main(sys.argv[1]))
"""
    processes = [
        subprocess.Popen([sys.executable, "-c", script, str(path)], cwd=ROOT) for _ in range(2)
    ]
    for process in processes:
        assert process.wait(60) == 0
    with sqlite3.connect(path) as check:
        assert check.execute("SELECT n FROM counter").fetchone()[0] == 100


def test_a_database_in_memory_has_no_turn_file(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)

    async def write() -> None:
        engine = SQLiteEngine(path=":memory:", timeout=BUSY)
        async with write_transaction(engine):
            await engine.run_ddl("CREATE TABLE t (n INTEGER)")
        await close_engine(engine)

    asyncio.run(write())
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("database", ["", ":memory:", "file:kept?mode=memory"])
def test_databases_without_a_file_of_their_own_take_no_turn_file(
    database: str, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    turn = ProcessTurn(database)
    assert asyncio.run(turn.take(deadline=0))
    turn.release()
    assert list(tmp_path.iterdir()) == []


async def test_a_turn_file_that_cannot_be_opened_leaves_the_writes_to_sqlite(
    database, caplog
) -> None:
    """A lock file nobody can open (here a link to a directory that does not exist):
    writes still go through, SQLite's own lock keeping them apart, and the log says why."""
    path, engine = database
    os.symlink("/nonexistent-motcua/turn", f"{path}.write.lock")
    await _add_one(engine)
    await _add_one(engine)
    assert await _count(engine) == 2
    assert "no write turn between processes" in caplog.text
