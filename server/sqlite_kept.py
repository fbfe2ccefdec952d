"""SQLite connections kept open, each taken in turn by the process's tasks.

Piccolo opens a new aiosqlite connection for every transaction and every statement
outside one (a thread, the file, its schema, a pragma) and closes it afterwards. For
a write, all of that happened while SQLite's write lock was held, and the other
writers meanwhile polled for the lock in SQLite's busy handler, which naps 1 to
100 ms between tries. Here each database has, per event loop, one kept connection for
write transactions and one for statements outside a transaction; tasks queue for
each on an asyncio lock and are woken in turn the moment the last one is done.
SQLite's own lock (BEGIN IMMEDIATE and the busy timeout) still decides between
processes, and between the two connections.

One task at a time on a connection, from its first statement to its last fetch: an
sqlite3 connection's statements are not to be interleaved by two users.

A connection left in an unknown state (a ROLLBACK or COMMIT that raised or was
cancelled, a statement that failed outside a transaction) is closed, and the next
task opens a new one."""

from __future__ import annotations

import asyncio
import enum
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiosqlite
from piccolo.engine.sqlite import SQLiteEngine, dict_factory


class Use(enum.Enum):
    WRITE = "write transactions"
    STATEMENTS = "statements outside a transaction"


class KeptConnection:
    """One event loop's kept connection to one database file, for one use."""

    def __init__(self, engine: SQLiteEngine) -> None:
        self._engine = engine
        self._turn = asyncio.Lock()
        self._connection: aiosqlite.Connection | None = None

    @asynccontextmanager
    async def turn(self, *, close_on_error: bool) -> AsyncIterator[aiosqlite.Connection]:
        """The kept connection, the caller's alone for the block (opened if none is).
        With `close_on_error`, a block that raises closes it; otherwise the caller
        closes it (`close`) when it leaves it in an unknown state."""
        async with self._turn:
            if self._connection is None:
                self._connection = await _open(self._engine)
            try:
                yield self._connection
            except BaseException:
                if close_on_error:
                    await self.close()
                raise

    async def close(self) -> None:
        """Close the kept connection; the next task opens a new one."""
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


# One per (database file, event loop, use). A process serves from one loop; tests and
# commands run several loops one after another, and a closed loop's connections are
# dropped when another loop next asks.
_kept: dict[tuple[str, asyncio.AbstractEventLoop, Use], KeptConnection] = {}


def kept_connection(engine: SQLiteEngine, use: Use) -> KeptConnection:
    loop = asyncio.get_running_loop()
    for key in [key for key in _kept if key[1].is_closed()]:
        _drop(_kept.pop(key))
    key = (str(engine.path), loop, use)
    kept = _kept.get(key)
    if kept is None:
        kept = _kept[key] = KeptConnection(engine)
    return kept


async def close_kept_connections(engine: SQLiteEngine) -> None:
    """Close this loop's kept connections to the engine's file (on shut-down)."""
    loop = asyncio.get_running_loop()
    for use in Use:
        kept = _kept.pop((str(engine.path), loop, use), None)
        if kept is not None:
            await kept.close()


def _drop(kept: KeptConnection) -> None:
    """A connection of a loop that is closed: its thread is told to close it and
    stop; nothing can wait for that on a closed loop."""
    connection, kept._connection = kept._connection, None
    if connection is not None:
        connection.stop()
