"""A copy of a test's database, put back later: what a restore from last night's backup
does to the server (the product's own `motcua backup`/`restore` are tested in
tests/recovery/test_backup_restore.py)."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

from server.settings import Settings


def take(settings: Settings, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    if settings.engine == "sqlite":
        copy = directory / "copy.db"
        with sqlite3.connect(settings.sqlite_path) as source, sqlite3.connect(copy) as target:
            source.backup(target)
        return copy
    copy = directory / "copy.pgdump"
    subprocess.run(
        ["pg_dump", "--format=custom", "--file", str(copy), settings.database_url], check=True
    )
    return copy


def put_back(settings: Settings, copy: Path) -> None:
    """The database as it was when `copy` was taken (every server stopped)."""
    if settings.engine == "sqlite":
        with sqlite3.connect(copy) as source, sqlite3.connect(settings.sqlite_path) as target:
            source.backup(target)
        return
    subprocess.run(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--dbname",
            settings.database_url,
            str(copy),
        ],
        check=True,
    )
