from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer
from piccolo.columns.column_types import Timestamptz
from piccolo.columns.column_types import Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-03T14:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "The key that permutes dossier code sequences (made at first use)"


def _params(**extra):
    return {"null": False, "primary_key": False, "unique": False, "index": False,
            "index_method": IndexMethod.btree, "choices": None, "db_column_name": None,
            "secret": False, **extra}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="motcua", description=DESCRIPTION)
    manager.add_table(class_name="CodeKey", tablename="code_key", schema=None, columns=None)
    manager.add_column(
        table_class_name="CodeKey", tablename="code_key", column_name="id", db_column_name="id",
        column_class_name="Integer", column_class=Integer,
        params=_params(default=0, primary_key=True), schema=None)
    manager.add_column(
        table_class_name="CodeKey", tablename="code_key", column_name="key", db_column_name="key",
        column_class_name="Varchar", column_class=Varchar,
        params=_params(length=64, default="", secret=True), schema=None)
    manager.add_column(
        table_class_name="CodeKey", tablename="code_key", column_name="created_at",
        db_column_name="created_at", column_class_name="Timestamptz", column_class=Timestamptz,
        params=_params(default=TimestamptzNow()), schema=None)
    return manager
