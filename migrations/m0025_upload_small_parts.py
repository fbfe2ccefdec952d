"""Each upload counts its small parts (smaller than the smallest chunk size, not the
last): a client sending a file a byte a PATCH would otherwise make a row per byte."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-05T01:05:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Uploads: count each upload's small parts"

# Uploads under way start counting at 0: the parts they already hold go uncounted.
STATEMENTS = [
    "ALTER TABLE upload ADD COLUMN small_parts INTEGER NOT NULL DEFAULT 0",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="motcua", description=DESCRIPTION)

    # The engine is looked up at run time (see m0002).
    async def apply():
        engine = engine_finder()
        assert engine is not None  # MigrationManager.run found it before calling this
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    manager.add_raw(apply)
    return manager
