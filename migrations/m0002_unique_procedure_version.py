from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-21T23:06:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "One row per (procedure, version)"

STATEMENTS = [
    # Two seeds racing cannot both add the same version of a procedure.
    "CREATE UNIQUE INDEX procedure_version_code_version "
    "ON procedure_version (procedure_code, version)",
]
BACKWARDS = ["DROP INDEX procedure_version_code_version"]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="motcua", description=DESCRIPTION)

    # The engine is looked up at run time: a table class would keep the first
    # engine it saw, and tests migrate several databases in one process.
    async def create_index():
        engine = engine_finder()
        assert engine is not None  # MigrationManager.run found it before calling this
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    async def drop_index():
        engine = engine_finder()
        assert engine is not None
        for statement in BACKWARDS:
            await engine.run_ddl(statement)

    manager.add_raw(create_index)
    manager.add_raw_backwards(drop_index)
    return manager
