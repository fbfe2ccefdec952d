"""Deleting a draft: a protocol mutation, so the server and the person's other
devices drop it too. A submitted dossier is withdrawn, never deleted."""

from __future__ import annotations

from contextlib import aclosing

from harness.sync_client import SyncDevice, uuid7
from server.attachments.tables import BlobRef
from server.dossiers.tables import Dossier
from tests.sync.conftest import device_for, make_account
from tests.sync.test_push_pull import birth_draft


async def test_a_synced_draft_is_deleted_and_its_tombstone_reaches_the_other_device(app) -> None:
    email = await make_account("citizen")
    phone, tablet = await device_for(app, email), await device_for(app, email)
    async with aclosing(phone.http), aclosing(tablet.http):
        dossier = uuid7()
        birth_draft(phone, dossier)
        assert [o["status"] for o in await phone.sync()] == ["applied", "applied"]
        assert (await tablet.pull_all())[str(dossier)]["fields"]  # the tablet holds the draft
        assert await BlobRef.count().where(BlobRef.dossier_id == dossier) == 1

        phone.queue("delete_draft", dossier, {}, 2)
        [outcome] = await phone.sync()
        assert outcome["status"] == "applied" and outcome["version"] == 3

        row = await Dossier.select().where(Dossier.id == dossier).first()
        assert row["deleted_at"] is not None
        assert row["fields"] == "{}"  # the answers are gone from the server
        assert (
            await BlobRef.count().where(BlobRef.dossier_id == dossier) == 0
        )  # its files are no longer held

        view = (await tablet.pull_all())[str(dossier)]
        assert view["deleted"] is True and view["fields"] == {} and view["version"] == 3

        # Whatever the tablet still had queued for it is refused, naming why.
        tablet.queue("edit_draft", dossier, {"changes": {"child.hometown": "Huế"}}, 2)
        [late] = await tablet.sync()
        assert late["status"] == "rejected" and late["reasons"][0]["code"] == "draft_deleted"
        # Deleting it again, from the tablet, is what it wants: done.
        tablet.queue("delete_draft", dossier, {}, 2)
        assert (await tablet.sync())[0]["status"] == "applied"
        assert (await Dossier.select(Dossier.version).where(Dossier.id == dossier).first())[
            "version"
        ] == 3


async def test_a_submitted_dossier_cannot_be_deleted(citizen: SyncDevice) -> None:
    dossier = uuid7()
    birth_draft(citizen, dossier)
    citizen.queue("submit", dossier, {}, 2)
    citizen.queue("delete_draft", dossier, {}, 3)
    outcomes = await citizen.sync()
    assert [o["status"] for o in outcomes] == ["applied", "applied", "applied", "rejected"]
    [reason] = outcomes[-1]["reasons"]
    assert reason["code"] == "submitted_withdraw_instead" and "withdraw" in reason["message"]
    assert outcomes[-1]["state"] == 1
    row = await Dossier.select().where(Dossier.id == dossier).first()
    assert row["state"] == 1 and row["deleted_at"] is None and row["fields"] != "{}"


async def test_someone_elses_draft_cannot_be_deleted(app) -> None:
    owner, stranger = (
        await device_for(app, await make_account("citizen")),
        await device_for(app, await make_account("citizen")),
    )
    async with aclosing(owner.http), aclosing(stranger.http):
        dossier = uuid7()
        birth_draft(owner, dossier)
        await owner.sync()
        stranger.queue("delete_draft", dossier, {}, 2)
        [outcome] = await stranger.sync()
        # The same answer as for a dossier that does not exist: ids cannot be probed.
        assert (
            outcome["status"] == "rejected" and outcome["reasons"][0]["code"] == "unknown_dossier"
        )
        assert "state" not in outcome and "version" not in outcome
        row = await Dossier.select().where(Dossier.id == dossier).first()
        assert row["deleted_at"] is None and row["version"] == 2
        assert (await owner.pull_all())[str(dossier)]["deleted"] is False


async def test_delete_draft_takes_no_payload(citizen: SyncDevice) -> None:
    dossier = uuid7()
    birth_draft(citizen, dossier)
    citizen.queue("delete_draft", dossier, {"reason": "x"}, 2)
    outcomes = await citizen.sync()
    assert (
        outcomes[-1]["status"] == "rejected"
        and outcomes[-1]["reasons"][0]["code"] == "invalid_payload"
    )
