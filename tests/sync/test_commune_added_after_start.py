"""A commune added by `motcua seed` while the server runs is accepted at the next
submission: the communes the forms are checked against follow the communes dataset
version, not the moment the application first loaded them."""

from __future__ import annotations

import msgspec

from harness.sync_client import SyncDevice, birth_answers, fake_sha256, uuid7
from server.clock import vn_today
from server.communes.seed import seed_communes
from server.communes.source import SourceCommune, load_source
from server.database import write_transaction

NEW_COMMUNE = "99990"


async def submit_birth(device: SyncDevice, commune: str) -> dict:
    dossier = uuid7()
    fields = {**birth_answers(vn_today()), "agency.province": "01", "agency.commune": commune}
    device.queue("create_draft", dossier, {"procedure_code": "khai-sinh", "fields": fields})
    device.queue(
        "attach",
        dossier,
        {"path": "attachments.birth_certificate", "sha256": fake_sha256("giấy chứng sinh")},
        1,
    )
    device.queue("submit", dossier, {}, 2)
    return (await device.sync())[-1]


async def test_a_commune_seeded_after_start_is_accepted_without_a_restart(
    app, citizen: SyncDevice
) -> None:
    # The application has checked a submission against the communes it knows...
    assert (await submit_birth(citizen, "00070"))["state"] == 1
    refused = await submit_birth(citizen, NEW_COMMUNE)
    assert refused["status"] == "rejected", refused
    # ...then `motcua seed` adds a commune to Hà Nội...
    source = [
        msgspec.structs.replace(
            p, communes=[*p.communes, SourceCommune(code=NEW_COMMUNE, name="Thử Nghiệm", kind="p")]
        )
        if p.code == "01"
        else p
        for p in load_source()
    ]
    async with write_transaction(app.state.engine):
        await seed_communes(source)
    # ...and the next submission to it is accepted.
    accepted = await submit_birth(citizen, NEW_COMMUNE)
    assert accepted["status"] == "applied" and accepted["state"] == 1, accepted
