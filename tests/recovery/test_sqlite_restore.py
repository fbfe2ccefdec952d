"""A SQLite restore over a database whose server crashed, leaving a -wal file with
frames the main file lacks: the restore goes through SQLite, so those frames are
superseded, not replayed onto the restored pages."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from server.settings import Settings
from tests.recovery.helpers import cli
from tests.support.databases import settings_for


@pytest.fixture(autouse=True)
def _sqlite_only(engine_kind: str) -> None:
    if engine_kind != "sqlite":
        pytest.skip("SQLite's write-ahead log")


def _crash_with_frames_in_the_wal(database: Path, saved: Path) -> None:
    """Write in WAL mode without checkpointing, keep the files as a killed process
    would have left them, and put them back once the connection is gone."""
    wal = Path(f"{database}-wal")
    writer = sqlite3.connect(database)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA wal_autocheckpoint=0")
    writer.execute(
        "INSERT INTO reference_dataset (name, etag, updated_at) "
        "VALUES ('after_the_backup', 'x', '2026-12-04 00:00:00+00:00')"
    )
    writer.commit()
    shutil.copyfile(database, saved)
    shutil.copyfile(wal, f"{saved}-wal")
    writer.close()
    shutil.copyfile(saved, database)
    shutil.copyfile(f"{saved}-wal", wal)


def test_restore_supersedes_a_crashed_servers_wal(settings: Settings, tmp_path: Path) -> None:
    assert cli(settings, "backup", str(tmp_path / "b")).exit_code == 0
    database = settings.sqlite_path
    _crash_with_frames_in_the_wal(database, tmp_path / "crashed.db")
    assert Path(f"{database}-wal").stat().st_size > 0

    result = cli(settings, "restore", str(tmp_path / "b"))
    assert result.exit_code == 0, result.output

    assert not Path(f"{database}-wal").exists() and not Path(f"{database}-shm").exists()
    db = sqlite3.connect(database)
    names = {r[0] for r in db.execute("SELECT name FROM reference_dataset")}
    assert "after_the_backup" not in names  # the stale frames were not replayed
    assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("SELECT max(number) FROM server_generation").fetchone()[0] == 2


def test_restore_onto_a_new_machine(settings: Settings, tmp_path: Path) -> None:
    """No database and no blob store yet: both are made from the backup."""
    assert cli(settings, "backup", str(tmp_path / "b")).exit_code == 0
    fresh = tmp_path / "new-machine"
    new = settings_for(f"sqlite:///{fresh / 'motcua.db'}", fresh)
    result = cli(new, "restore", str(tmp_path / "b"))
    assert result.exit_code == 0, result.output
    db = sqlite3.connect(fresh / "motcua.db")
    assert db.execute("SELECT count(*) FROM commune").fetchone()[0] > 3000
    assert db.execute("SELECT cause FROM server_generation").fetchall() == [("restore",)]
