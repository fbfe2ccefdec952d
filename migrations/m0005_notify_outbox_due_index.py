"""The index of the notification sender's claim query (written by hand; works on SQLite
and PostgreSQL)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-21T23:21:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "The outbox's due messages, by status and next attempt"

STATEMENTS = [
    # IF NOT EXISTS: databases migrated before this file existed got the index from
    # m0005_notify_outbox itself.
    "CREATE INDEX IF NOT EXISTS outbox_message_status_next_attempt_at "
    "ON outbox_message (status, next_attempt_at)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="motcua", description=DESCRIPTION)

    # The engine is looked up at run time (see m0002).
    async def create_indexes():
        engine = engine_finder()
        assert engine is not None  # MigrationManager.run found it before calling this
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    manager.add_raw(create_indexes)
    return manager
