"""Which unexpected errors are passing outages rather than bugs: the disk is full,
the database went away (restarting, connection cut), or the request's transaction
crossed others on the same rows more times than it was run again (a deadlock, a
serialization failure). The client is told to try again later (507 / 503 with
Retry-After) instead of getting a 500; nothing was half-stored, since the request's
transaction never committed. And which are the input's fault (text or numbers the
database refused, nesting past the decoder's limit): a 400, since resending the same
request cannot help."""

from __future__ import annotations

import errno
import sqlite3

from server.sql import CROSSED

# ENOSPC: the filesystem is full; EDQUOT: the quota is; EFBIG: a file-size limit.
_STORAGE_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
# Connecting to (or talking with) the database failed at the socket level.
_CONNECTION_ERRNOS = {
    errno.ECONNREFUSED,
    errno.ECONNRESET,
    errno.ECONNABORTED,
    errno.EPIPE,
    errno.ENOTCONN,
    errno.ETIMEDOUT,
}
_ASYNCPG_GONE = (
    "PostgresConnectionError",
    "AdminShutdownError",
    "CrashShutdownError",
    "CannotConnectNowError",
    "ConnectionDoesNotExistError",
)
RETRY_AFTER_SECONDS = 5


def storage_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError) and exc.errno in _STORAGE_FULL:
        return True
    # PostgreSQL's "could not extend file" (SQLSTATE 53100), asyncpg's DiskFullError.
    if any(cls.__name__ == "DiskFullError" for cls in type(exc).__mro__):
        return True
    # SQLite reports its own: "database or disk is full" (SQLITE_FULL).
    return isinstance(exc, sqlite3.OperationalError) and "disk is full" in str(exc)


# Input the database refused, and the decoder's limit: the sender's fault, never a 5xx.
_ASYNCPG_UNSTORABLE = {
    "CharacterNotInRepertoireError": ("nul_character", "text the database cannot hold (NUL)"),
    "UntranslatableCharacterError": ("nul_character", "text the database cannot hold (NUL)"),
    "NumericValueOutOfRangeError": ("out_of_range", "a number past what the database holds"),
    "StringDataRightTruncationError": ("too_long", "a text longer than the database holds"),
}


def unstorable_input(exc: BaseException) -> tuple[str, str] | None:
    """(code, message) when the request's own data caused `exc`, else None."""
    if isinstance(exc, RecursionError):
        return "too_deep", "the body is nested too deeply"
    names = {cls.__name__ for cls in type(exc).__mro__}
    for name in names & set(_ASYNCPG_UNSTORABLE):
        return _ASYNCPG_UNSTORABLE[name]
    if "DataError" in names and "out of int" in str(exc):
        return "out_of_range", "a number past what the database holds"  # asyncpg, before sending
    if isinstance(exc, OverflowError) and "SQLite INTEGER" in str(exc):
        return "out_of_range", "a number past what the database holds"
    return None


def database_unavailable(exc: BaseException) -> bool:
    names = {cls.__name__ for cls in type(exc).__mro__}
    if names & set(_ASYNCPG_GONE):
        return True
    if "InterfaceError" in names and "connection" in str(exc) and "closed" in str(exc):
        return True  # asyncpg: "connection is closed" on a connection the server dropped
    if isinstance(exc, OSError) and exc.errno in _CONNECTION_ERRNOS:
        return True  # the pool reconnecting while the database is down
    if isinstance(exc, OSError) and exc.errno is None and "Connect call failed" in str(exc):
        return True  # the same, for a host name with several addresses (asyncio joins the errors)
    # SQLite: another process held the write lock past the busy timeout.
    return isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc)


def transactions_crossed(exc: BaseException) -> bool:
    """The database undid the request's transaction for another's sake: sent again
    later it passes. The push runs a batch again itself a few times first
    (server/dossiers/push.py `retrying`); this is what is left after them."""
    return isinstance(exc, CROSSED)
