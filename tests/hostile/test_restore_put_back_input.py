"""Hostile put-backs (`POST /api/sync/recover`, sync/README.md §9.2): what a phone sends
is never trusted beyond what the server sealed. A put-back needs no restore to be sent,
so each of these runs against a server that was never restored (generation 1) unless it
says otherwise."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import msgspec
import pytest

from harness import samples
from harness.sync_client import SyncDevice, birth_answers, uuid7
from server.attachments.tables import BlobRef
from server.clock import vn_today
from server.dossiers.tables import CodeReservation, Dossier
from server.identity.tables import Device
from server.notify.tables import OutboxMessage
from server.recovery.keys import seal_key
from server.recovery.tables import PutBack
from server.settings import Settings
from server.sql import Sql
from sync.codes import make_code
from sync.seals import dossier_seal
from tests.attachments.test_links_and_access import upload
from tests.desk.conftest import official
from tests.recovery.test_put_back import engine, serving
from tests.sync.conftest import device_for, make_account
from tests.sync.test_push_pull import birth_draft


def _held(**changes: Any) -> dict[str, Any]:
    held: dict[str, Any] = {
        "id": str(uuid7()),
        "procedure_code": "khai-sinh",
        "schema_version": 1,
        "state": 1,
        "version": 3,
        "fields": {},
    }
    held.update(changes)
    return held


async def _submitted(phone: SyncDevice) -> dict[str, Any]:
    dossier = uuid7()
    birth_draft(phone, dossier)
    phone.queue("submit", dossier, {}, 2)
    await phone.sync()
    await phone.pull_all()
    return phone.held(str(dossier))


async def test_a_forged_code_too_long_for_the_record_is_refused_not_a_5xx(
    settings: Settings,
) -> None:
    async with serving(settings) as app:
        phone = await device_for(app, await make_account("citizen"))
        held = _held(code="00071" + "9" * 27, seal="A" * 22)
        r = await phone.recover([held], done=False)
        assert r.status_code == 200, r.text
        [result] = r.json()["results"]
        assert result["status"] == "rejected"


async def test_a_nul_in_the_phones_commune_is_a_clear_422(settings: Settings) -> None:
    async with serving(settings) as app:
        phone = await device_for(app, await make_account("citizen"))
        held = _held(fields={"agency.commune": "\x00\x00"}, code="x", seal="A" * 22)
        r = await phone.recover([held], done=False)
        # Held up: the body's NUL is refused before anything is read, naming where.
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["path"] == "$.dossiers[0].fields.agency.commune"
        assert await PutBack.count() == 0


async def test_a_refused_put_back_is_not_listed_on_a_commune_the_phone_names(
    settings: Settings,
) -> None:
    """The commune a put-back is listed for is the server's (its record's, or the sealed
    code's), never the one a phone writes in its answers: otherwise any citizen fills
    any commune's administrator list."""
    async with serving(settings) as app:
        phone = await device_for(app, await make_account("citizen"))
        held = _held(fields={"agency.commune": "00071"}, code="00071260000001", seal="A" * 22)
        [result] = (await phone.recover([held], done=False)).json()["results"]
        assert result["status"] == "rejected"
        assert await PutBack.count().where(PutBack.commune_code == "00071") == 0


async def test_a_version_beyond_the_records_range_is_refused_not_a_5xx(
    settings: Settings,
) -> None:
    async with serving(settings) as app:
        phone = await device_for(app, await make_account("citizen"))
        held = _held(state=0, version=2**31, fields={})
        r = await phone.recover([held], done=False)
        assert r.status_code in (200, 400), r.text
        if r.status_code == 200:
            [result] = r.json()["results"]
            assert result["status"] == "rejected"
        assert await Dossier.count() == 0


@pytest.mark.parametrize(
    "when", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59", "2026-01-01T00:00:00"]
)
async def test_an_extreme_submitted_at_is_not_a_5xx(settings: Settings, when: str) -> None:
    async with serving(settings) as app:
        phone = await device_for(app, await make_account("citizen"))
        held = _held(submitted_at=when, code="x", seal="A" * 22)
        r = await phone.recover([held], done=False)
        assert r.status_code in (200, 400), r.text


@pytest.mark.parametrize(
    "when", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59", "2026-01-01T00:00:00"]
)
async def test_an_extreme_reservation_expiry_is_not_a_5xx(settings: Settings, when: str) -> None:
    async with serving(settings) as app:
        field = await device_for(app, await make_account("outreach", "00070"))
        r = await field.http.post("/api/sync/codes/reserve", json={"count": 1}, headers=field.auth)
        [reserved] = r.json()["codes"]
        await CodeReservation.delete().where(CodeReservation.code == reserved["code"])
        r = await field.recover([], reservations=[{**reserved, "expires_at": when}], done=False)
        assert r.status_code in (200, 400), r.text


async def test_answers_held_for_a_submitted_dossier_are_shape_checked(
    settings: Settings,
) -> None:
    """§9.2: answers are shape-checked as in edit_draft. Unchecked, a citizen's own
    submitted dossier carries any junk (10,000 unknown fields) onto the administrator's
    list, with no restore at all."""
    async with serving(settings) as app:
        phone = await device_for(app, await make_account("citizen"))
        held = await _submitted(phone)
        junk = {f"x.{i}": "<img src=x onerror=alert(1)>" for i in range(10_000)}
        held["fields"] = {**held["fields"], **junk}
        r = await phone.recover([held], done=False)
        assert r.status_code == 200, r.text
        [row] = await PutBack.select(PutBack.detail, PutBack.note)
        assert "x.9999" not in row["detail"]


async def _sealed(phone: SyncDevice, dossier: uuid.UUID, code: str) -> str:
    """The seal the server gives with `code` (what a phone holds from a lost history)."""
    key = await seal_key(Sql(engine()))
    [account] = await Device.select(Device.account_id).where(Device.id == phone.device_id)
    return dossier_seal(key, dossier, account["account_id"], code)


@pytest.mark.parametrize(
    "when", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59", "9999-06-01T00:00:00Z"]
)
async def test_an_extreme_submitted_at_with_a_true_seal_is_not_a_5xx(
    settings: Settings, when: str
) -> None:
    async with serving(settings) as app:
        field = await device_for(app, await make_account("outreach", "00070"))
        r = await field.http.post("/api/sync/codes/reserve", json={"count": 1}, headers=field.auth)
        [reserved] = r.json()["codes"]
        dossier = uuid7()
        birth_draft(field, dossier)
        await field.sync()
        await field.pull_all()
        code = reserved["code"]
        held = field.held(
            str(dossier), state=1, code=code, seal=await _sealed(field, dossier, code)
        )
        r = await field.recover([{**held, "submitted_at": when}], done=False)
        assert r.status_code == 200, r.text
        # The phone's date is not sealed: a submission is never dated in the future.
        row = await Dossier.select(Dossier.submitted_at).where(Dossier.id == dossier).first()
        assert row is not None and row["submitted_at"].year < 9999


async def test_a_version_near_the_records_top_is_refused_so_later_changes_fit(
    settings: Settings,
) -> None:
    """A lost draft goes on from the phone's version, and every later change adds one:
    put back at 2^31 − 2, its next edit once made the whole batch a 400 (the version
    column's range) and wedged the phone's queue."""
    async with serving(settings) as app:
        phone = await device_for(app, await make_account("citizen"))
        near, fine = _held(state=0, version=2**31 - 2), _held(state=0, version=2**30)
        r = await phone.recover([near, fine])
        assert r.status_code == 200, r.text
        results = {x["dossier_id"]: x for x in r.json()["results"]}
        assert results[near["id"]]["status"] == "rejected", results
        assert results[near["id"]]["reasons"][0]["path"] == "version"
        assert results[fine["id"]]["status"] == "restored", results
        phone.queue(
            "edit_draft",
            uuid.UUID(fine["id"]),
            {"changes": {"child.full_name": "Lê Văn An"}},
            2**30 + 1,
        )
        [outcome] = await phone.sync()
        assert outcome["status"] == "applied" and outcome["version"] == 2**30 + 2, outcome


# Seals are base64url: text outside ASCII can never be one. Compared as it came, it made
# `hmac.compare_digest` raise, and the whole request a 500 the phone sends again for ever.
NOT_ASCII = "é" * 22


async def test_seals_not_in_ascii_are_refused_each_not_a_5xx(settings: Settings) -> None:
    async with serving(settings) as app:
        field = await device_for(app, await make_account("outreach", "00070"))
        r = await field.http.post("/api/sync/codes/reserve", json={"count": 2}, headers=field.auth)
        reserved, other = r.json()["codes"]
        await CodeReservation.delete().where(CodeReservation.code.is_in([reserved["code"]]))
        file = "a" * 64
        held = _held(code=other["code"], seal=NOT_ASCII)
        r = await field.recover(
            [held],
            reservations=[{**reserved, "seal": NOT_ASCII}],
            files=[{"sha256": file, "seal": NOT_ASCII}],
            done=False,
        )
        assert r.status_code == 200, r.text
        answer = r.json()
        assert answer["files_missing"] == [file]
        [result] = answer["results"]
        assert result["status"] == "rejected" and result["reasons"][0]["code"] == "seal_invalid"
        assert [x["code"] for x in answer["reservations_refused"]] == ["seal_invalid"]
        assert await Dossier.count() == 0


@pytest.mark.parametrize("request_kind", ["push", "recover"])
async def test_a_receipt_not_in_ascii_proves_nothing_not_a_5xx(
    settings: Settings, request_kind: str
) -> None:
    """A device claiming a later generation than the server's, with a receipt no server
    could have written: not a restore, and not a 500 either."""
    async with serving(settings) as app:
        phone = await device_for(app, await make_account("citizen"))
        phone.generation, phone.receipt = 255, NOT_ASCII
        if request_kind == "push":
            birth_draft(phone, uuid7())
            r = await phone.push()
        else:
            r = await phone.recover([], done=False)
        assert r.status_code == 200, r.text
        assert r.json()["generation"] == 1


async def test_a_digest_followed_by_a_newline_names_no_file(settings: Settings) -> None:
    """`^[0-9a-f]{64}$` also matches a digest followed by a newline: a put-back holding one
    in an attachment field wrote a 65-character file reference, which PostgreSQL refused
    for the whole page (400 at `$`, sent again unchanged). Now it is no digest, and the
    dossier holding it is refused, alone."""
    async with serving(settings) as app:
        phone = await device_for(app, await make_account("citizen"))
        odd = "b" * 64 + "\n"
        held = _held(state=0, version=2, fields={"attachments.birth_certificate": [odd]})
        r = await phone.recover([held], done=False)
        assert r.status_code == 200, r.text
        [result] = r.json()["results"]
        assert result["status"] == "rejected", result
        assert result["reasons"][0]["code"] == "invalid_attachment", result
        assert await BlobRef.count() == 0


async def test_a_put_back_refused_as_it_is_saved_leaves_its_reserved_code_unbound(
    settings: Settings,
) -> None:
    """A draft put back as submitted with its sealed reserved code bound the code to the
    dossier before saving it: a save refused (its files past the dossier's limit) left
    the reservation bound to a submission the server never took back."""
    limited = msgspec.structs.replace(settings, max_file_bytes=400_000, max_dossier_bytes=500_000)
    async with serving(limited) as app:
        field = await device_for(app, await make_account("outreach", "00070"))
        r = await field.http.post("/api/sync/codes/reserve", json={"count": 1}, headers=field.auth)
        code = r.json()["codes"][0]["code"]
        files = [await upload(field, samples.pdf(300_000, seed=seed)) for seed in (51, 52)]
        dossier = uuid7()
        birth_draft(field, dossier)
        await field.sync()
        await field.pull_all()
        held = field.held(
            str(dossier), state=1, code=code, seal=await _sealed(field, dossier, code)
        )
        held["fields"]["attachments.birth_certificate"] = files
        r = await field.recover([held], done=False)
        assert r.status_code == 200, r.text
        [result] = r.json()["results"]
        assert result["status"] == "rejected", result
        assert result["reasons"][0]["code"] == "dossier_too_large", result
        [row] = await CodeReservation.select(CodeReservation.dossier_id).where(
            CodeReservation.code == code
        )
        assert row["dossier_id"] is None


@asynccontextmanager
async def _phone_with_two_files(
    settings: Settings, seeds: tuple[int, int]
) -> AsyncIterator[tuple[SyncDevice, str, str]]:
    """A server whose dossiers hold at most 500 KB of files, and a phone that sent two
    PDFs of 300 KB: either fits a dossier, both do not."""
    limited = msgspec.structs.replace(settings, max_file_bytes=400_000, max_dossier_bytes=500_000)
    async with serving(limited) as app:
        phone = await device_for(app, await make_account("citizen"))
        first, second = [await upload(phone, samples.pdf(300_000, seed=seed)) for seed in seeds]
        yield phone, first, second


@pytest.mark.parametrize("junk", [{"a": 1}, [1], "not a digest"])
async def test_a_put_back_attachment_list_holds_whole_digests_only(
    settings: Settings, junk: Any
) -> None:
    """A put-back's attachment list was stored as it came: an item no digest (a map, a
    list) made the dossier's size check fail, a 500 on the put-back and then on every
    push attaching a file to it; 20,000 made-up digests were 20,000 file references
    (past PostgreSQL's 32,767 arguments, a 500). Now such a dossier is refused, alone."""
    async with _phone_with_two_files(settings, (61, 62)) as (phone, first, second):
        slot = "attachments.birth_certificate"
        kept = _held(state=0, version=2, fields={slot: [first]})
        refused = [
            _held(state=0, version=2, fields={slot: [first, second, junk]}),  # past the limit
            _held(state=0, version=2, fields={slot: [first, junk]}),
            _held(state=0, version=2, fields={slot: [f"{i:064x}" for i in range(20_000)]}),
        ]
        r = await phone.recover([kept, *refused], done=False)
        assert r.status_code == 200, r.text
        results = {x["dossier_id"]: x for x in r.json()["results"]}
        assert results[kept["id"]]["status"] == "restored", results
        for held in refused:
            assert results[held["id"]]["status"] == "rejected", results[held["id"]]
            assert results[held["id"]]["reasons"][0]["path"].endswith(slot)
        # The draft taken back goes on as any other: a file attached past the limit is
        # refused, alone.
        phone.queue("attach", uuid.UUID(kept["id"]), {"path": slot, "sha256": second}, 3)
        [outcome] = await phone.sync()
        assert outcome["status"] == "rejected", outcome
        assert outcome["reasons"][0]["code"] == "dossier_too_large", outcome


@pytest.mark.parametrize(
    ("contact", "told_by"),
    [
        ({"contact.phone": "hello"}, ["email"]),
        ({"contact.email": "x"}, ["sms"]),
        ({"contact.phone": "0912345678", "contact.email": "a@b"}, ["sms"]),
    ],
)
async def test_a_put_back_contact_that_is_none_leaves_the_desks_actions_working(
    settings: Settings, contact: dict[str, str], told_by: list[str]
) -> None:
    """A submitted dossier put back holds answers only shape-checked: a contact that is
    no address made every desk action that tells the person a 500. Now that contact is
    left out, and the other one is told."""
    async with serving(settings) as app:
        phone = await device_for(app, await make_account("citizen"))
        dossier = uuid7()
        code = make_code("00070", vn_today().year, 987654)
        fields = {**birth_answers(vn_today()), **contact}
        held = _held(
            id=str(dossier), fields=fields, code=code, seal=await _sealed(phone, dossier, code)
        )
        [result] = (await phone.recover([held], done=False)).json()["results"]
        assert result["status"] == "restored", result
        desk = await official(app)
        r = await desk.act(dossier, "receive")
        assert r.status_code == 200, r.text
        told = await OutboxMessage.select(OutboxMessage.channel).where(
            OutboxMessage.message_key.like(f"%dossier_received:{dossier}%")
        )
        assert [m["channel"] for m in told] == told_by, told


async def test_a_put_back_keeps_more_files_than_the_form_takes(settings: Settings) -> None:
    """The form's own file limit waits for the submission, as for any edit: a draft
    holding seven files (the app lets a person attach up to ten where a form names no
    limit) is taken back as the phone holds it."""
    async with serving(settings) as app:
        phone = await device_for(app, await make_account("citizen"))
        files = [f"{i:064x}" for i in range(7)]
        held = _held(state=0, version=2, fields={"attachments.birth_certificate": files})
        r = await phone.recover([held], done=False)
        assert r.status_code == 200, r.text
        [result] = r.json()["results"]
        assert result["status"] == "restored", result


async def test_a_stored_attachment_list_holding_junk_does_not_wedge_later_attaches(
    settings: Settings,
) -> None:
    """A database from before put-back lists were checked (or restored from one) may
    hold a draft whose attachment list holds a map: its size check read the list as a
    set, and every push attaching to that draft got a 500."""
    async with _phone_with_two_files(settings, (81, 82)) as (phone, first, second):
        slot = "attachments.birth_certificate"
        kept = _held(state=0, version=2, fields={slot: [first]})
        assert (await phone.recover([kept], done=False)).status_code == 200
        dossier = uuid.UUID(kept["id"])
        [row] = await Dossier.select(Dossier.fields).where(Dossier.id == dossier)
        fields = {**json.loads(row["fields"]), slot: [first, {"a": 1}]}
        await Dossier.update({Dossier.fields: json.dumps(fields)}).where(Dossier.id == dossier)
        phone.queue("attach", dossier, {"path": slot, "sha256": second}, 3)
        [outcome] = await phone.sync()
        assert outcome["status"] == "rejected", outcome
        assert outcome["reasons"][0]["code"] == "dossier_too_large", outcome
