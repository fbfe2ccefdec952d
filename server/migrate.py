"""Bring the database schema up to date with the migrations in /migrations."""

from __future__ import annotations

import contextlib
import fcntl
import functools
import io
import os
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
from piccolo.apps.migrations.commands.forwards import ForwardsMigrationManager
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

from server.database import bind_engine
from server.recovery.keys import make_keys


class MigrationFailed(RuntimeError):
    pass


# The advisory lock every motcua process takes to migrate a PostgreSQL database ("motc").
MIGRATION_LOCK_KEY = 0x6D6F7463


@contextlib.asynccontextmanager
async def migration_lock(engine: Engine) -> AsyncIterator[None]:
    """One process migrates a database at a time; the others wait, then find nothing
    left to do. Two hosts starting at once on a fresh database otherwise both create
    the same tables, and one crashes. PostgreSQL: a session advisory lock, on a
    connection of its own for the whole run; SQLite: an exclusive lock on a file beside
    the database (the migrations' own transactions do not cover creating the tables
    Piccolo keeps its record in)."""
    if isinstance(engine, PostgresEngine):
        connection = await engine.get_new_connection()
        try:
            await connection.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY)
            yield
        finally:
            await connection.close()  # the session's lock goes with it
    elif isinstance(engine, SQLiteEngine):
        lock = os.open(Path(f"{engine.path}.migrate.lock"), os.O_CREAT | os.O_RDWR, 0o600)
        try:
            await anyio.to_thread.run_sync(fcntl.flock, lock, fcntl.LOCK_EX)
            yield
        finally:
            os.close(lock)  # the lock goes with the descriptor
    else:
        yield


async def migrate(engine: Engine, *, verbose: bool = False) -> str:
    """Run every migration not yet applied; returns Piccolo's report."""
    bind_engine(engine)
    async with migration_lock(engine):
        return await _migrate(engine, verbose=verbose)


async def _migrate(engine: Engine, *, verbose: bool) -> str:
    out = io.StringIO()
    manager = ForwardsMigrationManager(app_name="motcua", migration_id="all")
    with contextlib.redirect_stdout(out):
        result = await manager.run()
    report = out.getvalue()
    if verbose:
        print(report, end="")
    if not result.success:
        raise MigrationFailed(f"{result.message}\n{report}")
    # Every backup of a migrated database holds its keys (server/recovery/keys.py).
    await make_keys(engine)
    return report


@functools.cache
def migrations_on_disk() -> frozenset[str]:
    """The ids of the migrations this code carries (read once: new code means a restart)."""
    from piccolo.apps.migrations.commands.base import BaseMigrationManager

    from server.piccolo_app import MIGRATIONS_DIR

    return frozenset(BaseMigrationManager().get_migration_modules(str(MIGRATIONS_DIR)))


async def unapplied_migrations() -> list[str]:
    """The migrations on disk the bound database has not run, oldest first. Raises what
    the database raises when it has no migration table at all."""
    from piccolo.apps.migrations.tables import Migration

    ran = set(await Migration.get_migrations_which_ran(app_name="motcua"))
    return sorted(migrations_on_disk() - ran)
