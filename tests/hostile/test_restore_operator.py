"""The unlucky operator (docs/backups.md): a backup directory that was tampered with
or rotted on its disk must not put other bytes into the store under a file's name.
The store never rewrites a file it holds, so such bytes would stay for good: served to
officials as the person's document, and the true file's upload skipped as a duplicate."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import pytest

from harness.server_process import server_env
from harness.sync_client import uuid7
from server.attachments.store.base import blob_key
from server.recovery.backup import take_backup
from server.recovery.manifest import BackupRefused
from server.recovery.restore import restore_backup
from server.settings import Settings
from tests.recovery import snapshots
from tests.recovery.test_put_back import serving
from tests.sync.conftest import device_for, make_account
from tests.sync.test_push_pull import birth_draft


async def test_a_backup_file_whose_bytes_are_not_its_name_is_not_copied_back(
    settings: Settings, tmp_path: Path
) -> None:
    async with serving(settings):
        copy = await snapshots.take(settings, tmp_path / "backup")
    genuine = b"%PDF-1.4 the birth certificate"
    name = hashlib.sha256(genuine).hexdigest()
    forged = copy / "blobs" / blob_key(name)
    forged.parent.mkdir(parents=True, exist_ok=True)
    forged.write_bytes(b"%PDF-1.4 something else")
    honest = b"%PDF-1.4 an honest file"
    kept = copy / "blobs" / blob_key(hashlib.sha256(honest).hexdigest())
    kept.parent.mkdir(parents=True, exist_ok=True)
    kept.write_bytes(honest)

    report = await restore_backup(settings, copy)

    store = settings.data_dir / "blobs"
    assert not (store / blob_key(name)).exists()
    assert (store / blob_key(hashlib.sha256(honest).hexdigest())).read_bytes() == honest
    assert report.blobs_copied == 1


@pytest.mark.parametrize("kind", ["dangling_symlink", "under_a_file"])
async def test_a_backup_path_that_cannot_be_a_directory_is_refused_in_a_sentence(
    settings: Settings, tmp_path: Path, kind: str
) -> None:
    """`motcua backup` prints a BackupRefused in one line; any other error is a traceback."""
    if kind == "dangling_symlink":
        path = tmp_path / "backup"
        path.symlink_to(tmp_path / "nowhere" / "backup")
    else:
        (tmp_path / "a_file").write_text("x")
        path = tmp_path / "a_file" / "backup"
    async with serving(settings):
        with pytest.raises(BackupRefused, match=str(path)):
            await take_backup(settings, path)


async def test_a_server_left_running_during_a_restore_hands_out_no_lost_code(
    settings: Settings, tmp_path: Path
) -> None:
    """docs/backups.md asks that every server be stopped. One left running must still
    never count codes from the restored counters: on SQLite the restored copy is migrated
    and its generation begun before it goes over the database in one step; PostgreSQL
    refuses to restore while anything else is connected."""
    async with serving(settings) as app:
        phone = await device_for(app, await make_account("citizen"))
        await phone.sync()
        copy = await snapshots.take(settings, tmp_path / "backup")
        lost = uuid7()
        birth_draft(phone, lost)
        phone.queue("submit", lost, {}, 2)
        lost_code = (await phone.sync())[-1]["code"]

        # `motcua restore`, as an operator runs it, with the server still serving.
        process = await asyncio.create_subprocess_exec(
            str(snapshots.MOTCUA),
            "restore",
            str(copy),
            env=server_env(settings),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output = (await process.communicate())[0].decode()
        if settings.engine == "postgres":
            assert process.returncode == 1 and "stop every motcua server" in output, output
        else:
            assert process.returncode == 0, output
        newcomer = await device_for(app, await make_account("citizen"))
        fresh = uuid7()
        birth_draft(newcomer, fresh)
        newcomer.queue("submit", fresh, {}, 2)
        r = await newcomer.push()
        await newcomer.http.aclose()
    assert r.status_code in (200, 409), r.text
    if r.status_code == 200:
        assert r.json()["outcomes"][-1].get("code") != lost_code
