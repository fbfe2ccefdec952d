"""SQLite connections kept open by the process and taken in turn by its tasks.

Piccolo opens a new aiosqlite connection for every transaction and every statement
outside one (a thread, the file, its schema, a pragma) and closes it afterwards. For
a write, all of that happened while SQLite's write lock was held, and the other
writers meanwhile polled for the lock in SQLite's busy handler, which naps 1 to
100 ms between tries. Here each engine has, per event loop:

- one kept connection for write transactions, taken in turn on an asyncio lock:
  SQLite takes one writer at a time anyway, and a waiting writer is woken the moment
  the last one ends. A writer that waits longer than the busy timeout gets SQLite's
  own "database is locked", as it did from SQLite before;
- a few kept connections for statements outside a transaction, each one task's at a
  time, so a long read does not hold up a short one (WAL readers do not wait).

Between processes sharing the file (`motcua serve --processes N`, or several started
by hand), the writer's turn is also an exclusive lock on a file beside the database
(`ProcessTurn`), asked for again every millisecond: with SQLite's own lock alone, a
writer of another process that found it taken napped 1 to 100 ms in the busy handler
while the lock lay free, and a second process gave no more pushes a second than one
(docs/perf-push-profile.md). SQLite's own lock (BEGIN IMMEDIATE and the busy timeout)
still decides against every writer that does not take that turn (commands,
migrations) and between engines. One task at a time on a connection, from its first
statement to its last fetch: an sqlite3 connection's statements are not to be
interleaved by two users. A connection left in an unknown state (a ROLLBACK or COMMIT
that raised or was cancelled, a statement that failed outside a transaction) is
closed, and the next task opens a new one."""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import sqlite3
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiosqlite
from piccolo.engine.sqlite import SQLiteEngine, dict_factory

log = logging.getLogger("motcua.sqlite")


def has_own_file(database: str) -> bool:
    """Whether SQLite keeps this database in a file of that name: not in memory, not
    its private temporary database (""), not a URI."""
    return database not in ("", ":memory:") and not database.startswith("file:")


# Statements outside a transaction run at once on up to this many connections.
STATEMENT_CONNECTIONS = 4
# How often a writer asks again for the write turn another process holds. A batch
# holds it for about 13 ms; SQLite's busy handler naps up to 100 ms instead.
PROCESS_TURN_POLL_SECONDS = 0.001


class ProcessTurn:
    """The write turn between processes: an exclusive `flock` on `<database>.write.lock`,
    taken after the process's own turn and let go before it. The kernel lets go of it
    when its process dies. A database not in a file of its own (in memory, SQLite's
    private temporary one, a URI) has none, and neither has one whose lock file cannot
    be opened: SQLite's own lock still keeps its writes apart, only slower."""

    def __init__(self, database: str) -> None:
        self._path = None if not has_own_file(database) else f"{database}.write.lock"
        self._fd: int | None = None

    async def take(self, deadline: float) -> bool:
        """Whether the turn was taken before `deadline` (the loop's clock)."""
        if self._path is None:
            return True
        if self._fd is None:
            try:
                # Read-only is enough for flock, and opens a file another user (root
                # running a command) made, which holds nothing.
                self._fd = os.open(self._path, os.O_CREAT | os.O_RDONLY, 0o644)
            except OSError as exc:
                log.warning("no write turn between processes (%s): %s", self._path, exc)
                self._path = None
                return True
        loop = asyncio.get_running_loop()
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if loop.time() >= deadline:
                    return False
                await asyncio.sleep(PROCESS_TURN_POLL_SECONDS)

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)  # a lock still held goes with the descriptor


class KeptWriter:
    """The connection one event loop's write transactions take in turn."""

    def __init__(self, engine: SQLiteEngine) -> None:
        self._engine = engine
        self._turn = asyncio.Lock()
        self._between_processes = ProcessTurn(str(engine.connection_kwargs["database"]))
        self._connection: aiosqlite.Connection | None = None

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[aiosqlite.Connection]:
        """The kept connection, the caller's alone for the block (opened if none is),
        and the write turn between processes. A caller that leaves it in an unknown
        state closes it (`close`) first."""
        deadline = asyncio.get_running_loop().time() + _busy_timeout(self._engine)
        if not await self._take_turn():
            # What SQLite says to a writer that waited out the busy timeout.
            raise sqlite3.OperationalError("database is locked")
        try:
            if not await self._between_processes.take(deadline):
                raise sqlite3.OperationalError("database is locked")
            try:
                if self._connection is None:
                    self._connection = await _open(self._engine)
                yield self._connection
            finally:
                self._between_processes.release()
        finally:
            self._turn.release()

    async def close(self) -> None:
        """Close the kept connection; the next writer opens a new one."""
        connection, self._connection = self._connection, None
        if connection is not None:
            await connection.close()

    async def close_when_free(self) -> None:
        """Close it once the transaction in flight, if any, has ended (at shut-down),
        waiting no longer than the busy timeout."""
        taken = await self._take_turn()
        try:
            await self.close()
        finally:
            self._between_processes.close()
            if taken:
                self._turn.release()

    async def _take_turn(self) -> bool:
        """Whether the turn was taken within the busy timeout."""
        try:
            async with asyncio.timeout(_busy_timeout(self._engine)):
                await self._turn.acquire()
        except TimeoutError:
            return False
        return True

    def drop(self) -> None:
        """Its loop is closed: the thread is told to close the connection and stop;
        nothing can wait for that on a closed loop."""
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.stop()
        self._between_processes.close()


class StatementConnections:
    """The connections one event loop's statements outside a transaction take, each
    one task's at a time."""

    def __init__(self, engine: SQLiteEngine) -> None:
        self._engine = engine
        self._slots = asyncio.Semaphore(STATEMENT_CONNECTIONS)
        self._idle: list[aiosqlite.Connection] = []
        self._closed = False

    @asynccontextmanager
    async def taken(self) -> AsyncIterator[aiosqlite.Connection]:
        """A connection, the caller's alone for the block; closed if the block raises."""
        async with self._slots:
            connection = self._idle.pop() if self._idle else await _open(self._engine)
            try:
                yield connection
            except BaseException:
                await connection.close()
                raise
            if self._closed:
                await connection.close()
            else:
                self._idle.append(connection)

    async def close(self) -> None:
        """Close the idle connections; one in use is closed when it is given back."""
        self._closed = True
        idle, self._idle = self._idle, []
        for connection in idle:
            await connection.close()

    def drop(self) -> None:
        idle, self._idle = self._idle, []
        for connection in idle:
            connection.stop()


def _busy_timeout(engine: SQLiteEngine) -> float:
    return float(engine.connection_kwargs.get("timeout", 5.0))


async def _open(engine: SQLiteEngine) -> aiosqlite.Connection:
    """A connection as Piccolo opens one (foreign keys on, rows as dicts), whose
    thread does not keep the interpreter from exiting: a kept connection outlives
    any one request, and a process stopped without closing it has committed
    everything it wrote (SQLite's journal makes the rest safe)."""
    pending = aiosqlite.connect(**engine.connection_kwargs)
    # aiosqlite (0.22 and later: pyproject.toml) has no public switch for this; its
    # worker is a plain Thread.
    pending._thread.daemon = True
    connection = await pending
    connection.row_factory = dict_factory  # pyright: ignore[reportAttributeAccessIssue]  # typed as a class
    await connection.execute("PRAGMA foreign_keys = 1")
    return connection


class _Kept:
    """One engine's kept connections in one event loop. It holds the engine, so the
    engine's id, which keys it, is not reused while it lives."""

    def __init__(self, engine: SQLiteEngine) -> None:
        self.engine = engine
        self.writer = KeptWriter(engine)
        self.statements = StatementConnections(engine)


# Per (engine, event loop). A process serves from one loop; tests and commands run
# several loops, one after another or in threads of their own, and a closed loop's
# connections are dropped when any loop next asks. The lock is for those threads.
_kept: dict[tuple[int, asyncio.AbstractEventLoop], _Kept] = {}
_kept_lock = threading.Lock()


def _kept_for(engine: SQLiteEngine) -> _Kept:
    loop = asyncio.get_running_loop()
    with _kept_lock:
        for key in [key for key in _kept if key[1].is_closed()]:
            stale = _kept.pop(key)
            stale.writer.drop()
            stale.statements.drop()
        kept = _kept.get((id(engine), loop))
        if kept is None:
            kept = _kept[(id(engine), loop)] = _Kept(engine)
        return kept


def kept_writer(engine: SQLiteEngine) -> KeptWriter:
    return _kept_for(engine).writer


def statement_connections(engine: SQLiteEngine) -> StatementConnections:
    return _kept_for(engine).statements


async def close_kept_connections(engine: SQLiteEngine) -> None:
    """Close this loop's kept connections of the engine (at shut-down), the write
    connection once the transaction in flight has ended."""
    with _kept_lock:
        kept = _kept.pop((id(engine), asyncio.get_running_loop()), None)
    if kept is not None:
        await kept.writer.close_when_free()
        await kept.statements.close()
