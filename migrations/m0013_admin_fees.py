"""The fee schedule, and the user and session tables of piccolo-admin (written by
hand; works on SQLite and PostgreSQL). The unique (province_code, item) index comes in
m0014: Piccolo runs raw SQL before it creates tables."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import (
    UUID,
    Boolean,
    Integer,
    Secret,
    Serial,
    Text,
    Timestamp,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamp import TimestampOffset
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-21T23:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Provincial fee schedule; piccolo-admin's user and session tables"

_NO_DEFAULT = object()


def _params(
    default=_NO_DEFAULT, *, null=False, primary_key=False, unique=False, secret=False, **extra
):
    params = {
        "null": null,
        "primary_key": primary_key,
        "unique": unique,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": secret,
        **extra,
    }
    if default is not _NO_DEFAULT:  # a Serial has none
        params["default"] = default
    return params


TABLES = {
    ("ProvincialFee", "provincial_fee"): [
        ("id", Serial, _params(primary_key=True)),
        ("province_code", Varchar, _params("", length=2)),
        ("item", Varchar, _params("", length=64)),
        ("amount", Integer, _params(0)),
        ("note", Text, _params("")),
        ("updated_at", Timestamptz, _params(TimestamptzNow())),
        ("updated_by", UUID, _params(None, null=True)),
    ],
    # piccolo.apps.user.tables.BaseUser: the mirror of each motcua administrator
    # that piccolo-admin signs in (see server/admin/gate.py).
    ("BaseUser", "piccolo_user"): [
        ("id", Serial, _params(primary_key=True)),
        ("username", Varchar, _params("", length=100, unique=True)),
        ("password", Secret, _params("", length=255, secret=True)),
        ("first_name", Varchar, _params("", length=255, null=True)),
        ("last_name", Varchar, _params("", length=255, null=True)),
        ("email", Varchar, _params("", length=255, unique=True)),
        ("active", Boolean, _params(False)),
        ("admin", Boolean, _params(False)),
        ("superuser", Boolean, _params(False)),
        ("last_login", Timestamp, _params(None, null=True)),
    ],
    # piccolo_api.session_auth.tables.SessionsBase
    ("SessionsBase", "sessions"): [
        ("id", Serial, _params(primary_key=True)),
        ("token", Varchar, _params("", length=100, secret=True)),
        ("user_id", Integer, _params(0)),
        ("expiry_date", Timestamp, _params(TimestampOffset(hours=1))),
        ("max_expiry_date", Timestamp, _params(TimestampOffset(days=7))),
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
