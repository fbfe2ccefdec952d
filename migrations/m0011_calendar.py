"""The working-day calendar's overrides and its version table (written by hand; works
on SQLite and PostgreSQL). The version row comes in m0011_calendar_version_row: Piccolo
runs raw SQL before it creates tables."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import UUID, Date, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.date import DateNow
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-21T23:41:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Calendar overrides (holidays, swapped working days) and their version table"


_NO_DEFAULT = object()


def _params(default=_NO_DEFAULT, *, null=False, primary_key=False, unique=False, **extra):
    params = {
        "null": null,
        "primary_key": primary_key,
        "unique": unique,
        "index": False,
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
    ("CalendarOverride", "calendar_override"): [
        ("id", Serial, _params(primary_key=True)),
        ("day", Date, _params(DateNow(), unique=True)),
        ("kind", Varchar, _params("", length=16)),
        ("note", Text, _params("")),
        ("updated_at", Timestamptz, _params(TimestamptzNow())),
        ("updated_by", UUID, _params(None, null=True)),
    ],
    ("CalendarVersion", "calendar_version"): [
        ("id", Integer, _params(0, primary_key=True)),
        ("token", Varchar, _params("initial", length=36)),
        ("changed_at", Timestamptz, _params(None, null=True)),
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
