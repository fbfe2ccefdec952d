"""Each uploader's right to a file keeps the name they sent it under: the upload's own
record goes after a day, and a dossier waits at the desk for longer than that."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-05T22:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Blob uploaders: the file's name as sent"

# Files sent before keep the name of their latest upload record still held.
STATEMENTS = [
    "ALTER TABLE blob_uploader ADD COLUMN filename VARCHAR(255) NOT NULL DEFAULT ''",
    "UPDATE blob_uploader SET filename = COALESCE(("
    " SELECT u.filename FROM upload u WHERE u.sha256 = blob_uploader.sha256"
    " AND u.account_id = blob_uploader.account_id AND u.filename <> ''"
    " ORDER BY u.created_at DESC LIMIT 1), '')",
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
