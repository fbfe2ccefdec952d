"""Who changed each field, as a dossier row keeps it (server/dossiers/field_devices.py),
on both databases: a one-phone draft names its phone once, and a row written before that
form merges as it did and takes the form at its next write."""

from __future__ import annotations

from contextlib import aclosing

import msgspec

from harness.sync_client import uuid7
from server.dossiers.tables import Dossier
from tests.sync.conftest import device_for, make_account
from tests.sync.test_push_pull import birth_draft


async def _stored(dossier) -> str:
    row = await Dossier.select(Dossier.field_devices).where(Dossier.id == dossier).first()
    return row["field_devices"]


async def test_a_one_phone_draft_names_its_phone_once(app) -> None:
    phone = await device_for(app, await make_account("citizen"))
    async with aclosing(phone.http):
        dossier = uuid7()
        birth_draft(phone, dossier)
        await phone.sync()
        assert (await _stored(dossier)).count(str(phone.device_id)) == 1


async def test_a_row_in_the_older_plain_form_merges_as_before(app) -> None:
    email = await make_account("citizen")
    phone, tablet = await device_for(app, email), await device_for(app, email)
    async with aclosing(phone.http), aclosing(tablet.http):
        dossier = uuid7()
        birth_draft(phone, dossier)
        await phone.sync()  # version 2
        row = await Dossier.select(Dossier.field_versions).where(Dossier.id == dossier).first()
        plain = dict.fromkeys(msgspec.json.decode(row["field_versions"]), str(phone.device_id))
        await Dossier.update({Dossier.field_devices: msgspec.json.encode(plain).decode()}).where(
            Dossier.id == dossier
        )

        # The phone's own edit on version 1 is no clash; the tablet's on version 1 is.
        phone.queue("edit_draft", dossier, {"changes": {"child.hometown": "Huế"}}, 1)
        assert (await phone.sync())[0]["status"] in ("applied", "merged")
        tablet.queue("edit_draft", dossier, {"changes": {"child.hometown": "Vinh"}}, 1)
        [conflict] = (await tablet.sync())[0]["conflicts"]
        assert (conflict["server_value"], conflict["device_value"]) == ("Huế", "Vinh")

        stored = await _stored(dossier)
        assert stored.startswith("[") and stored.count(str(phone.device_id)) == 1
