from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-21T23:26:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Unique (device, seq), (commune, year) and the change-feed position"

STATEMENTS = [
    # Exactly once: a second (device, seq) cannot be recorded, whatever races.
    "CREATE UNIQUE INDEX applied_mutation_device_seq ON applied_mutation (device_id, seq)",
    "CREATE UNIQUE INDEX code_counter_commune_year ON code_counter (commune_code, year)",
    "CREATE INDEX change_feed_position ON change_feed (txid, id)",
    "CREATE INDEX dossier_history_dossier_id_id ON dossier_history (dossier_id, id)",
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
