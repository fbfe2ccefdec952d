"""Nothing a person typed is lost (principle 5): a draft the person went on editing on
another device after the restore, then put back as submitted by the phone that had
submitted it before the restore."""

from __future__ import annotations

from pathlib import Path

import msgspec

from harness.sync_client import uuid7
from server.recovery.tables import PutBack
from server.settings import Settings
from tests.recovery import snapshots
from tests.recovery.test_put_back import serving
from tests.sync.conftest import device_for, make_account
from tests.sync.test_push_pull import birth_draft


async def test_answers_typed_after_the_restore_survive_a_submission_put_back(
    settings: Settings, tmp_path: Path
) -> None:
    async with serving(settings) as app:
        email = await make_account("citizen")
        phone, tablet = await device_for(app, email), await device_for(app, email)
        dossier = uuid7()
        birth_draft(phone, dossier)
        await phone.sync()
        await tablet.sync()
        copy = await snapshots.take(settings, tmp_path / "backup")
        phone.queue("submit", dossier, {}, 2)
        await phone.sync()
        await phone.pull_all()
        held = phone.held(str(dossier))
    await snapshots.put_back(settings, copy, declare=True)

    async with serving(settings, phone, tablet):
        assert (await tablet.recover([])).status_code == 200
        await tablet.pull_all()
        tablet.queue("edit_draft", dossier, {"changes": {"child.hometown": "Đà Lạt"}}, 2)
        [edited] = await tablet.sync()
        assert edited["status"] == "applied", edited
        [result] = (await phone.recover([held])).json()["results"]
        assert result["status"] == "restored" and result["code"] == held["code"]
        [row] = await PutBack.select().where(
            (PutBack.dossier_id == dossier) & (PutBack.device_id == phone.device_id)
        )
        assert row["note"] == "draft_changed_after_restore"
        # The tablet's answer is not applied (the dossier is submitted as the phone
        # holds it) but shown to the officials beside it, not dropped.
        assert "Đà Lạt" in msgspec.json.decode(row["detail"]).get("server_answers", {}).values()


async def test_a_submission_whose_stale_draft_was_deleted_after_the_restore_is_not_lost(
    settings: Settings, tmp_path: Path
) -> None:
    async with serving(settings) as app:
        email = await make_account("citizen")
        phone, tablet = await device_for(app, email), await device_for(app, email)
        dossier = uuid7()
        birth_draft(phone, dossier)
        await phone.sync()
        await tablet.sync()
        copy = await snapshots.take(settings, tmp_path / "backup")
        phone.queue("submit", dossier, {}, 2)
        await phone.sync()
        await phone.pull_all()
        held = phone.held(str(dossier))
    await snapshots.put_back(settings, copy, declare=True)

    async with serving(settings, phone, tablet):
        assert (await tablet.recover([])).status_code == 200
        await tablet.pull_all()
        # The family holds a receipt with the code; the tablet shows the old draft.
        tablet.queue("delete_draft", dossier, {}, 2)
        assert (await tablet.sync())[0]["status"] == "applied"
        [result] = (await phone.recover([held])).json()["results"]
        listed = await PutBack.count().where((PutBack.dossier_id == dossier) & (PutBack.note != ""))
        assert result["code"] == held["code"] or listed
