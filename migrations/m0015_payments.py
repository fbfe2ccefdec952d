"""Recorded fee payments (written by hand; works on SQLite and PostgreSQL). The unique
(provider, scope, reference) index comes in m0016: Piccolo runs raw SQL before it
creates tables."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import UUID, Integer, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.defaults.uuid import UUID4
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-22T02:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Fee payments recorded by the desk, from the desk or a payment provider"

_NO_DEFAULT = object()


def _params(default=_NO_DEFAULT, *, null=False, primary_key=False, index=False, **extra):
    params = {
        "null": null,
        "primary_key": primary_key,
        "unique": False,
        "index": index,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
        **extra,
    }
    if default is not _NO_DEFAULT:  # a Serial has none
        params["default"] = default
    return params


TABLES = {
    ("Payment", "payment"): [
        ("id", Serial, _params(primary_key=True)),
        ("dossier_id", UUID, _params(UUID4(), index=True)),
        ("provider", Varchar, _params("", length=32)),
        ("scope", Varchar, _params("", length=5)),
        ("reference", Varchar, _params("", length=128)),
        ("amount", Integer, _params(0)),
        ("paid_at", Timestamptz, _params(TimestamptzNow())),
        ("recorded_at", Timestamptz, _params(TimestamptzNow())),
        ("recorded_by", UUID, _params(None, null=True)),
    ],
}


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
    return manager
