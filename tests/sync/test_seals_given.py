"""The server's seals, as devices get them (sync/README.md §9.2): the owner's view of a
dossier with a code carries the seal on (dossier, account, code), an official's view
of it none; each reserved code carries the seal on (code, device)."""

from __future__ import annotations

import uuid
from contextlib import aclosing

from harness.sync_client import SyncDevice, uuid7
from server.identity.tables import Account
from server.recovery.keys import seal_key
from server.sql import Sql
from sync.seals import dossier_seal, reservation_seal
from tests.sync.conftest import device_for, make_account
from tests.sync.test_push_pull import birth_draft


async def submitted(device: SyncDevice) -> uuid.UUID:
    dossier = uuid7()
    birth_draft(device, dossier)
    device.queue("submit", dossier, {}, 2)
    assert [o["status"] for o in await device.sync()] == ["applied"] * 3
    return dossier


async def account_id(email: str) -> uuid.UUID:
    row = await Account.select(Account.id).where(Account.email == email).first()
    assert row is not None
    return row["id"]


async def test_the_owner_gets_the_seal_on_its_code_and_an_official_none(app) -> None:
    key = await seal_key(Sql(app.state.engine))
    owner_email, other_email = await make_account("citizen"), await make_account("citizen")
    owner, other = await device_for(app, owner_email), await device_for(app, other_email)
    desk = await device_for(app, await make_account("desk", commune="00070"))
    async with aclosing(owner.http), aclosing(other.http), aclosing(desk.http):
        mine, theirs = await submitted(owner), await submitted(other)
        draft = uuid7()
        birth_draft(owner, draft)
        await owner.sync()
        owner_id, other_id = await account_id(owner_email), await account_id(other_email)

        views = await owner.pull_all()
        view = views[str(mine)]
        assert view["code"]
        assert view["seal"] == dossier_seal(key, mine, owner_id, view["code"])
        # Sealed to its account: the same dossier and code under another account differ.
        assert view["seal"] != dossier_seal(key, mine, other_id, view["code"])
        assert views[str(draft)]["seal"] is None  # no code, nothing to seal

        their_view = (await other.pull_all())[str(theirs)]
        assert their_view["seal"] == dossier_seal(key, theirs, other_id, their_view["code"])
        assert their_view["seal"] != view["seal"]

        official = await desk.pull_all()
        assert {str(mine), str(theirs)} <= official.keys()
        assert official[str(mine)]["seal"] is None
        assert official[str(theirs)]["seal"] is None


async def test_each_reserved_code_comes_sealed_to_the_device(app) -> None:
    key = await seal_key(Sql(app.state.engine))
    email = await make_account("outreach", commune="00070")
    device = await device_for(app, email)
    second = await device_for(app, email)
    async with aclosing(device.http), aclosing(second.http):
        r = await device.http.post(
            "/api/sync/codes/reserve", json={"count": 3}, headers=device.auth
        )
        assert r.status_code == 201, r.text
        codes = r.json()["codes"]
        assert len(codes) == 3
        for reserved in codes:
            assert reserved["seal"] == reservation_seal(key, reserved["code"], device.device_id)
            assert reserved["seal"] != reservation_seal(key, reserved["code"], second.device_id)
