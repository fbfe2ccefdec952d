"""One mutation, applied once, whatever seq it comes under.

sync/README.md §3.1 lets a device renumber its unconfirmed mutations after a gap.
If the first push of such a mutation was in fact applied (its answer lost, or the
push held by a stalled process that committed later), the renumbered resend names
the same mutation id under a new seq: it must get the first outcome back and change
nothing, and the database itself must refuse a second application."""

from __future__ import annotations

import datetime as dt
import uuid

import msgspec
import pytest

from harness.sync_client import SyncDevice, birth_answers, uuid7
from server.clock import vn_today
from server.dossiers.tables import AppliedMutation, Dossier, DossierHistory
from tests.sync.conftest import app, citizen, device_for, make_account  # noqa: F401  (fixtures)


def _renumbered(mutation: dict, seq: int) -> dict:
    return {**mutation, "seq": seq}


async def _state(dossier: uuid.UUID) -> tuple[int, int, str]:
    """The dossier's version, its history's length and the field the edits change."""
    row = await Dossier.select(Dossier.version, Dossier.fields).where(Dossier.id == dossier).first()
    history = await DossierHistory.count().where(DossierHistory.dossier_id == dossier)
    return row["version"], history, msgspec.json.decode(row["fields"])["child.hometown"]


def _draft_edited_twice(device: SyncDevice, dossier: uuid.UUID) -> tuple[dict, dict, dict]:
    create = device.queue(
        "create_draft",
        dossier,
        {"procedure_code": "khai-sinh", "fields": birth_answers(vn_today())},
    )
    first = device.queue("edit_draft", dossier, {"changes": {"child.hometown": "Huế"}}, 1)
    second = device.queue("edit_draft", dossier, {"changes": {"child.hometown": "Hà Nội"}}, 2)
    return create, first, second


async def test_a_renumbered_resend_of_an_applied_mutation_is_not_applied_again(
    citizen: SyncDevice,
) -> None:
    dossier = uuid7()
    _, first, _ = _draft_edited_twice(citizen, dossier)
    created, edited, reedited = await citizen.sync()
    assert edited["status"] == "applied" and reedited["version"] == 3
    assert await _state(dossier) == (3, 3, "Hà Nội")

    # The device never saw the first edit's answer (its push was held by a stalled
    # process that committed later); it renumbered that edit to seq 4 and sent it
    # with the next change.
    later = citizen.queue("edit_draft", dossier, {"changes": {"child.birth_place": "Nhà riêng"}}, 3)
    body = [_renumbered(first, 4), _renumbered(later, 5)]
    r = await citizen.push(body)
    assert r.status_code == 200, r.text
    again, after = r.json()["outcomes"]
    assert r.json()["last_seq"] == 5
    assert again == {
        **edited,
        "seq": 4,
    }  # the first application's outcome, under the seq it came with
    assert after["status"] == "applied" and after["version"] == 4  # one version up, not two
    assert await _state(dossier) == (4, 4, "Hà Nội")  # the old edit did not come back

    # Replays of either seq give the same answers and change nothing.
    r = await citizen.push(body)
    assert r.json()["outcomes"] == [again, after]
    assert await _state(dossier) == (4, 4, "Hà Nội")
    rows = (
        await AppliedMutation.select(AppliedMutation.seq, AppliedMutation.repeat_of)
        .where(AppliedMutation.device_id == citizen.device_id)
        .order_by(AppliedMutation.seq)
    )
    assert [(row["seq"], row["repeat_of"]) for row in rows] == [
        (1, None),
        (2, None),
        (3, None),
        (4, 2),
        (5, None),
    ]


async def test_the_same_mutation_twice_in_one_batch_is_applied_once(citizen: SyncDevice) -> None:
    dossier = uuid7()
    create, first, second = _draft_edited_twice(citizen, dossier)
    r = await citizen.push([create, first, second, _renumbered(first, 4), _renumbered(create, 5)])
    assert r.status_code == 200, r.text
    outcomes = r.json()["outcomes"]
    assert [o["seq"] for o in outcomes] == [1, 2, 3, 4, 5]
    assert outcomes[3] == {**outcomes[1], "seq": 4} and outcomes[4] == {**outcomes[0], "seq": 5}
    assert outcomes[4]["status"] == "applied"  # not "already_exists": it is the same creation
    assert await _state(dossier) == (3, 3, "Hà Nội")


async def test_the_database_refuses_a_second_application_of_a_mutation_id(
    citizen: SyncDevice,
) -> None:
    """The backstop when two processes race past the code's check: the unique index."""
    now = dt.datetime.now(dt.UTC)
    mutation, dossier = uuid7(), uuid7()

    def row(seq: int, repeat_of: int | None = None) -> AppliedMutation:
        return AppliedMutation(
            device_id=citizen.device_id,
            seq=seq,
            mutation_id=mutation,
            dossier_id=dossier,
            kind="edit_draft",
            outcome="{}",
            applied_at=now,
            repeat_of=repeat_of,
        )

    await AppliedMutation.insert(row(1))
    await AppliedMutation.insert(row(2, repeat_of=1))  # a recorded resend is fine
    with pytest.raises(Exception) as raised:
        await AppliedMutation.insert(row(3))
    assert "unique" in str(raised.value).lower(), raised.value
    assert await AppliedMutation.count().where(AppliedMutation.mutation_id == mutation) == 2
