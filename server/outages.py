"""Which unexpected errors are passing outages rather than bugs: the disk is full,
or the database went away (restarting, connection cut). The client is told to try
again later (507 / 503 with Retry-After) instead of getting a 500; nothing was
half-stored, since the request's transaction never committed."""

from __future__ import annotations

import errno
import sqlite3

# ENOSPC: the filesystem is full; EDQUOT: the quota is; EFBIG: a file-size limit.
_STORAGE_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
# Connecting to (or talking with) the database failed at the socket level.
_CONNECTION_ERRNOS = {errno.ECONNREFUSED, errno.ECONNRESET, errno.ECONNABORTED, errno.EPIPE,
                      errno.ENOTCONN, errno.ETIMEDOUT}
_ASYNCPG_GONE = ("PostgresConnectionError", "AdminShutdownError", "CrashShutdownError",
                 "CannotConnectNowError", "ConnectionDoesNotExistError")
RETRY_AFTER_SECONDS = 5


def storage_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError) and exc.errno in _STORAGE_FULL:
        return True
    # SQLite reports its own: "database or disk is full" (SQLITE_FULL).
    return isinstance(exc, sqlite3.OperationalError) and "disk is full" in str(exc)


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
