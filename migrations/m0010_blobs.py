from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import UUID
from piccolo.columns.column_types import BigInt
from piccolo.columns.column_types import BigSerial
from piccolo.columns.column_types import Boolean
from piccolo.columns.column_types import Integer
from piccolo.columns.column_types import Text
from piccolo.columns.column_types import Timestamptz
from piccolo.columns.column_types import Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.defaults.uuid import UUID4
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-21T23:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Attachments: blobs, their references and uploaders, tus uploads"
# Unique indexes and the references of existing dossiers: m0010_blobs_indexes.py.

# (table class, table name, [(column, class, params)]); the params as Piccolo
# would write them, frozen here so later edits of the tables change nothing.
_NOW = TimestamptzNow()
TABLES = [
    ("Blob", "blob", [
        ("sha256", Varchar, {"length": 64, "default": "", "null": False, "primary_key": True}),
        ("size", BigInt, {"default": 0, "null": False}),
        ("media_type", Varchar, {"length": 64, "default": "", "null": False}),
        ("width", Integer, {"default": None, "null": True}),
        ("height", Integer, {"default": None, "null": True}),
        ("has_thumbnail", Boolean, {"default": False, "null": False}),
        ("created_at", Timestamptz, {"default": _NOW, "null": False}),
        ("created_by", UUID, {"default": None, "null": True}),
        ("released_at", Timestamptz, {"default": None, "null": True}),
    ]),
    ("BlobRef", "blob_ref", [
        ("id", BigSerial, {"null": False, "primary_key": True}),
        ("sha256", Varchar, {"length": 64, "default": "", "null": False, "index": True}),
        ("dossier_id", UUID, {"default": UUID4(), "null": False, "index": True}),
    ]),
    ("BlobUploader", "blob_uploader", [
        ("id", BigSerial, {"null": False, "primary_key": True}),
        ("sha256", Varchar, {"length": 64, "default": "", "null": False, "index": True}),
        ("account_id", UUID, {"default": UUID4(), "null": False}),
        ("device_id", UUID, {"default": None, "null": True}),
        ("at", Timestamptz, {"default": _NOW, "null": False}),
    ]),
    ("Upload", "upload", [
        ("id", Varchar, {"length": 32, "default": "", "null": False, "primary_key": True}),
        ("account_id", UUID, {"default": UUID4(), "null": False, "index": True}),
        ("device_id", UUID, {"default": None, "null": True}),
        ("sha256", Varchar, {"length": 64, "default": "", "null": False}),
        ("length", BigInt, {"default": 0, "null": False}),
        ("received", BigInt, {"default": 0, "null": False}),
        ("media_type", Varchar, {"length": 64, "default": "", "null": False}),
        ("filename", Varchar, {"length": 255, "default": "", "null": False}),
        ("metadata", Text, {"default": "", "null": False}),
        ("created_at", Timestamptz, {"default": _NOW, "null": False}),
        ("expires_at", Timestamptz, {"default": _NOW, "null": False, "index": True}),
        ("completed_at", Timestamptz, {"default": None, "null": True}),
    ]),
]

def _params(extra: dict) -> dict:
    return {
        "null": False, "primary_key": False, "unique": False, "index": False,
        "index_method": IndexMethod.btree, "choices": None, "db_column_name": None,
        "secret": False, **extra,
    }


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="motcua", description=DESCRIPTION)

    for class_name, tablename, _ in TABLES:
        manager.add_table(class_name=class_name, tablename=tablename, schema=None, columns=None)
    for class_name, tablename, columns in TABLES:
        for name, column_class, params in columns:
            manager.add_column(
                table_class_name=class_name, tablename=tablename, column_name=name,
                db_column_name=name, column_class_name=column_class.__name__,
                column_class=column_class, params=_params(params), schema=None,
            )

    return manager
