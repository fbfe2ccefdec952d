from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-05T04:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "The desk extends a dossier's processing time once, to verify"

STATEMENTS = [
    "ALTER TABLE dossier ADD COLUMN extended_at TIMESTAMPTZ NULL",
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
