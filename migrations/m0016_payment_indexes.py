from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-22T02:31:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "One payment reference pays one dossier"

STATEMENTS = [
    # Whatever races: two desks recording one reference, or a reference on two dossiers.
    "CREATE UNIQUE INDEX payment_provider_scope_reference ON payment (provider, scope, reference)",
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
