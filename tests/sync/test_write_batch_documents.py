"""A batch's dossiers keep their own fields, versions and devices when several are
written at once. On PostgreSQL those three JSON documents travel beside the rows, as
text arrays matched to the rows by position (server/sql.py DOSSIER_DOCUMENTS), so a
slip of one position would give a dossier its neighbour's answers."""

from __future__ import annotations

import json
import uuid
from contextlib import aclosing

from harness.sync_client import birth_answers, uuid7
from server.clock import vn_today
from server.dossiers.tables import Dossier
from tests.sync.conftest import device_for, make_account


async def _stored(dossier: uuid.UUID) -> tuple[dict, dict, dict]:
    row = (
        await Dossier.select(Dossier.fields, Dossier.field_versions, Dossier.field_devices)
        .where(Dossier.id == dossier)
        .first()
    )
    assert row is not None, dossier
    return (
        json.loads(row["fields"]),
        json.loads(row["field_versions"]),
        json.loads(row["field_devices"]),
    )


async def test_each_dossier_of_a_batch_keeps_its_own_documents(app) -> None:
    email = await make_account("citizen")
    phone, tablet = await device_for(app, email), await device_for(app, email)
    hometown = "child.hometown"
    async with aclosing(phone.http), aclosing(tablet.http):
        # Ids minted in one order, queued in another: the rows are written in id order.
        dossiers = [uuid7() for _ in range(5)]
        for k in (3, 0, 4, 1, 2):
            fields = {**birth_answers(vn_today()), hometown: f"Xã số {k}"}
            phone.queue(
                "create_draft", dossiers[k], {"procedure_code": "khai-sinh", "fields": fields}
            )
        outcomes = await phone.sync()
        assert [o["status"] for o in outcomes] == ["applied"] * 5, outcomes

        # One batch of another device changes three of them, and inserts one more.
        late = uuid7()
        for k in (4, 0, 2):
            tablet.queue("edit_draft", dossiers[k], {"changes": {hometown: f"Phường {k}"}}, 1)
        tablet.queue(
            "create_draft",
            late,
            {"procedure_code": "khai-sinh", "fields": birth_answers(vn_today())},
        )
        outcomes = await tablet.sync()
        assert [o["status"] for o in outcomes] == ["applied"] * 4, outcomes

    for k, dossier in enumerate(dossiers):
        fields, versions, devices = await _stored(dossier)
        edited = k in (4, 0, 2)
        assert fields[hometown] == (f"Phường {k}" if edited else f"Xã số {k}"), k
        assert versions[hometown] == (2 if edited else 1), k
        assert devices[hometown] == str(tablet.device_id if edited else phone.device_id), k
        # The fields the tablet did not change stay the phone's.
        assert devices["child.full_name"] == str(phone.device_id), k
    fields, versions, devices = await _stored(late)
    assert fields[hometown] == birth_answers(vn_today())[hometown]
    assert set(devices.values()) == {str(tablet.device_id)}
