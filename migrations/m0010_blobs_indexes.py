import json
import re

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-21T23:40:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "Unique blob references and uploaders; references of existing dossiers"

STATEMENTS = [
    # One reference per (dossier, hash) and one upload right per (hash, account),
    # whatever races.
    "CREATE UNIQUE INDEX blob_ref_dossier_sha256 ON blob_ref (dossier_id, sha256)",
    "CREATE UNIQUE INDEX blob_uploader_sha256_account ON blob_uploader (sha256, account_id)",
]
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="motcua", description=DESCRIPTION)

    # The engine is looked up at run time (see m0002).
    async def indexes_and_backfill():
        engine = engine_finder()
        assert engine is not None  # MigrationManager.run found it before calling this
        for statement in STATEMENTS:
            await engine.run_ddl(statement)
        # Dossiers drafted before attachments were tracked: index the hashes their
        # attachment fields (lists of SHA-256 digests) hold.
        rows = await engine.run_ddl("SELECT id, fields FROM dossier")
        for row in rows or []:
            fields = json.loads(row["fields"] or "{}")
            hashes = {
                v
                for value in fields.values()
                if isinstance(value, list)
                for v in value
                if isinstance(v, str) and _SHA256.fullmatch(v)
            }
            for digest in sorted(hashes):  # hex digits and a UUID from the database only
                await engine.run_ddl(
                    f"INSERT INTO blob_ref (sha256, dossier_id) VALUES ('{digest}', '{row['id']}')"
                )

    manager.add_raw(indexes_and_backfill)
    return manager
