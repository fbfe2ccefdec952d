"""Integers out of range in a push: refused at their path, never a 500, nothing stored.

The envelope's own integers (seq, base_version) refuse the whole request with 422;
a payload's (conflict_id, schema_version) reject that mutation alone with
`invalid_payload`, as any other payload value of the wrong shape does. Bounds are
those of the columns the values meet: a BIGINT seq (and 2^53 - 1, what a
JavaScript client holds exactly), INTEGER conflict ids and schema versions."""

from __future__ import annotations

import pytest

from harness.sync_client import SyncDevice, birth_answers, uuid7
from server.clock import vn_today
from server.dossiers.tables import AppliedMutation, DeviceSequence, Dossier
from tests.sync.conftest import app, citizen, device_for, make_account  # noqa: F401  (fixtures)

INT32_END = 2**31
INT64_END = 2**63


async def _stored(device: SyncDevice) -> tuple[int, int, int]:
    last = (
        await DeviceSequence.select(DeviceSequence.last_seq)
        .where(DeviceSequence.device_id == device.device_id)
        .first()
    )
    return (last["last_seq"] if last else 0, await AppliedMutation.count(), await Dossier.count())


@pytest.mark.parametrize(
    "key, value",
    [
        ("base_version", -1),
        ("base_version", INT64_END),
        ("base_version", 2**64),
        ("seq", 0),
        ("seq", -1),
        ("seq", INT64_END - 1),
        ("seq", 2**64),
    ],
)
async def test_an_envelope_integer_out_of_range_refuses_the_push(
    citizen: SyncDevice, key: str, value: int
) -> None:
    before = await _stored(citizen)
    mutation = citizen.queue(
        "create_draft",
        uuid7(),
        {"procedure_code": "khai-sinh", "fields": birth_answers(vn_today())},
    )
    mutation[key] = value
    r = await citizen.push()
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["path"] == f"$.mutations[0].{key}", r.json()
    assert await _stored(citizen) == before


async def test_a_payload_integer_out_of_range_rejects_that_mutation(citizen: SyncDevice) -> None:
    dossier = uuid7()
    citizen.queue(
        "create_draft",
        dossier,
        {"procedure_code": "khai-sinh", "fields": birth_answers(vn_today())},
    )
    [created] = await citizen.sync()
    assert created["status"] == "applied"

    bad = [
        ("resolve_conflict", dossier, {"conflict_id": v, "choice": "server"}, "payload.conflict_id")
        for v in (INT64_END, INT64_END - 1, INT32_END, 0, -1)
    ]
    bad += [
        (
            "create_draft",
            uuid7(),
            {"procedure_code": "khai-sinh", "schema_version": v},
            "payload.schema_version",
        )
        for v in (INT64_END, INT32_END, 0, -1)
    ]
    for kind, target, payload, _ in bad:
        citizen.queue(kind, target, payload, 1)
    outcomes = await citizen.sync()
    assert len(outcomes) == len(bad)
    for outcome, (kind, _, payload, path) in zip(outcomes, bad):
        assert outcome["status"] == "rejected", (kind, payload, outcome)
        assert [(x["code"], x["path"]) for x in outcome["reasons"]] == [
            ("invalid_payload", path)
        ], (payload, outcome)
    assert await Dossier.count() == 1
    row = await Dossier.select(Dossier.version).where(Dossier.id == dossier).first()
    assert row["version"] == 1

    # The largest values in range are ordinary answers.
    citizen.queue(
        "resolve_conflict", dossier, {"conflict_id": INT32_END - 1, "choice": "server"}, 1
    )
    citizen.queue(
        "create_draft", uuid7(), {"procedure_code": "khai-sinh", "schema_version": INT32_END - 1}, 1
    )
    unknown_conflict, unknown_version = await citizen.sync()
    assert unknown_conflict["reasons"][0]["code"] == "unknown_conflict"
    assert unknown_version["reasons"][0]["code"] == "unknown_procedure"
