"""What a server restored from a backup needs to know and take back (written by hand;
works on SQLite and PostgreSQL): its generations, the backups taken, what devices put
back, and the generation each device last synced in."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import UUID, BigInt, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.defaults.uuid import UUID4
from piccolo.columns.indexes import IndexMethod
from piccolo.engine import engine_finder

ID = "2026-12-04T20:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Server generations, backups and what devices put back after a restore"


def _params(default, *, null=False, primary_key=False, unique=False, index=False, **extra):
    return {
        "default": default,
        "null": null,
        "primary_key": primary_key,
        "unique": unique,
        "index": index,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
        **extra,
    }


TABLES = {
    ("ServerGeneration", "server_generation"): [
        ("number", Integer, _params(0, primary_key=True)),
        ("started_at", Timestamptz, _params(TimestamptzNow())),
        ("cause", Varchar, _params("", length=16)),
        ("backup_taken_at", Timestamptz, _params(None, null=True)),
        ("detail", Text, _params("")),
    ],
    ("BackupLog", "backup_log"): [
        ("id", UUID, _params(UUID4(), primary_key=True)),
        ("taken_at", Timestamptz, _params(TimestamptzNow())),
        ("generation", Integer, _params(0)),
        ("engine", Varchar, _params("", length=16)),
    ],
    ("PutBack", "put_back"): [
        ("id", UUID, _params(UUID4(), primary_key=True)),
        ("generation", Integer, _params(0)),
        ("device_id", UUID, _params(UUID4())),
        ("account_id", UUID, _params(UUID4())),
        ("dossier_id", UUID, _params(UUID4(), index=True)),
        ("commune_code", Varchar, _params("", length=5, index=True)),
        ("code", Varchar, _params(None, null=True, length=16)),
        ("status", Varchar, _params("", length=16)),
        ("note", Varchar, _params("", length=32)),
        ("phone_state", Integer, _params(None, null=True)),
        ("phone_version", BigInt, _params(None, null=True)),
        ("server_state", Integer, _params(None, null=True)),
        ("server_version", Integer, _params(None, null=True)),
        ("detail", Text, _params("{}")),
        ("outcome", Text, _params("")),
        ("at", Timestamptz, _params(TimestamptzNow())),
    ],
}

# Piccolo runs raw steps before it adds tables: the unique index on put_back is m0022's.
STATEMENTS = [
    "ALTER TABLE device_sequence ADD COLUMN generation INTEGER NOT NULL DEFAULT 1",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="motcua", description=DESCRIPTION)
    for (class_name, tablename), columns in TABLES.items():
        manager.add_table(class_name=class_name, tablename=tablename, schema=None, columns=None)
        for name, column_class, params in columns:
            manager.add_column(
                table_class_name=class_name,
                tablename=tablename,
                column_name=name,
                db_column_name=name,
                column_class_name=column_class.__name__,
                column_class=column_class,
                params=params,
                schema=None,
            )

    # The engine is looked up at run time (see m0002).
    async def apply():
        engine = engine_finder()
        assert engine is not None  # MigrationManager.run found it before calling this
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    manager.add_raw(apply)
    return manager
