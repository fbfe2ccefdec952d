"""The restore drill (sync/README.md §9; harness/restore_drill.py): twenty phones work
before and after last night's backup, the desk receives some dossiers, the server is
restored from the backup, and the phones come back in a random order with new work.
Afterwards nothing any phone holds is lost, no code changed or was handed out twice,
nothing was applied twice, no phone is wedged, and the desk work the phones saw is
listed for the agency administrator."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from harness.app_in_process import AppInProcess
from harness.devices import sign_in_device
from harness.restore_drill import (
    DRAFT,
    Drill,
    DrillConfig,
    DrillPhone,
    close,
    run_drill,
    schema_versions_of,
)
from harness.samples import jpeg
from harness.sync_client import SyncDevice, birth_answers
from server.dossiers.tables import AppliedMutation, Dossier, DossierConflict, DossierHistory
from server.recovery.tables import PutBack, ServerGeneration
from server.settings import Settings

pytestmark = pytest.mark.slow


@pytest.fixture(params=["declared", "undeclared"])
async def drilled(
    settings: Settings, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[tuple[AppInProcess, Drill]]:
    """`undeclared`: the database put back some other way, nobody ran `motcua restored`;
    the phones' receipts must prove it, twenty of them at once."""
    site = AppInProcess(settings, tmp_path / "backups", declared=request.param == "declared")
    await site.start()
    drill = None
    try:
        drill = await run_drill(site, DrillConfig())
        yield site, drill
    finally:
        if drill is not None:
            await close(drill)
        await site.stop()


async def sign_in(site: AppInProcess, email: str) -> SyncDevice:
    async with site.client() as browser:
        return await sign_in_device(site.client(), email, site.password, browser=browser)


async def schema_versions(site: AppInProcess) -> dict[str, int]:
    async with site.client() as http:
        return await schema_versions_of(http)


async def _server_dossiers() -> dict[str, dict]:
    rows = await Dossier.select(
        Dossier.id, Dossier.state, Dossier.code, Dossier.fields, Dossier.deleted_at
    )
    return {str(r["id"]): {**r, "fields": json.loads(r["fields"])} for r in rows}


async def test_the_restore_drill(drilled: tuple[AppInProcess, Drill]) -> None:
    """One drill per database, every check on it (the drill takes about 15 s)."""
    site, drill = drilled
    # One restore, one generation, however many phones proved it at once.
    generations = await ServerGeneration.select()
    assert [g["cause"] for g in generations] == ["restore" if site.declared else "detected"], (
        generations
    )
    await _no_phone_is_wedged_and_the_server_holds_what_every_phone_holds(drill)
    await _nothing_is_applied_twice(drill)
    await _desk_work_the_phones_saw_is_listed_for_the_agency_administrator(site, drill)
    await _submissions_after_the_restore_get_codes_never_handed_out_before(drill)


async def _no_phone_is_wedged_and_the_server_holds_what_every_phone_holds(drill: Drill) -> None:
    # No phone is wedged: one more pass sends nothing, pulls fine, and needs no put-back.
    for phone in drill.phones:
        recoveries = phone.recovery.times
        await phone.sync()
        assert phone.device.outbox == [], phone.name
        assert phone.recovery.times == recoveries == 1, phone.name
        assert not [s for s in phone.responses if s >= 500], (phone.name, phone.responses)
        assert phone.recovery.statuses["rejected"] == 0, (phone.name, phone.recovery.reasons)
    # One page of file seals, then more than a page of dossiers.
    assert drill.citizens[0].recovery.pages == 3

    server = await _server_dossiers()
    for phone in drill.phones:
        for dossier_id, kept in phone.kept.items():
            row = server.get(dossier_id)
            assert row is not None and row["deleted_at"] is None, (phone.name, dossier_id)
            if kept.state == DRAFT:
                # The person's latest answers, whatever was lost in between.
                typed = phone.typed[dossier_id]
                assert {p: row["fields"].get(p) for p in typed} == typed, (phone.name, dossier_id)
            else:
                assert row["code"] and row["code"] == kept.code, (phone.name, dossier_id)
        for dossier_id in phone.deleted:
            row = server.get(dossier_id)
            assert row is None or row["deleted_at"] is not None, (phone.name, dossier_id)
    # Drafts from before the backup deleted after it are deleted again.
    tombstones = [server.get(d) for p in drill.phones for d in p.deleted]
    assert sum(1 for row in tombstones if row and row["deleted_at"] is not None) == 5
    # Each code the phones were given for a dossier before the restore is the same now.
    for phone in drill.phones:
        for outcome in phone.submit_outcomes[: phone.outcomes_before_restore]:
            if outcome["status"] != "rejected":
                assert server[outcome["dossier_id"]]["code"] == outcome["code"], outcome
    codes = [r["code"] for r in server.values() if r["code"]]
    assert len(codes) == len(set(codes))


async def _submissions_after_the_restore_get_codes_never_handed_out_before(drill: Drill) -> None:
    fresh = [o for o in drill.submits_after_restore if not o["payload"].get("reserved_code")]
    assert len(fresh) == len(drill.phones)  # one each: a citizen's draft, a walk-in birth
    assert all(o["status"] == "applied" and o["code"] for o in fresh), fresh
    codes = {o["code"] for o in fresh}
    assert len(codes) == len(fresh)
    # Neither a code of the lost history nor one of a reserved block, lost or not.
    assert not codes & drill.codes_before_restore
    assert drill.reserved_after_restore
    assert not drill.reserved_after_restore & (drill.codes_before_restore | codes)
    # Births registered offline bind their reserved codes, from blocks the restore
    # lost too: the phones put those back (with the seal the reserve answer gave).
    reserved = [o for o in drill.submits_after_restore if o["payload"].get("reserved_code")]
    assert len(reserved) == 2 * len(drill.outreach)
    assert all(r["seal"] for p in drill.outreach for r in p.reserved.values())
    assert all(o.get("code") == o["payload"]["reserved_code"] for o in reserved), [
        (o["payload"], o["status"], o.get("reasons")) for o in reserved
    ]


async def _nothing_is_applied_twice(drill: Drill) -> None:
    rows = await AppliedMutation.select(
        AppliedMutation.device_id, AppliedMutation.seq, AppliedMutation.mutation_id
    ).where(AppliedMutation.repeat_of.is_null())
    assert len({(r["device_id"], r["seq"]) for r in rows}) == len(rows)
    assert len({(r["device_id"], r["mutation_id"]) for r in rows}) == len(rows)
    # Each dossier was submitted once: by a submit, or put back as submitted, not both.
    history = await DossierHistory.select(
        DossierHistory.dossier_id, DossierHistory.action, DossierHistory.detail
    ).where((DossierHistory.from_state == 0) & (DossierHistory.to_state == 1))
    submitted = Counter(str(r["dossier_id"]) for r in history)
    assert [d for d, n in submitted.items() if n > 1] == []
    # Every file once in its slot, however often it was sent again.
    for row in (await _server_dossiers()).values():
        for path, value in row["fields"].items():
            if path.startswith("attachments.") and isinstance(value, list):
                assert len(value) == len(set(value)), (row["id"], path)
    # One phone per account, each putting back its own: nothing to choose between.
    assert await DossierConflict.count() == 0
    # One put-back per (generation, device, dossier).
    put_backs = await PutBack.select(PutBack.generation, PutBack.device_id, PutBack.dossier_id)
    keys = [(r["generation"], r["device_id"], r["dossier_id"]) for r in put_backs]
    assert len(keys) == len(set(keys))


async def _desk_work_the_phones_saw_is_listed_for_the_agency_administrator(
    site: AppInProcess, drill: Drill
) -> None:
    assert drill.desk_seen_after_backup
    async with site.client() as browser:
        r = await browser.post(
            "/api/auth/login", json={"email": drill.admin_email, "password": site.password}
        )
        assert r.status_code == 200, r.text
        r = await browser.get("/api/desk/recovery", params={"limit": 500})
        assert r.status_code == 200, r.text
    listed = {e["dossier_id"]: e for e in r.json()["put_backs"]}
    for dossier_id in drill.desk_seen_after_backup:
        assert listed[dossier_id]["note"] == "desk_work_lost", listed.get(dossier_id)
        assert listed[dossier_id]["phone_state"] >= 2


async def test_a_phone_registered_after_the_backup_puts_back_before_its_outbox_applies(
    settings: Settings, tmp_path: Path
) -> None:
    """§9.4: the restored database never knew this install; the phone signs in again as a
    new device. Its queued work (an edit, the submission) must not meet a server that
    has not had its dossiers back yet: it would be refused as unknown and lost."""
    site = AppInProcess(settings, tmp_path / "backups")
    await site.start()
    try:
        [email] = await site.accounts([("citizen", "")])
        await site.backup()  # the phone is not registered yet
        versions = await schema_versions(site)
        phone = DrillPhone(await sign_in(site, email), "citizen", "new phone", versions)
        draft = phone.create("khai-sinh", birth_answers(dt.date.today()))
        phone.attach(draft, "attachments.birth_certificate", jpeg(240, 200, seed=3))
        await phone.sync()
        phone.edit(draft, **{"child.hometown": "Huế"})  # offline: in the outbox
        phone.submit(draft)

        await site.restore()
        await phone.reconnect(site.client())
        r = await phone.http.post(
            "/api/sync/push", json=phone.device.body(), headers=phone.device.auth
        )
        assert r.status_code == 401  # the credential died with the lost history
        await phone.register_anew(await sign_in(site, email))
        await phone.sync()

        assert phone.recovery.times == 1
        [submitted] = phone.submit_outcomes
        assert submitted["status"] == "applied" and submitted["code"], submitted
        row = await Dossier.select(Dossier.state, Dossier.fields).where(Dossier.id == draft).first()
        assert row is not None and row["state"] == 1
        assert json.loads(row["fields"])["child.hometown"] == "Huế"
        await phone.device.http.aclose()
    finally:
        await site.stop()


async def test_a_phone_with_nothing_queued_meets_the_restore_on_its_pull_and_puts_back(
    settings: Settings, tmp_path: Path
) -> None:
    site = AppInProcess(settings, tmp_path / "backups")
    await site.start()
    try:
        [email] = await site.accounts([("citizen", "")])
        versions = await schema_versions(site)
        phone = DrillPhone(await sign_in(site, email), "citizen", "quiet phone", versions)
        draft = phone.create("khai-sinh", birth_answers(dt.date.today()))
        await phone.sync()
        await site.backup()
        phone.edit(draft, **{"child.hometown": "Huế"})
        await phone.sync()  # confirmed, then lost with the restore

        await site.restore()
        await phone.reconnect(site.client())
        await phone.sync()  # nothing to push: the pull tells of the restore

        assert phone.recovery.times == 1
        row = await Dossier.select(Dossier.fields).where(Dossier.id == draft).first()
        assert row is not None and json.loads(row["fields"])["child.hometown"] == "Huế"
        await phone.device.http.aclose()
    finally:
        await site.stop()
