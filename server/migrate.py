"""Bring the database schema up to date with the migrations in /migrations."""

from __future__ import annotations

import contextlib
import io

from piccolo.apps.migrations.commands.forwards import ForwardsMigrationManager
from piccolo.engine.base import Engine

from server.database import bind_engine
from server.recovery.keys import make_keys


class MigrationFailed(RuntimeError):
    pass


async def migrate(engine: Engine, *, verbose: bool = False) -> str:
    """Run every migration not yet applied; returns Piccolo's report."""
    bind_engine(engine)
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
