"""A SQLite backup taken while a server keeps applying pushes is a consistent copy:
SQLite's backup API reads every page in one read transaction, WAL included."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

import pytest

from harness.sync_client import SyncDevice, birth_answers, uuid7
from server.clock import vn_today
from server.settings import Settings
from tests.recovery.helpers import motcua
from tests.sync.conftest import app, citizen  # noqa: F401  (fixtures)

AFTER_THE_BACKUP = 3  # pushes once the backup has ended, so the live database is ahead


@pytest.fixture(autouse=True)
def _sqlite_only(engine_kind: str) -> None:
    if engine_kind != "sqlite":
        pytest.skip("the SQLite backup API")


async def _push_one(device: SyncDevice) -> None:
    """A draft and an edit of it, in one batch: two applied mutations, one dossier."""
    dossier = uuid7()
    fields = birth_answers(vn_today())
    device.queue("create_draft", dossier, {"procedure_code": "khai-sinh", "fields": fields})
    device.queue("edit_draft", dossier, {"changes": {"child.hometown": "Nam Định"}}, 1)
    outcomes = await device.sync()
    assert [o["status"] for o in outcomes] == ["applied", "applied"], outcomes


async def test_a_backup_taken_while_pushes_keep_coming_is_consistent(
    settings: Settings,
    citizen: SyncDevice,
    tmp_path: Path,
) -> None:
    await _push_one(citizen)
    backup = asyncio.create_task(asyncio.to_thread(motcua, settings, "backup", str(tmp_path / "b")))
    during = 0
    while not backup.done():
        await _push_one(citizen)
        during += 1
    taken = backup.result()
    assert taken.returncode == 0, taken.stderr
    for _ in range(AFTER_THE_BACKUP):
        await _push_one(citizen)
    assert during > 0  # the server kept writing while the backup process ran

    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    copy = sqlite3.connect(tmp_path / "b" / manifest["database_file"])
    assert copy.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    orphans = copy.execute(
        "SELECT count(*) FROM applied_mutation a "
        "WHERE NOT EXISTS (SELECT 1 FROM dossier d WHERE d.id = a.dossier_id)"
    ).fetchone()[0]
    assert orphans == 0
    copied = copy.execute("SELECT count(*) FROM applied_mutation").fetchone()[0]
    assert copied >= 2 and copied % 2 == 0  # whole batches only
    assert copy.execute("SELECT count(*) FROM backup_log").fetchone()[0] == 1
    assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one file
    live = sqlite3.connect(settings.sqlite_path)
    total = live.execute("SELECT count(*) FROM applied_mutation").fetchone()[0]
    assert total == 2 * (1 + during + AFTER_THE_BACKUP) > copied
