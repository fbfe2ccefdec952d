"""The one Piccolo app: every table of the server, migrations in /migrations."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from server.tables import ALL_TABLES

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"

APP_CONFIG = AppConfig(
    app_name="motcua",
    migrations_folder_path=str(MIGRATIONS_DIR),
    table_classes=list(ALL_TABLES),
    migration_dependencies=[],
    commands=[],
)
