"""The sync protocol over HTTP on both databases."""

from __future__ import annotations

import uuid
from contextlib import aclosing

import msgspec

from harness.sync_client import SyncDevice, birth_answers, fake_sha256, uuid7
from server.clock import vn_today
from server.dossiers.tables import AppliedMutation, Dossier
from sync.codes import parse_code
from tests.sync.conftest import device_for, make_account


def birth_draft(
    device: SyncDevice,
    dossier_id: uuid.UUID,
    certificate: str = "giấy chứng sinh",
    **answers,
) -> None:
    """A birth draft with its certificate (a file named by `certificate`) attached."""
    fields = {**birth_answers(vn_today()), **answers}
    device.queue("create_draft", dossier_id, {"procedure_code": "khai-sinh", "fields": fields})
    device.queue(
        "attach",
        dossier_id,
        {"path": "attachments.birth_certificate", "sha256": fake_sha256(certificate)},
        1,
    )


async def test_draft_edit_submit_gets_a_code_and_pulls_back(citizen: SyncDevice) -> None:
    dossier = uuid7()
    birth_draft(citizen, dossier)
    citizen.queue(
        "edit_draft", dossier, {"changes": {"child.full_name": "Nguye\u0302\u0303n Minh Khang"}}, 2
    )
    citizen.queue("submit", dossier, {}, 3)
    outcomes = await citizen.sync()
    assert [o["status"] for o in outcomes] == ["applied"] * 4, outcomes
    code = outcomes[-1]["code"]
    assert parse_code(code) == code and code.startswith("00070" + f"{vn_today().year % 100:02d}")
    assert outcomes[-1]["state"] == 1
    assert citizen.outbox == []

    views = await citizen.pull_all()
    view = views[str(dossier)]
    assert view["code"] == code and view["state"] == 1
    assert view["fields"]["child.full_name"] == "Nguyễn Minh Khang"  # stored NFC
    assert view["fields"]["mother.full_name"] == "Trần Thị Mai"  # filled from the requester


async def test_replayed_batch_returns_recorded_outcomes_and_changes_nothing(
    citizen: SyncDevice,
) -> None:
    dossier = uuid7()
    birth_draft(citizen, dossier)
    batch = list(citizen.outbox)
    first = (await citizen.push(batch)).json()
    again = (await citizen.push(batch)).json()
    assert again["outcomes"] == first["outcomes"]
    assert await AppliedMutation.count() == 2
    row = await Dossier.select(Dossier.version).where(Dossier.id == dossier).first()
    assert row["version"] == 2


async def test_gap_stops_processing_and_names_the_expected_seq(citizen: SyncDevice) -> None:
    dossier = uuid7()
    birth_draft(citizen, dossier)
    citizen.queue("edit_draft", dossier, {"changes": {"child.hometown": "Nam Định"}}, 2)
    first, second, third = citizen.outbox
    r = (await citizen.push([first, third])).json()
    assert [o["seq"] for o in r["outcomes"]] == [1]
    assert r["expected_seq"] == 2 and r["last_seq"] == 1
    r = (await citizen.push([second, third])).json()
    assert [o["seq"] for o in r["outcomes"]] == [2, 3] and "expected_seq" not in r


async def test_rejected_mutation_does_not_block_the_rest(citizen: SyncDevice) -> None:
    dossier = uuid7()
    birth_draft(citizen, dossier)
    citizen.queue(
        "edit_draft", dossier, {"changes": {"child.no_such_field": "x", "child.sex": 3}}, 2
    )
    citizen.queue("edit_draft", dossier, {"changes": {"child.hometown": "Huế"}}, 2)
    outcomes = await citizen.sync()
    assert [o["status"] for o in outcomes] == ["applied", "applied", "rejected", "applied"]
    reasons = {(r["code"], r["path"]) for r in outcomes[2]["reasons"]}
    assert reasons == {
        ("unknown_field", "payload.changes.child.no_such_field"),
        ("wrong_type", "payload.changes.child.sex"),
    }
    assert citizen.outbox == []  # a rejection is final: the person sees it, the queue moves on


async def test_submit_with_missing_fields_is_rejected_with_paths(citizen: SyncDevice) -> None:
    dossier = uuid7()
    citizen.queue(
        "create_draft",
        dossier,
        {"procedure_code": "khai-sinh", "fields": {"agency.province": "01"}},
    )
    citizen.queue("submit", dossier, {}, 1)
    outcomes = await citizen.sync()
    assert outcomes[1]["status"] == "rejected"
    paths = {r["path"] for r in outcomes[1]["reasons"]}
    assert {
        "agency.commune",
        "child.full_name",
        "attachments.birth_certificate",
        "contact.phone",
    } <= paths


async def test_edit_after_submission_is_rejected_with_the_state(citizen: SyncDevice) -> None:
    dossier = uuid7()
    birth_draft(citizen, dossier)
    citizen.queue("submit", dossier, {}, 2)
    citizen.queue("edit_draft", dossier, {"changes": {"child.hometown": "Huế"}}, 3)
    outcomes = await citizen.sync()
    assert outcomes[-1]["status"] == "rejected"
    assert outcomes[-1]["reasons"][0]["code"] == "not_allowed_in_state"
    assert "state 1" in outcomes[-1]["reasons"][0]["message"]


async def test_two_devices_merge_different_fields_and_conflict_on_the_same(app) -> None:
    email = await make_account("citizen")
    phone, tablet = await device_for(app, email), await device_for(app, email)
    async with aclosing(phone.http), aclosing(tablet.http):
        dossier = uuid7()
        birth_draft(phone, dossier)
        await phone.sync()  # version 2
        phone.queue(
            "edit_draft",
            dossier,
            {"changes": {"child.hometown": "Hải Phòng", "child.birth_place": "Nhà"}},
            2,
        )
        tablet.queue(
            "edit_draft",
            dossier,
            {"changes": {"child.hometown": "Nam Định", "contact.email": "b@example.vn"}},
            2,
        )
        assert (await phone.sync())[0]["status"] == "applied"
        outcome = (await tablet.sync())[0]
        assert outcome["status"] == "conflict"
        [conflict] = outcome["conflicts"]
        assert (conflict["path"], conflict["server_value"], conflict["device_value"]) == (
            "child.hometown",
            "Hải Phòng",
            "Nam Định",
        )
        view = (await tablet.pull_all())[str(dossier)]
        assert view["fields"]["contact.email"] == "b@example.vn"  # the other field merged
        assert view["fields"]["child.hometown"] == "Hải Phòng"  # server value kept
        assert view["conflicts"][0]["device_value"] == "Nam Định"  # nothing lost

        # Submission waits for the person to settle it.
        tablet.queue("submit", dossier, {}, view["version"])
        assert (await tablet.sync())[0]["reasons"][0]["code"] == "unresolved_conflicts"
        tablet.queue(
            "resolve_conflict",
            dossier,
            {"conflict_id": conflict["conflict_id"], "choice": "device"},
            view["version"],
        )
        tablet.queue("submit", dossier, {}, view["version"] + 1)
        resolved, submitted = await tablet.sync()
        assert resolved["status"] == "applied" and submitted["state"] == 1
        final = (await phone.pull_all())[str(dossier)]
        assert final["fields"]["child.hometown"] == "Nam Định" and final["conflicts"] == []


async def test_someone_elses_dossier_is_rejected_and_untouched(app, citizen: SyncDevice) -> None:
    dossier = uuid7()
    birth_draft(citizen, dossier)
    await citizen.sync()
    stranger = await device_for(app, await make_account("citizen"))
    async with aclosing(stranger.http):
        stranger.queue("edit_draft", dossier, {"changes": {"child.hometown": "Huế"}}, 2)
        [outcome] = await stranger.sync()
        # As for no dossier at all: the answer does not tell that it exists.
        assert (
            outcome["status"] == "rejected" and outcome["reasons"][0]["code"] == "unknown_dossier"
        )
        assert (await stranger.pull_all()) == {}
    row = await Dossier.select(Dossier.fields).where(Dossier.id == dossier).first()
    assert "Huế" not in row["fields"]


async def test_msgpack_in_msgpack_out(citizen: SyncDevice) -> None:
    dossier = uuid7()
    birth_draft(citizen, dossier)
    r = await citizen.push(msgpack=True)
    assert r.headers["content-type"].startswith("application/x-msgpack")
    body = msgspec.msgpack.decode(r.content)
    assert [o["status"] for o in body["outcomes"]] == ["applied", "applied"]


async def test_duplicate_birth_is_flagged_not_merged(app, citizen: SyncDevice) -> None:
    first = uuid7()
    birth_draft(citizen, first)
    citizen.queue("submit", first, {}, 2)
    await citizen.sync()
    other = await device_for(app, await make_account("citizen"))
    async with aclosing(other.http):
        second = uuid7()
        birth_draft(other, second, **{"child.full_name": "NGUYEN minh  khang"})
        other.queue("submit", second, {}, 2)
        outcomes = await other.sync()
        assert (
            outcomes[-1]["state"] == 1
            and outcomes[-1]["code"] != (await citizen.pull_all())[str(first)]["code"]
        )
    row = await Dossier.select(Dossier.possible_duplicate_of).where(Dossier.id == second).first()
    assert row["possible_duplicate_of"] == first


async def test_unknown_cursor_gets_a_full_resync_and_pages_are_bounded(citizen: SyncDevice) -> None:
    for _ in range(5):
        citizen.queue("create_draft", uuid7(), {"procedure_code": "khai-tu"})
    await citizen.sync()
    # Wait until no older transaction anywhere holds the changes back (PostgreSQL's
    # transaction ids are cluster-wide, so other tests' writes count too).
    await citizen.pull_all()
    r = await citizen.http.get(
        "/api/sync/pull", params={"cursor": "garbage", "limit": 2}, headers=citizen.auth
    )
    body = r.json()
    assert body["reset"] is True and len(body["dossiers"]) == 2 and body["more"] is True
    seen = {d["id"] for d in body["dossiers"]}
    while body["more"]:
        body = (
            await citizen.http.get(
                "/api/sync/pull",
                params={"cursor": body["cursor"], "limit": 2},
                headers=citizen.auth,
            )
        ).json()
        assert body["reset"] is False
        seen |= {d["id"] for d in body["dossiers"]}
    assert len(seen) == 5


async def test_a_devices_own_consecutive_edits_do_not_conflict(citizen: SyncDevice) -> None:
    # Sent before the first one was confirmed, both based on version 2.
    dossier = uuid7()
    birth_draft(citizen, dossier)
    await citizen.sync()
    citizen.queue("edit_draft", dossier, {"changes": {"child.hometown": "Huế"}}, 2)
    citizen.queue("edit_draft", dossier, {"changes": {"child.hometown": "Đà Nẵng"}}, 2)
    first, second = await citizen.sync()
    assert first["status"] == "applied" and second["status"] in ("applied", "merged")
    assert (await citizen.pull_all())[str(dossier)]["fields"]["child.hometown"] == "Đà Nẵng"
