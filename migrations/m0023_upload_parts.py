"""Unfinished uploads keep their bytes in the database (upload_part), so that any
server process sharing it continues any upload; and two leases on the upload row
(a PATCH receiving, a process finishing) that every process sees."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.engine.postgres import PostgresEngine

ID = "2026-12-04T23:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = (
    "Uploads: the bytes of unfinished uploads in the database; receiving and finishing leases"
)

# Uploads under way kept their bytes in one host's <data dir>/uploads, which the new
# code never reads: they start again from offset 0 (the client's HEAD learns it and
# sends the file from the start). Their old files go with the uploads cleanup.
RESTART = "UPDATE upload SET received = 0, media_type = '' WHERE completed_at IS NULL"

SQLITE = [
    "ALTER TABLE upload ADD COLUMN receiving_until TIMESTAMPTZ DEFAULT null",
    "ALTER TABLE upload ADD COLUMN finishing_until TIMESTAMPTZ DEFAULT null",
    'CREATE TABLE upload_part ("id" INTEGER PRIMARY KEY NOT NULL, '
    '"upload_id" VARCHAR(32) NOT NULL REFERENCES upload (id) ON DELETE CASCADE, '
    '"start" INTEGER NOT NULL, "data" BLOB NOT NULL)',
    "CREATE UNIQUE INDEX upload_part_start ON upload_part (upload_id, start)",
    RESTART,
]
POSTGRES = [
    "ALTER TABLE upload ADD COLUMN receiving_until TIMESTAMPTZ NULL DEFAULT NULL",
    "ALTER TABLE upload ADD COLUMN finishing_until TIMESTAMPTZ NULL DEFAULT NULL",
    'CREATE TABLE upload_part ("id" BIGSERIAL PRIMARY KEY, '
    '"upload_id" VARCHAR(32) NOT NULL REFERENCES upload (id) ON DELETE CASCADE, '
    '"start" BIGINT NOT NULL, "data" BYTEA NOT NULL)',
    "CREATE UNIQUE INDEX upload_part_start ON upload_part (upload_id, start)",
    # Photos and PDFs are compressed already: stored out of line, not compressed again.
    "ALTER TABLE upload_part ALTER COLUMN data SET STORAGE EXTERNAL",
    RESTART,
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="motcua", description=DESCRIPTION)

    # The engine is looked up at run time (see m0002).
    async def apply():
        engine = engine_finder()
        assert engine is not None  # MigrationManager.run found it before calling this
        for statement in POSTGRES if isinstance(engine, PostgresEngine) else SQLITE:
            await engine.run_ddl(statement)

    manager.add_raw(apply)
    return manager
