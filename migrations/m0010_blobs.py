"""Attachments: blobs, their references and uploaders, tus uploads (written by hand;
works on SQLite and PostgreSQL). The unique indexes and the references of existing
dossiers come in m0010_blobs_indexes: Piccolo runs raw SQL before it creates tables."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import (
    UUID,
    BigInt,
    BigSerial,
    Boolean,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.defaults.uuid import UUID4
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-21T23:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Attachments: blobs, their references and uploaders, tus uploads"

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
    if default is not _NO_DEFAULT:  # a BigSerial has none
        params["default"] = default
    return params


TABLES = {
    ("Blob", "blob"): [
        ("sha256", Varchar, _params("", primary_key=True, length=64)),
        ("size", BigInt, _params(0)),
        ("media_type", Varchar, _params("", length=64)),
        ("width", Integer, _params(None, null=True)),
        ("height", Integer, _params(None, null=True)),
        ("has_thumbnail", Boolean, _params(False)),
        ("created_at", Timestamptz, _params(TimestamptzNow())),
        ("created_by", UUID, _params(None, null=True)),
        ("released_at", Timestamptz, _params(None, null=True)),
    ],
    ("BlobRef", "blob_ref"): [
        ("id", BigSerial, _params(primary_key=True)),
        ("sha256", Varchar, _params("", length=64, index=True)),
        ("dossier_id", UUID, _params(UUID4(), index=True)),
    ],
    ("BlobUploader", "blob_uploader"): [
        ("id", BigSerial, _params(primary_key=True)),
        ("sha256", Varchar, _params("", length=64, index=True)),
        ("account_id", UUID, _params(UUID4())),
        ("device_id", UUID, _params(None, null=True)),
        ("at", Timestamptz, _params(TimestamptzNow())),
    ],
    ("Upload", "upload"): [
        ("id", Varchar, _params("", primary_key=True, length=32)),
        ("account_id", UUID, _params(UUID4(), index=True)),
        ("device_id", UUID, _params(None, null=True)),
        ("sha256", Varchar, _params("", length=64)),
        ("length", BigInt, _params(0)),
        ("received", BigInt, _params(0)),
        ("media_type", Varchar, _params("", length=64)),
        ("filename", Varchar, _params("", length=255)),
        ("metadata", Text, _params("")),
        ("created_at", Timestamptz, _params(TimestamptzNow())),
        ("expires_at", Timestamptz, _params(TimestamptzNow(), index=True)),
        ("completed_at", Timestamptz, _params(None, null=True)),
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
