"""The calendar's version row (written by hand; works on SQLite and PostgreSQL)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-21T23:41:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "The calendar's version row, there before any process caches the overrides"

STATEMENTS = [
    # ON CONFLICT: databases migrated before this file existed got the row from
    # m0011_calendar itself.
    "INSERT INTO calendar_version (id, token) VALUES (1, 'initial') ON CONFLICT (id) DO NOTHING",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="motcua", description=DESCRIPTION)

    # The engine is looked up at run time (see m0002).
    async def insert_row():
        engine = engine_finder()
        assert engine is not None  # MigrationManager.run found it before calling this
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    manager.add_raw(insert_row)
    return manager
