"""A device that deletes a draft from an old view must not silently throw away what
another of the person's devices typed since (principle 5: a choice never overwrites
what the person never saw). Today the delete wins whatever `base_version` says, and the
other device would then drop its copy and its queue: the newer typing gone everywhere.
So the server refuses a delete from a view older than another device's change
(`changed_since_seen`); the device's own later edits it has seen."""

from __future__ import annotations

from contextlib import aclosing

from harness.sync_client import SyncDevice, uuid7
from server.dossiers.tables import Dossier
from tests.sync.conftest import app, citizen, device_for, make_account  # noqa: F401  (fixtures)
from tests.sync.test_push_pull import birth_draft


async def test_a_delete_from_an_old_view_does_not_erase_what_another_device_typed_since(
    app,
) -> None:
    email = await make_account("citizen")
    phone, tablet = await device_for(app, email), await device_for(app, email)
    async with aclosing(phone.http), aclosing(tablet.http):
        dossier = uuid7()
        birth_draft(phone, dossier)
        await phone.sync()  # both devices have seen version 2
        tablet.queue(
            "edit_draft", dossier, {"changes": {"child.hometown": "Thôn Đông, xã Yên Sở"}}, 2
        )
        assert (await tablet.sync())[0]["status"] == "applied"

        phone.queue("delete_draft", dossier, {}, 2)  # the phone never saw the tablet's edit
        [outcome] = await phone.sync()
        row = (
            await Dossier.select(Dossier.fields, Dossier.deleted_at)
            .where(Dossier.id == dossier)
            .first()
        )
        assert row["deleted_at"] is None and "Yên Sở" in row["fields"]
        assert outcome["status"] == "rejected"
        [reason] = outcome["reasons"]
        assert reason["code"] == "changed_since_seen" and reason["path"] == "base_version"
        # The tablet keeps its copy; the phone gets the newer answers back from the feed.
        view = (await phone.pull_all())[str(dossier)]
        assert "deleted" not in view or view["deleted"] is not True
        assert view["fields"]["child.hometown"] == "Thôn Đông, xã Yên Sở"


async def test_a_delete_from_a_view_that_saw_the_other_devices_change_is_applied(app) -> None:
    email = await make_account("citizen")
    phone, tablet = await device_for(app, email), await device_for(app, email)
    async with aclosing(phone.http), aclosing(tablet.http):
        dossier = uuid7()
        birth_draft(phone, dossier)
        await phone.sync()
        tablet.queue(
            "edit_draft", dossier, {"changes": {"child.hometown": "Thôn Đông, xã Yên Sở"}}, 2
        )
        assert (await tablet.sync())[0]["status"] == "applied"
        assert (await phone.pull_all())[str(dossier)]["version"] == 3  # the phone has seen it

        phone.queue("delete_draft", dossier, {}, 3)
        [outcome] = await phone.sync()
        assert outcome["status"] == "applied"
        row = await Dossier.select(Dossier.deleted_at).where(Dossier.id == dossier).first()
        assert row["deleted_at"] is not None


async def test_the_devices_own_later_edits_do_not_stop_its_delete(citizen: SyncDevice) -> None:
    dossier = uuid7()
    birth_draft(citizen, dossier)
    await citizen.sync()
    # Its edit and its delete both based on version 2: the edit is its own, it saw it.
    citizen.queue("edit_draft", dossier, {"changes": {"child.hometown": "Huế"}}, 2)
    citizen.queue("delete_draft", dossier, {}, 2)
    assert [o["status"] for o in await citizen.sync()] == ["applied", "applied"]
    row = await Dossier.select(Dossier.deleted_at).where(Dossier.id == dossier).first()
    assert row["deleted_at"] is not None
