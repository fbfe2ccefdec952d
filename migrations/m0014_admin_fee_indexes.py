from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-21T23:51:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Unique (province_code, item) of the fee schedule; piccolo-admin session lookup"

STATEMENTS = [
    # One amount per item per province ("00": national).
    "CREATE UNIQUE INDEX provincial_fee_province_item ON provincial_fee (province_code, item)",
    # piccolo-admin looks every request's session up by token, and ours by user.
    "CREATE INDEX sessions_token ON sessions (token)",
    "CREATE INDEX sessions_user_id ON sessions (user_id)",
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
