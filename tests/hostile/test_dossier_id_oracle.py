"""Pushing with someone else's dossier id must not tell whether it exists.

Dossier ids are minted by devices; one can leak (a receipt link, a shared phone).
`create_draft` under an id another account holds, and any other kind on such a
dossier, get exactly the outcome an id that cannot be used at all gets — nothing
that says "this one is taken" — while the owner's own devices still learn that
their draft exists."""

from __future__ import annotations

import uuid
from contextlib import AsyncExitStack, aclosing

from harness.sync_client import SyncDevice, birth_answers, uuid7
from server.clock import vn_today
from server.dossiers.tables import Dossier
from tests.sync.conftest import app, citizen, device_for, make_account  # noqa: F401  (fixtures)

# Ids no device mints: the nil and max UUIDs, and one outside the RFC 9562 variant.
UNUSABLE = [
    uuid.UUID(int=0),
    uuid.UUID(int=2**128 - 1),
    uuid.UUID("01a2009e-9cfb-767e-1b94-09a1fe31fcea"),
]


def _create(device: SyncDevice, dossier: uuid.UUID) -> dict:
    return device.queue(
        "create_draft",
        dossier,
        {"procedure_code": "khai-sinh", "fields": birth_answers(vn_today())},
    )


def _told(outcome: dict) -> dict:
    """What an outcome says beyond echoing the request."""
    return {k: v for k, v in outcome.items() if k not in ("seq", "mutation_id", "dossier_id")}


async def test_someone_elses_dossier_id_answers_as_an_unusable_one(
    app, citizen: SyncDevice
) -> None:
    taken = uuid7()
    _create(citizen, taken)
    [created] = await citizen.sync()
    assert created["status"] == "applied"

    async with AsyncExitStack() as stack:
        stranger = await device_for(app, await make_account("citizen"))
        await stack.enter_async_context(aclosing(stranger.http))
        for dossier in [taken, *UNUSABLE]:
            _create(stranger, dossier)
        outcomes = await stranger.sync()
        told = [_told(o) for o in outcomes]
        assert told[0]["status"] == "rejected" and told[0]["reasons"][0]["path"] == "dossier_id", (
            told[0]
        )
        assert told[0]["reasons"][0]["code"] != "already_exists"
        assert all(t == told[0] for t in told), told  # the taken id is one of the unusable ones

        # Every other kind: someone else's dossier is no dossier.
        never = uuid7()
        for dossier in (taken, never):
            stranger.queue("edit_draft", dossier, {"changes": {"child.hometown": "Huế"}}, 1)
            stranger.queue(
                "attach", dossier, {"path": "attachments.birth_certificate", "sha256": "a" * 64}, 1
            )
            stranger.queue("submit", dossier, {}, 1)
        outcomes = [_told(o) for o in await stranger.sync()]
        assert outcomes[:3] == outcomes[3:], outcomes
        assert {o["reasons"][0]["code"] for o in outcomes} == {"unknown_dossier"}
        assert (await stranger.pull_all()) == {}

        # The owner's other device still learns that the draft exists (sync/README §2).
        tablet = await device_for(app, (await _email_of(citizen)))
        await stack.enter_async_context(aclosing(tablet.http))
        _create(tablet, taken)
        [again] = await tablet.sync()
        assert again["status"] == "rejected" and again["reasons"][0]["code"] == "already_exists"

    assert await Dossier.count().where(Dossier.id.is_in(UNUSABLE)) == 0
    row = await Dossier.select(Dossier.version, Dossier.fields).where(Dossier.id == taken).first()
    assert row["version"] == 1 and "Huế" not in row["fields"]


async def _email_of(device: SyncDevice) -> str:
    from server.identity.tables import Account, Device

    owner = await Device.select(Device.account_id).where(Device.id == device.device_id).first()
    account = await Account.select(Account.email).where(Account.id == owner["account_id"]).first()
    return account["email"]
