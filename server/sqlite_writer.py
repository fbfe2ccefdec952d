"""SQLite's write connection, kept open and taken in turn by the process's writers.

Piccolo opens a new aiosqlite connection for every transaction (a thread, the file,
a pragma) and closes it after COMMIT, all of it while SQLite's write lock is held,
and the other writers meanwhile poll for the lock in SQLite's busy handler, which
naps 1 to 100 ms between tries. Here the writers of one process queue on an asyncio
lock for one kept connection per database and event loop, and are woken in turn the
moment the last one ends; SQLite's own lock (BEGIN IMMEDIATE and the busy timeout)
still decides between processes.

A connection whose transaction did not end cleanly (ROLLBACK or COMMIT raised, or
was cancelled) is closed and the next writer opens a new one: its state is unknown."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiosqlite
from piccolo.engine.sqlite import SQLiteEngine, dict_factory


class KeptWriter:
    """The connection one event loop's writers share for one database file."""

    def __init__(self, engine: SQLiteEngine) -> None:
        self._engine = engine
        self._turn = asyncio.Lock()
        self._connection: aiosqlite.Connection | None = None

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[aiosqlite.Connection]:
        """The kept connection, this writer's alone for the block (opened if none is).
        A writer that leaves it in an unknown state closes it before the block ends."""
        async with self._turn:
            if self._connection is None:
                self._connection = await _open(self._engine)
            yield self._connection

    async def close(self) -> None:
        """Close the kept connection; the next writer opens a new one."""
        connection, self._connection = self._connection, None
        if connection is not None:
            await connection.close()


async def _open(engine: SQLiteEngine) -> aiosqlite.Connection:
    """A connection as Piccolo opens one (foreign keys on, rows as dicts), whose
    thread does not keep the interpreter from exiting: a kept connection outlives
    any one request, and a process stopped without closing it has committed
    everything it wrote (SQLite's journal makes the rest safe)."""
    pending = aiosqlite.connect(**engine.connection_kwargs)
    # aiosqlite has no public switch for this; its worker is a plain Thread.
    pending._thread.daemon = True
    connection = await pending
    connection.row_factory = dict_factory  # pyright: ignore[reportAttributeAccessIssue]  # typed as a class
    await connection.execute("PRAGMA foreign_keys = 1")
    return connection


# One per (database file, event loop). A process serves from one loop; tests and
# commands run several loops one after another, and a closed loop's writer is
# dropped (its connection closed) when another loop next asks.
_writers: dict[tuple[str, asyncio.AbstractEventLoop], KeptWriter] = {}


def kept_writer(engine: SQLiteEngine) -> KeptWriter:
    loop = asyncio.get_running_loop()
    for key in [key for key in _writers if key[1].is_closed()]:
        _drop(_writers.pop(key))
    key = (str(engine.path), loop)
    writer = _writers.get(key)
    if writer is None:
        writer = _writers[key] = KeptWriter(engine)
    return writer


async def close_kept_writers(engine: SQLiteEngine) -> None:
    """Close this loop's kept connection to the engine's file (on shut-down)."""
    writer = _writers.pop((str(engine.path), asyncio.get_running_loop()), None)
    if writer is not None:
        await writer.close()


def _drop(writer: KeptWriter) -> None:
    """A writer of a loop that is closed: its connection's thread is told to close
    it and stop; nothing can wait for that on a closed loop."""
    connection, writer._connection = writer._connection, None
    if connection is not None:
        connection.stop()
