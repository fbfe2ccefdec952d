"""The notification outbox (written by hand; works on SQLite and PostgreSQL). The index
the sender's claim query uses comes in m0005_notify_outbox_due_index: Piccolo runs raw
SQL before it creates tables."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import UUID, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.defaults.uuid import UUID4
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-21T23:21:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Notification outbox"


def _params(default, *, null=False, primary_key=False, unique=False, **extra):
    return {
        "default": default,
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


TABLES = {
    ("OutboxMessage", "outbox_message"): [
        ("id", UUID, _params(UUID4(), primary_key=True)),
        ("channel", Varchar, _params("email", length=8)),
        ("recipient", Varchar, _params("", length=254)),
        ("template", Varchar, _params("", length=40)),
        ("language", Varchar, _params("vi", length=2)),
        ("params", Text, _params("")),
        ("status", Varchar, _params("pending", length=8)),
        ("attempts", Integer, _params(0)),
        ("next_attempt_at", Timestamptz, _params(TimestamptzNow())),
        ("claimed_until", Timestamptz, _params(None, null=True)),
        ("claim_token", UUID, _params(None, null=True)),
        ("last_error", Text, _params("")),
        ("created_at", Timestamptz, _params(TimestamptzNow())),
        ("sent_at", Timestamptz, _params(None, null=True)),
        ("message_key", Varchar, _params(None, null=True, unique=True, length=200)),
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
