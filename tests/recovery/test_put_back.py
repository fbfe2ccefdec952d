"""A server restored from a backup takes back from the devices what they hold
(sync/README.md §9): the issue's reproduction first, then each rule of a put-back."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import msgspec
from asgi_lifespan import LifespanManager
from piccolo.engine.base import Engine

from harness.sync_client import SyncDevice, uuid7
from server.app import create_app
from server.dossiers.tables import CodeReservation, DeviceSequence, Dossier, DossierConflict
from server.engines import bound
from server.recovery.generation import current_generation
from server.recovery.tables import PutBack, ServerGeneration
from server.settings import Settings
from tests.recovery import snapshots
from tests.sync.conftest import device_for, make_account
from tests.sync.test_push_pull import birth_draft


@asynccontextmanager
async def serving(settings: Settings, *devices: SyncDevice) -> AsyncIterator[object]:
    """The server running (again): each device talks to this process."""
    app = create_app(msgspec.structs.replace(settings, demo_mode=True))
    async with LifespanManager(app):
        for device in devices:
            await device.http.aclose()
            device.http = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app, client=("198.51.100.9", 40000)),
                base_url="http://localhost:8000",
            )
        yield app
    for device in devices:
        await device.http.aclose()


def engine() -> Engine:
    found = bound()
    assert found is not None
    return found


async def restore(settings: Settings, copy: Path, declare: bool) -> None:
    await snapshots.put_back(settings, copy, declare)


async def _views(device: SyncDevice) -> dict[str, dict]:
    device.cursor = None
    device.dossiers = {}
    return await device.pull_all()


async def test_the_issues_reproduction_a_restore_nobody_declared_wedges_no_device(
    settings: Settings, tmp_path: Path
) -> None:
    """Push seq 1–2, back up, push seq 3, restore, restart: the device used to get
    expected_seq 3 for ever, its seq-3 edit on the phone only."""
    async with serving(settings) as app:
        email = await make_account("citizen")
        phone = await device_for(app, email)
        dossier = uuid7()
        birth_draft(phone, dossier)  # seq 1 and 2
        await phone.sync()
        copy = await snapshots.take(settings, tmp_path / "backup")
        phone.queue("edit_draft", dossier, {"changes": {"child.hometown": "Huế"}}, 2)  # seq 3
        await phone.sync()
        await phone.pull_all()
        assert phone.confirmed_seq == 3 and phone.outbox == []
    await snapshots.put_back(settings, copy)

    async with serving(settings, phone):
        phone.queue("edit_draft", dossier, {"changes": {"child.full_name": "Lê Văn An"}}, 3)
        r = await phone.push()
        # The device was confirmed seq 3; the database holds 2: it was restored.
        assert r.status_code == 409 and r.json()["type"] == "/problems/recover_first"
        assert await current_generation(engine()) == 2
        [generation] = await ServerGeneration.select().where(ServerGeneration.number == 2)
        assert generation["cause"] == "detected" and str(phone.device_id) in generation["detail"]
        assert await Dossier.count() == 1  # nothing of the refused batch was applied

        r = await phone.recover([phone.held(str(dossier))])
        assert r.status_code == 200, r.text
        answer = r.json()
        assert answer["recovered"] and answer["generation"] == 2 and answer["last_seq"] == 3
        [result] = answer["results"]
        assert result["status"] == "restored"
        row = await Dossier.select().where(Dossier.id == dossier).first()
        assert msgspec.json.decode(row["fields"])["child.hometown"] == "Huế"

        # The queue moves on from seq 4, and the pull starts again from the top.
        [outcome] = await phone.sync()
        assert outcome["seq"] == 4 and outcome["status"] == "applied"
        view = (await phone.pull_all())[str(dossier)]
        assert view["fields"]["child.hometown"] == "Huế"
        assert view["fields"]["child.full_name"] == "Lê Văn An"


async def test_a_declared_restore_asks_every_device_to_put_back_once(
    settings: Settings, tmp_path: Path
) -> None:
    async with serving(settings) as app:
        email = await make_account("citizen")
        phone = await device_for(app, email)
        dossier = uuid7()
        birth_draft(phone, dossier)
        await phone.sync()
        await phone.pull_all()
        copy = await snapshots.take(settings, tmp_path / "backup")
    await restore(settings, copy, declare=True)

    async with serving(settings, phone):
        # Nothing was lost for this device, but it cannot know: it is asked all the same.
        phone.queue("edit_draft", dossier, {"changes": {"child.hometown": "Huế"}}, 2)
        assert (await phone.push()).status_code == 409
        held = phone.held(str(dossier))
        first = await phone.recover([held], done=False)
        assert first.json()["recovered"] is False
        assert first.json()["results"][0]["status"] == "kept"  # the server holds it as it was
        # Not done yet: pushes still wait.
        assert (await phone.push()).status_code == 409
        again = await phone.recover([held])
        assert again.json()["results"] == first.json()["results"]  # recorded once
        assert await PutBack.count() == 1
        [outcome] = await phone.sync()
        assert outcome["status"] == "applied"
        # Put back in this generation: the device is not asked again.
        phone.queue("edit_draft", dossier, {"changes": {"child.hometown": "Vinh"}}, 3)
        assert (await phone.sync())[0]["status"] == "applied"
        assert await current_generation(engine()) == 2  # no second generation for one restore


async def test_a_submission_after_the_backup_comes_back_with_its_code(
    settings: Settings, tmp_path: Path
) -> None:
    async with serving(settings) as app:
        email = await make_account("citizen")
        phone = await device_for(app, email)
        dossier = uuid7()
        birth_draft(phone, dossier)
        await phone.sync()
        copy = await snapshots.take(settings, tmp_path / "backup")
        phone.queue("submit", dossier, {}, 2)
        [submitted] = await phone.sync()
        code, seal = submitted["code"], submitted["seal"]
        assert code and seal
        await phone.pull_all()
        held = phone.held(str(dossier))
        assert held["seal"] == seal and held["code"] == code
    await restore(settings, copy, declare=True)

    async with serving(settings, phone) as app:
        # A forged seal takes no code.
        forged = await phone.recover([{**held, "seal": "A" * 22}], done=False)
        [refused] = forged.json()["results"]
        assert refused["status"] == "rejected" and refused["reasons"][0]["code"] == "seal_invalid"
        # A refusal changed nothing, so it is no put-back: sent right, the dossier comes back.
        r = await phone.recover([held])
        [result] = r.json()["results"]
        assert result["status"] == "restored" and result["code"] == code and result["state"] == 1
        row = await Dossier.select().where(Dossier.id == dossier).first()
        assert row["code"] == code and row["state"] == 1 and row["submitted_at"] is not None
        # Listed for the administrator only when the phone saw desk work: not here.
        assert await PutBack.count().where(PutBack.note != "") == 0

        # Another account cannot take this dossier back, code or not.
        stranger = await device_for(app, await make_account("citizen"))
        stranger.generation = 2
        [other] = (await stranger.recover([held])).json()["results"]
        assert other["status"] == "rejected" and other["reasons"][0]["code"] == "unknown_dossier"


async def test_no_code_is_handed_out_twice_after_a_restore(
    settings: Settings, tmp_path: Path
) -> None:
    async with serving(settings) as app:
        email = await make_account("citizen")
        outreach_email = await make_account("outreach", "00070")
        phone, field = await device_for(app, email), await device_for(app, outreach_email)
        copy = await snapshots.take(settings, tmp_path / "backup")
        lost = uuid7()
        birth_draft(phone, lost)
        phone.queue("submit", lost, {}, 2)
        lost_code = (await phone.sync())[-1]["code"]
        r = await field.http.post("/api/sync/codes/reserve", json={"count": 5}, headers=field.auth)
        reserved = r.json()["codes"]
    await restore(settings, copy, declare=True)

    async with serving(settings) as app:
        # Neither phone has come back yet: a new family submits.
        newcomer = await device_for(app, await make_account("citizen"))
        fresh = uuid7()
        birth_draft(newcomer, fresh)
        newcomer.queue("submit", fresh, {}, 2)
        new_code = (await newcomer.sync())[-1]["code"]
        r = await newcomer.http.post(
            "/api/sync/codes/reserve", json={"count": 5}, headers=newcomer.auth
        )
        assert r.status_code == 403  # citizens reserve nothing; an outreach official does:
        colleague = await device_for(app, await make_account("outreach", "00070"))
        r = await colleague.http.post(
            "/api/sync/codes/reserve", json={"count": 50}, headers=colleague.auth
        )
        after = {new_code, *(c["code"] for c in r.json()["codes"])}
        before = {lost_code, *(c["code"] for c in reserved)}
        assert not after & before
        await newcomer.http.aclose()
        await colleague.http.aclose()


async def test_reserved_codes_the_restore_forgot_come_back_to_their_device(
    settings: Settings, tmp_path: Path
) -> None:
    async with serving(settings) as app:
        outreach_email = await make_account("outreach", "00070")
        field = await device_for(app, outreach_email)
        copy = await snapshots.take(settings, tmp_path / "backup")
        r = await field.http.post("/api/sync/codes/reserve", json={"count": 3}, headers=field.auth)
        reserved = r.json()["codes"]
        assert all(c["seal"] for c in reserved)
    await restore(settings, copy, declare=True)

    async with serving(settings, field) as app:
        assert await CodeReservation.count() == 0
        forged = {**reserved[2], "seal": "B" * 22}
        r = await field.recover([], reservations=[*reserved[:2], forged])
        answer = r.json()
        assert answer["reservations_restored"] == 2
        assert [x["code"] for x in answer["reservations_refused"]] == ["seal_invalid"]
        # Another device cannot claim them, seal or not.
        other = await device_for(app, await make_account("outreach", "00070"))
        other.generation = 2
        r = await other.recover([], reservations=reserved[:1])
        assert r.json()["reservations_refused"][0]["code"] == "seal_invalid"
        # The family's reserved code binds at submission, as before the restore.
        birth = uuid7()
        birth_draft(field, birth)
        field.queue("submit", birth, {"reserved_code": reserved[0]["code"]}, 2)
        outcomes = await field.sync()
        assert outcomes[-1]["status"] == "applied", outcomes[-1]
        assert outcomes[-1]["code"] == reserved[0]["code"]
        await other.http.aclose()


async def test_a_draft_both_sides_changed_since_the_restore_keeps_both_as_conflicts(
    settings: Settings, tmp_path: Path
) -> None:
    async with serving(settings) as app:
        email = await make_account("citizen")
        phone, tablet = await device_for(app, email), await device_for(app, email)
        dossier = uuid7()
        birth_draft(phone, dossier)
        await phone.sync()
        await phone.pull_all()
        copy = await snapshots.take(settings, tmp_path / "backup")
        phone.queue("edit_draft", dossier, {"changes": {"child.hometown": "Huế"}}, 2)
        await phone.sync()
        await phone.pull_all()
    await restore(settings, copy, declare=True)

    async with serving(settings, phone, tablet):
        # The tablet puts back first, with its own newer answer.
        tablet.generation = 2
        held = {**phone.held(str(dossier)), "version": 2}
        held["fields"]["child.hometown"] = "Vinh"
        assert (await tablet.recover([held])).json()["results"][0]["status"] == "restored"
        # Then the phone, with Huế: both were typed by the person, neither is dropped.
        [result] = (await phone.recover([phone.held(str(dossier))])).json()["results"]
        assert result["status"] == "conflict"
        [conflict] = result["conflicts"]
        assert conflict["server_value"] == "Vinh" and conflict["device_value"] == "Huế"
        assert await DossierConflict.count().where(DossierConflict.dossier_id == dossier) == 1


async def test_a_draft_deleted_after_the_backup_stays_deleted(
    settings: Settings, tmp_path: Path
) -> None:
    async with serving(settings) as app:
        email = await make_account("citizen")
        phone = await device_for(app, email)
        dossier = uuid7()
        birth_draft(phone, dossier)
        await phone.sync()
        await phone.pull_all()
        held = phone.held(str(dossier))
        copy = await snapshots.take(settings, tmp_path / "backup")
        phone.queue("delete_draft", dossier, {}, 2)
        await phone.sync()
    await restore(settings, copy, declare=True)

    async with serving(settings, phone):
        [result] = (await phone.recover([{**held, "deleted": True}])).json()["results"]
        assert result["status"] == "restored"
        row = await Dossier.select().where(Dossier.id == dossier).first()
        assert row["deleted_at"] is not None and row["fields"] == "{}"


async def test_desk_work_the_phone_saw_is_listed_not_taken(
    settings: Settings, tmp_path: Path
) -> None:
    async with serving(settings) as app:
        email = await make_account("citizen")
        phone = await device_for(app, email)
        dossier = uuid7()
        birth_draft(phone, dossier)
        phone.queue("submit", dossier, {}, 2)
        await phone.sync()
        await phone.pull_all()
        copy = await snapshots.take(settings, tmp_path / "backup")
    await restore(settings, copy, declare=True)

    async with serving(settings, phone):
        # The phone saw the desk receive it (state 2, due date) after the backup.
        held = phone.held(str(dossier), state=2, version=5)
        [result] = (await phone.recover([held])).json()["results"]
        assert result["status"] == "kept" and result["state"] == 1
        [row] = await PutBack.select().where(PutBack.dossier_id == dossier)
        assert row["note"] == "desk_work_lost" and row["phone_state"] == 2
        assert row["server_state"] == 1 and row["commune_code"] == "00070"


async def test_bad_put_backs_get_a_clear_4xx_and_store_nothing(settings: Settings) -> None:
    async with serving(settings) as app:
        phone = await device_for(app, await make_account("citizen"))
        # Another device's id in the body.
        r = await phone.http.post(
            "/api/sync/recover",
            json={"device_id": str(uuid.uuid4()), "dossiers": []},
            headers=phone.auth,
        )
        assert r.status_code == 403
        r = await phone.http.post(
            "/api/sync/recover",
            json={"device_id": str(phone.device_id), "dossiers": [{"id": "x"}]},
            headers=phone.auth,
        )
        assert r.status_code == 400 and "dossiers" in r.text
        too_many = [
            {
                "id": str(uuid7()),
                "procedure_code": "khai-sinh",
                "schema_version": 1,
                "state": 0,
                "version": 1,
            }
        ] * 101
        r = await phone.http.post(
            "/api/sync/recover",
            json={"device_id": str(phone.device_id), "dossiers": too_many},
            headers=phone.auth,
        )
        assert r.status_code == 400
        # A field that is not the procedure's: that dossier alone is refused.
        held = {
            "id": str(uuid7()),
            "procedure_code": "khai-sinh",
            "schema_version": 1,
            "state": 0,
            "version": 3,
            "fields": {"child.nope": "x"},
        }
        [result] = (await phone.recover([held])).json()["results"]
        assert result["status"] == "rejected"
        assert result["reasons"][0] == {
            "code": "unknown_field",
            "path": "payload.fields.child.nope",
            "message": "child.nope",
        }
        assert await Dossier.count() == 0
        seq = await DeviceSequence.select().where(DeviceSequence.device_id == phone.device_id)
        assert seq[0]["generation"] == 1


async def test_the_persons_own_withdrawal_comes_back_and_lost_answers_are_listed(
    settings: Settings, tmp_path: Path
) -> None:
    async with serving(settings) as app:
        phone = await device_for(app, await make_account("citizen"))
        withdrawn, edited = uuid7(), uuid7()
        for dossier in (withdrawn, edited):
            birth_draft(phone, dossier)
        phone.queue("submit", withdrawn, {}, 2)
        await phone.sync()
        await phone.pull_all()
        copy = await snapshots.take(settings, tmp_path / "backup")
        phone.queue("withdraw", withdrawn, {"reason": "Nộp nhầm"}, 3)
        phone.queue("edit_draft", edited, {"changes": {"child.hometown": "Huế"}}, 2)
        phone.queue("submit", edited, {}, 3)
        await phone.sync()
        await phone.pull_all()
    await restore(settings, copy, declare=True)

    async with serving(settings, phone):
        # The withdrawal was the person's, confirmed to them: it is applied again.
        held = phone.held(str(withdrawn))
        assert held["state"] == 7
        # The other phone of this story held the draft's later answer, not its submission.
        stale = phone.held(str(edited), state=0, code=None, seal=None, version=3)
        results = (await phone.recover([held, stale])).json()["results"]
        assert [r["status"] for r in results] == ["restored", "restored"]
        assert results[0]["state"] == 7
        row = await Dossier.select(Dossier.state).where(Dossier.id == withdrawn).first()
        assert row["state"] == 7
        notes = {r["dossier_id"]: r["note"] for r in await PutBack.select()}
        assert notes[withdrawn] == "withdrawal_reapplied"
        # The draft came back with its later answer (the server had it as at the backup).
        fields = msgspec.json.decode(
            (await Dossier.select(Dossier.fields).where(Dossier.id == edited).first())["fields"]
        )
        assert fields["child.hometown"] == "Huế"


async def test_a_claim_to_know_more_without_the_servers_receipt_changes_nothing(
    settings: Settings,
) -> None:
    """Otherwise any device could make every device start its sync over, 255 times."""
    async with serving(settings) as app:
        phone = await device_for(app, await make_account("citizen"))
        dossier = uuid7()
        birth_draft(phone, dossier)
        await phone.sync()
        assert phone.receipt and phone.generation == 1
        real = phone.receipt
        for claim in (
            {"confirmed_seq": 9_000, "generation": 1, "receipt": real},  # not what it said
            {"confirmed_seq": 2, "generation": 200, "receipt": real},
            {"confirmed_seq": 9_000, "generation": 1},
            {"confirmed_seq": 9_000, "generation": 1, "receipt": "x" * 22},
        ):
            r = await phone.http.post(
                "/api/sync/push",
                json={"device_id": str(phone.device_id), "mutations": [], **claim},
                headers=phone.auth,
            )
            assert r.status_code == 200, (claim, r.text)
            assert r.json()["generation"] == 1
        r = await phone.recover([], done=True)
        assert r.status_code == 200 and r.json()["generation"] == 1
        assert await current_generation(engine()) == 1


async def test_one_dossier_named_twice_in_a_page_is_put_back_once(
    settings: Settings, tmp_path: Path
) -> None:
    """A buggy phone sends the same dossier twice in one page, with different answers:
    the first is taken, the second gets its result, and nothing is recorded twice."""
    async with serving(settings) as app:
        phone = await device_for(app, await make_account("citizen"))
        dossier = uuid7()
        birth_draft(phone, dossier)
        await phone.sync()
        await phone.pull_all()
        copy = await snapshots.take(settings, tmp_path / "backup")
    await restore(settings, copy, declare=True)

    async with serving(settings, phone):
        first = phone.held(str(dossier), version=5)
        first["fields"]["child.hometown"] = "Huế"
        second = phone.held(str(dossier), version=6)
        second["fields"]["child.hometown"] = "Vinh"
        r = await phone.recover([first, second])
        assert r.status_code == 200, r.text
        results = r.json()["results"]
        assert results[0] == results[1] and results[0]["status"] == "restored"
        assert await PutBack.count().where(PutBack.dossier_id == dossier) == 1
        row = await Dossier.select(Dossier.fields).where(Dossier.id == dossier).first()
        assert msgspec.json.decode(row["fields"])["child.hometown"] == "Huế"
