"""After submission the receiving agency is fixed: the dossier was received by that
commune's desk and carries its code. A later answer of the person's that names another
commune (answering a supplement request, or settling a field conflict in that state)
is refused with `agency_fixed`, and the dossier stays addressed to its commune."""

from __future__ import annotations

import datetime as dt
import uuid
from contextlib import aclosing

import msgspec

from harness.sync_client import SyncDevice, birth_answers, fake_sha256, uuid7
from server.clock import vn_today
from server.dossiers.tables import Dossier
from tests.desk.conftest import DeskOfficial, desk, person  # noqa: F401  (fixtures)
from tests.sync.conftest import app, device_for, make_account  # noqa: F401  (fixtures)


async def _documents_requested(desk: DeskOfficial, dossier: uuid.UUID) -> int:
    """The desk of 00070 receives the dossier and asks for more documents: its version."""
    assert (await desk.act(dossier, "receive", {"message": "Đã nhận."})).status_code == 200
    due = (vn_today() + dt.timedelta(days=3)).isoformat()
    asked = await desk.act(
        dossier,
        "request_documents",
        {"documents": ["Giấy chứng nhận kết hôn"], "reason": "Cần đối chiếu.", "due_date": due},
    )
    assert asked.status_code == 200, asked.text
    return asked.json()["version"]


async def _addressed_to(dossier: uuid.UUID) -> tuple[str, str]:
    """The commune the answers name, and the commune whose desk holds the dossier."""
    row = (
        await Dossier.select(Dossier.commune_code, Dossier.fields)
        .where(Dossier.id == dossier)
        .first()
    )
    return msgspec.json.decode(row["fields"])["agency.commune"], row["commune_code"]


def _refused_as_agency_fixed(outcome: dict) -> None:
    assert outcome["status"] == "rejected", outcome
    [reason] = outcome["reasons"]
    assert (reason["code"], reason["path"]) == ("agency_fixed", "payload.changes.agency.commune")
    assert "receiving agency" in reason["message"]


async def test_a_supplement_answer_cannot_readdress_the_dossier_to_another_commune(
    person: SyncDevice, desk: DeskOfficial
) -> None:
    dossier = uuid7()
    person.queue(
        "create_draft",
        dossier,
        {"procedure_code": "khai-sinh", "fields": birth_answers(vn_today())},
    )
    person.queue(
        "attach",
        dossier,
        {"path": "attachments.birth_certificate", "sha256": fake_sha256("gcs")},
        1,
    )
    person.queue("submit", dossier, {}, 2)
    assert (await person.sync())[-1]["state"] == 1
    version = await _documents_requested(desk, dossier)

    person.queue("answer_supplement", dossier, {"changes": {"agency.commune": "00004"}}, version)
    _refused_as_agency_fixed((await person.sync())[0])
    assert await _addressed_to(dossier) == ("00070", "00070")

    # Naming the commune it already has is no change, and the answer goes through.
    person.queue(
        "answer_supplement",
        dossier,
        {"changes": {"agency.commune": "00070"}, "message": "Đã bổ sung."},
        version,
    )
    assert (await person.sync())[0]["status"] == "applied"
    assert await _addressed_to(dossier) == ("00070", "00070")


async def test_settling_an_old_conflict_cannot_readdress_a_dossier_awaiting_documents(
    app, desk: DeskOfficial
) -> None:
    email = await make_account("citizen")
    phone, tablet = await device_for(app, email), await device_for(app, email)
    async with aclosing(phone.http), aclosing(tablet.http):
        dossier = uuid7()
        phone.queue(
            "create_draft",
            dossier,
            {"procedure_code": "khai-sinh", "fields": birth_answers(vn_today())},
        )
        phone.queue(
            "attach",
            dossier,
            {"path": "attachments.birth_certificate", "sha256": fake_sha256("gcs")},
            1,
        )
        phone.queue("edit_draft", dossier, {"changes": {"agency.commune": "00004"}}, 2)
        await phone.sync()
        tablet.queue("edit_draft", dossier, {"changes": {"agency.commune": "00070"}}, 2)
        [conflict] = (await tablet.sync())[0]["conflicts"]
        assert (conflict["server_value"], conflict["device_value"]) == ("00004", "00070")
        tablet.queue(
            "resolve_conflict",
            dossier,
            {"conflict_id": conflict["conflict_id"], "choice": "device"},
            4,
        )
        tablet.queue("submit", dossier, {}, 5)
        assert (await tablet.sync())[-1]["state"] == 1
        version = await _documents_requested(desk, dossier)

        # The closed conflict, settled again from a version before submission: this
        # would reopen it with the other commune as the person's choice.
        phone.queue(
            "resolve_conflict",
            dossier,
            {"conflict_id": conflict["conflict_id"], "choice": "server"},
            4,
        )
        _refused_as_agency_fixed((await phone.sync())[0])
        phone.queue(
            "resolve_conflict",
            dossier,
            {"conflict_id": conflict["conflict_id"], "choice": "value", "value": "00004"},
            version,
        )
        _refused_as_agency_fixed((await phone.sync())[0])
        assert await _addressed_to(dossier) == ("00070", "00070")
        assert (await phone.pull_all())[str(dossier)]["conflicts"] == []
