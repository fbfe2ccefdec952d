"""Reading someone's file by naming its hash in a dossier.

A file's SHA-256 is no secret (a receipt, a shared scan, a guess at a common form
all give it away). An account that names another account's hash in `attach` or
`answer_supplement` must be refused, in every state those kinds are allowed in,
and must not become able to read the file, as a citizen or as an official of the
commune its dossier is in (officials read the files of their commune's dossiers)."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from contextlib import AsyncExitStack, aclosing

import httpx
import pytest

from harness import samples
from harness.sync_client import SyncDevice, birth_answers, fake_sha256, uuid7
from harness.tus_client import TusClient
from server.attachments.tables import BlobRef
from server.clock import vn_today
from server.dossiers.tables import Dossier
from tests.desk.conftest import DeskOfficial, official
from tests.sync.conftest import PASSWORD, app, device_for, make_account  # noqa: F401  (fixtures)

COMMUNE = "00070"
SLOT = "attachments.birth_certificate"
OTHER_SLOT = "attachments.marriage_certificate"


async def _uploaded_by(device: SyncDevice, data: bytes) -> str:
    report = await TusClient(device.http, device.auth).upload(data, filename="cccd.jpg")
    assert report.ok, report.problem
    return samples.sha(data)


async def _session(app, email: str) -> DeskOfficial:
    http = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://localhost:8000"
    )
    r = await http.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return DeskOfficial(http, r.json()["csrf_token"])


async def _draft(device: SyncDevice) -> uuid.UUID:
    """A birth draft in COMMUNE holding a certificate this device's account sent."""
    dossier = uuid7()
    device.queue(
        "create_draft",
        dossier,
        {"procedure_code": "khai-sinh", "fields": birth_answers(vn_today(), commune=COMMUNE)},
    )
    device.queue(
        "attach", dossier, {"path": SLOT, "sha256": fake_sha256(f"own certificate {dossier}")}, 1
    )
    outcomes = await device.sync()
    assert [o["status"] for o in outcomes] == ["applied", "applied"], outcomes
    return dossier


async def _supplement_requested(device: SyncDevice, desk: DeskOfficial) -> tuple[uuid.UUID, int]:
    """A dossier of `device`'s account, submitted and asked for more documents (state 5)."""
    dossier = await _draft(device)
    device.queue("submit", dossier, {}, 2)
    [submitted] = await device.sync()
    assert submitted["state"] == 1, submitted
    return dossier, await _asked_for_documents(desk, dossier)


async def _asked_for_documents(desk: DeskOfficial, dossier: uuid.UUID) -> int:
    """A submitted dossier received and asked for more documents (state 5); its version."""
    assert (await desk.act(dossier, "receive")).status_code == 200
    due = (vn_today() + dt.timedelta(days=3)).isoformat()
    asked = await desk.act(
        dossier,
        "request_documents",
        {"documents": ["Giấy chứng nhận kết hôn"], "reason": "Cần đối chiếu.", "due_date": due},
    )
    assert asked.status_code == 200 and asked.json()["state"] == 5, asked.text
    return asked.json()["version"]


def _refused(outcome: dict) -> None:
    assert outcome["status"] == "rejected", outcome
    assert {r["code"] for r in outcome["reasons"]} == {"attachment_not_uploaded"}, outcome
    assert all(r["message"] for r in outcome["reasons"])


async def _cannot_read(sha: str, *clients: tuple[httpx.AsyncClient, dict]) -> None:
    for http, headers in clients:
        for path in ("", "/thumbnail"):
            r = await http.get(f"/api/blobs/{sha}{path}", headers=headers)
            assert r.status_code in (403, 404), (path, r.status_code)


@pytest.mark.parametrize("role", ["citizen", "desk"])
async def test_naming_another_accounts_file_neither_links_nor_reveals_it(app, role: str) -> None:
    async with AsyncExitStack() as stack:
        owner = await device_for(app, await make_account("citizen"))
        await stack.enter_async_context(aclosing(owner.http))
        scan = samples.jpeg(seed=1301)
        theirs = await _uploaded_by(owner, scan)

        email = await make_account(role, COMMUNE if role == "desk" else "")
        prober = await device_for(app, email)
        await stack.enter_async_context(aclosing(prober.http))
        # The prober's own browser session too: for an official, the one the desk uses.
        session = await _session(app, email)
        await stack.enter_async_context(aclosing(session.http))
        desk = await official(app, commune=COMMUNE)
        await stack.enter_async_context(aclosing(desk.http))
        readers = [(prober.http, prober.auth), (session.http, {})]
        await _cannot_read(theirs, *readers)

        # State 0: attach.
        draft = await _draft(prober)
        prober.queue("attach", draft, {"path": OTHER_SLOT, "sha256": theirs}, 2)
        [attached] = await prober.sync()
        _refused(attached)
        assert attached["version"] == 2 and attached["state"] == 0  # the dossier as it is

        # State 5: attach, and answer_supplement naming the file among its own.
        asked, version = await _supplement_requested(prober, desk)
        prober.queue("attach", asked, {"path": OTHER_SLOT, "sha256": theirs}, version)
        prober.queue(
            "answer_supplement",
            asked,
            {
                "message": "Đã bổ sung.",
                "changes": {OTHER_SLOT: [theirs], SLOT: [fake_sha256(f"own certificate {asked}")]},
            },
            version,
        )
        attached, answered = await prober.sync()
        _refused(attached)
        _refused(answered)
        assert answered["state"] == 5 and answered["version"] == version

        # Nothing links the file to the prober's dossiers, and it stays unreadable to them.
        assert await BlobRef.count().where(BlobRef.sha256 == theirs) == 0
        for row in await Dossier.select(Dossier.fields).where(Dossier.id.is_in([draft, asked])):
            assert theirs not in row["fields"]
        await _cannot_read(theirs, *readers)

        # The owner still reads it: the refusal is about who sent the bytes.
        assert (await owner.http.get(f"/api/blobs/{theirs}", headers=owner.auth)).content == scan


async def test_a_file_the_account_sent_itself_is_attached_in_both_states(app) -> None:
    async with AsyncExitStack() as stack:
        person = await device_for(app, await make_account("citizen"))
        await stack.enter_async_context(aclosing(person.http))
        desk = await official(app, commune=COMMUNE)
        await stack.enter_async_context(aclosing(desk.http))
        mine = await _uploaded_by(person, samples.jpeg(seed=1302))
        draft = await _draft(person)
        person.queue("attach", draft, {"path": OTHER_SLOT, "sha256": mine}, 2)
        [attached] = await person.sync()
        assert attached["status"] == "applied", attached

        asked, version = await _supplement_requested(person, desk)
        person.queue("attach", asked, {"path": OTHER_SLOT, "sha256": mine}, version)
        person.queue("answer_supplement", asked, {"message": "Đã bổ sung."}, version + 1)
        attached, answered = await person.sync()
        assert attached["status"] == "applied" and answered["state"] == 4, (attached, answered)
        # The commune's officials read it now that a dossier of theirs holds it.
        assert (await desk.http.get(f"/api/blobs/{mine}")).status_code == 200


async def test_a_desk_result_names_only_a_file_the_official_sent(app) -> None:
    async with AsyncExitStack() as stack:
        person = await device_for(app, await make_account("citizen"))
        await stack.enter_async_context(aclosing(person.http))
        theirs = await _uploaded_by(person, samples.jpeg(seed=1303))
        desk = await official(app, commune=COMMUNE)
        await stack.enter_async_context(aclosing(desk.http))
        dossier = await _draft(person)
        person.queue("submit", dossier, {}, 2)
        assert (await person.sync())[0]["state"] == 1
        for action in ("receive", "start"):
            assert (await desk.act(dossier, action)).status_code == 200
        r = await desk.act(
            dossier, "complete", {"register_number": "12/2026", "result_sha256": theirs}
        )
        assert r.status_code == 422, r.text
        assert [(e["path"], e["code"]) for e in r.json()["errors"]] == [
            ("result_sha256", "attachment_not_uploaded")
        ]
        row = (
            await Dossier.select(Dossier.state, Dossier.result).where(Dossier.id == dossier).first()
        )
        assert row["state"] == 4 and row["result"] is None  # nothing half-stored


async def test_a_put_back_and_a_resolved_conflict_never_put_anothers_file_in_a_dossier(
    app,
) -> None:
    """A put-back needs no restore, and its answers are only shape-checked: naming
    another account's file in a draft's attachment list made a conflict holding that
    hash. Resolved for the device once the dossier was submitted (re-resolving a
    settled conflict opens a new one, and resolve_conflict is allowed while documents
    are asked for), it went into a submitted dossier unchecked, and the commune's desk
    read the file."""
    async with AsyncExitStack() as stack:
        owner = await device_for(app, await make_account("citizen"))
        await stack.enter_async_context(aclosing(owner.http))
        scan = samples.jpeg(seed=1304)
        theirs = await _uploaded_by(owner, scan)

        prober = await device_for(app, await make_account("citizen"))
        await stack.enter_async_context(aclosing(prober.http))
        desk = await official(app, commune=COMMUNE)
        await stack.enter_async_context(aclosing(desk.http))

        draft = await _draft(prober)
        await prober.pull_all()
        held = prober.held(str(draft))
        held["fields"][OTHER_SLOT] = [theirs]
        r = await prober.recover([held], done=False)
        assert r.status_code == 200, r.text
        [put_back] = r.json()["results"]
        assert put_back["status"] == "conflict", put_back
        [first] = put_back["conflicts"]
        assert first["device_value"] == [theirs]

        prober.queue(
            "resolve_conflict", draft, {"conflict_id": first["conflict_id"], "choice": "server"}, 3
        )
        prober.queue("submit", draft, {}, 4)
        resolved, submitted = await prober.sync()
        assert resolved["status"] == "applied" and submitted["state"] == 1, (resolved, submitted)
        version = await _asked_for_documents(desk, draft)

        # The settled conflict, chosen for the device: a new conflict, then that one too.
        prober.queue(
            "resolve_conflict",
            draft,
            {"conflict_id": first["conflict_id"], "choice": "device"},
            version,
        )
        [again] = await prober.sync()
        if again["status"] == "conflict":
            [second] = again["conflicts"]
            prober.queue(
                "resolve_conflict",
                draft,
                {"conflict_id": second["conflict_id"], "choice": "device"},
                again["version"],
            )
            [again] = await prober.sync()
        _refused(again)

        row = await Dossier.select(Dossier.fields).where(Dossier.id == draft).first()
        assert theirs not in (
            row["fields"] if isinstance(row["fields"], str) else str(row["fields"])
        )
        assert await BlobRef.count().where(BlobRef.sha256 == theirs) == 0
        await _cannot_read(theirs, (desk.http, {}), (prober.http, prober.auth))


async def test_a_dossier_naming_a_file_its_owner_never_sent_opens_it_to_no_desk(app) -> None:
    """However the name got into a submitted dossier (a database from before the
    checks, a restore of one, a path not yet thought of), the desk reads a dossier's
    file only when the dossier's owner sent its bytes."""
    async with AsyncExitStack() as stack:
        owner = await device_for(app, await make_account("citizen"))
        await stack.enter_async_context(aclosing(owner.http))
        theirs = await _uploaded_by(owner, samples.jpeg(seed=1305))
        prober = await device_for(app, await make_account("citizen"))
        await stack.enter_async_context(aclosing(prober.http))
        mine = await _uploaded_by(prober, samples.jpeg(seed=1306))
        desk = await official(app, commune=COMMUNE)
        await stack.enter_async_context(aclosing(desk.http))

        dossier = await _draft(prober)
        prober.queue("attach", dossier, {"path": OTHER_SLOT, "sha256": mine}, 2)
        prober.queue("submit", dossier, {}, 3)
        attached, submitted = await prober.sync()
        assert attached["status"] == "applied" and submitted["state"] == 1, (attached, submitted)
        # The other account's hash written beside the prober's own, with its link row.
        row = await Dossier.select(Dossier.fields).where(Dossier.id == dossier).first()
        fields = json.loads(row["fields"])
        fields[OTHER_SLOT] = [mine, theirs]
        await Dossier.update({Dossier.fields: json.dumps(fields)}).where(Dossier.id == dossier)
        await BlobRef.insert(BlobRef(sha256=theirs, dossier_id=dossier))

        await _cannot_read(theirs, (desk.http, {}), (prober.http, prober.auth))
        # The file its owner sent is the desk's to read, as before.
        assert (await desk.http.get(f"/api/blobs/{mine}")).status_code == 200
