from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-03T14:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "A mutation id is applied once per device, whatever seq it is sent under"

STATEMENTS = [
    "ALTER TABLE applied_mutation ADD COLUMN repeat_of BIGINT NULL",
    # Rows recorded before this rule: every application after a device's first of a
    # mutation id becomes a repeat of it, so that the index below can be built.
    "UPDATE applied_mutation SET repeat_of = (SELECT min(first.seq) FROM applied_mutation first "
    "WHERE first.device_id = applied_mutation.device_id AND first.mutation_id = applied_mutation.mutation_id) "
    "WHERE seq > (SELECT min(first.seq) FROM applied_mutation first "
    "WHERE first.device_id = applied_mutation.device_id AND first.mutation_id = applied_mutation.mutation_id)",
    # Whatever races (two processes, a stalled one): one application per mutation id.
    "CREATE UNIQUE INDEX applied_mutation_device_mutation ON applied_mutation (device_id, mutation_id) "
    "WHERE repeat_of IS NULL",
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
