"""Demo mode's mail, SMS and payments in the database instead of a host's data dir,
so every host behind a balancer shows and confirms the same (written by hand; works
on SQLite and PostgreSQL). What the old files held is demo data and is not carried
over."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import UUID, Bytea, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.defaults.uuid import UUID4
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-04T23:55:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Demo mail, SMS and payments in the database"


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
    ("DemoMail", "demo_mail"): [
        ("id", UUID, _params(UUID4(), primary_key=True)),
        ("recipient", Varchar, _params("", length=254)),
        ("subject", Text, _params("")),
        ("message", Bytea, _params(b"")),
        ("delivered_at", Timestamptz, _params(TimestamptzNow(), index=True)),
    ],
    ("DemoSms", "demo_sms"): [
        ("id", UUID, _params(UUID4(), primary_key=True)),
        ("recipient", Varchar, _params("", length=32)),
        ("text", Text, _params("")),
        ("delivered_at", Timestamptz, _params(TimestamptzNow(), index=True)),
    ],
    ("DemoPayment", "demo_payment"): [
        ("reference", Varchar, _params("", primary_key=True, length=15)),
        ("dossier_code", Varchar, _params("", length=16)),
        ("amount", Integer, _params(0)),
        ("paid_at", Timestamptz, _params(TimestamptzNow(), index=True)),
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
