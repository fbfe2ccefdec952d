"""server/outages.py tells passing outages (disk full, database gone) from bugs,
on errors raised by the real libraries."""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

import asyncpg
import pytest

from server.outages import database_unavailable, storage_full
from tests.support.server_process import free_port


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
    assert database_unavailable(asyncpg.exceptions.CannotConnectNowError("the database system is starting up"))
    assert database_unavailable(asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed"))
    assert not database_unavailable(asyncpg.exceptions.QueryCanceledError("canceling statement"))
    assert not database_unavailable(asyncpg.exceptions.UniqueViolationError("duplicate key"))
