"""A dossier's PDF receipt: its owner downloads it from their phone (the device
credential); a stranger and the desk of another commune are told it does not exist
(404), as for a dossier that does not exist."""

from __future__ import annotations

from contextlib import AsyncExitStack

from harness.sync_client import uuid7
from tests.hostile.test_dossier_access import _device, _submitted_birth
from tests.sync.conftest import app  # noqa: F401  (fixture)

COMMUNE = "00070"
OTHER_COMMUNE = "00004"


async def test_the_owner_gets_the_receipt_and_nobody_else_does(app) -> None:
    async with AsyncExitStack() as stack:
        owner = await _device(app, stack, "citizen")
        stranger = await _device(app, stack, "citizen")
        other_desk = await _device(app, stack, "desk", OTHER_COMMUNE)
        dossier, _ = await _submitted_birth(owner)
        path = f"/api/dossiers/{dossier}/receipt.pdf"

        r = await owner.http.get(path, headers=owner.auth)
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == "application/pdf"
        assert r.content.startswith(b"%PDF-")

        nowhere = await owner.http.get(path.replace(str(dossier), str(uuid7())), headers=owner.auth)
        assert nowhere.status_code == 404
        for who in (stranger, other_desk):
            r = await who.http.get(path, headers=who.auth)
            assert r.status_code == 404, r.text
            assert r.json()["type"] == nowhere.json()["type"]
