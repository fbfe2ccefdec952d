"""Who may read a dossier, and what someone who may not is told.

An outreach official sees the dossiers they registered, nothing else of their
commune: not another outreach official's receipt, files, thumbnails or feed. And
an answer about a dossier one may not see is the answer about one that does not
exist — same status, same body — so ids cannot be probed."""

from __future__ import annotations

import uuid
from contextlib import AsyncExitStack, aclosing

import httpx

from harness import samples
from harness.sync_client import SyncDevice, birth_answers, fake_sha256, uuid7
from harness.tus_client import TusClient
from server.clock import vn_today
from tests.sync.conftest import app, device_for, make_account  # noqa: F401  (fixtures)

COMMUNE = "00070"
SLOT = "attachments.birth_certificate"


async def _device(app, stack: AsyncExitStack, role: str, commune: str = "") -> SyncDevice:
    device = await device_for(app, await make_account(role, commune))
    await stack.enter_async_context(aclosing(device.http))
    return device


async def _submitted_birth(
    device: SyncDevice, commune: str = COMMUNE, photo: bytes | None = None, submit: bool = True
) -> tuple[uuid.UUID, str]:
    """A birth dossier registered from `device`, submitted, with `photo` uploaded
    (or a stand-in file) as its birth certificate."""
    dossier = uuid7()
    if photo is not None:
        report = await TusClient(device.http, device.auth).upload(
            photo, filename="giay-chung-sinh.jpg"
        )
        assert report.ok, report.problem
        sha = samples.sha(photo)
    else:
        sha = fake_sha256(f"birth certificate {dossier}")
    device.queue(
        "create_draft",
        dossier,
        {"procedure_code": "khai-sinh", "fields": birth_answers(vn_today(), commune=commune)},
    )
    device.queue("attach", dossier, {"path": SLOT, "sha256": sha}, 1)
    if submit:
        device.queue("submit", dossier, {}, 2)
    outcomes = await device.sync()
    assert all(o["status"] == "applied" for o in outcomes), [o.get("reasons") for o in outcomes]
    return dossier, sha


def _shape(r: httpx.Response, *secrets: object) -> tuple[int, str, str]:
    """Status, content type and body, with the asked-for ids blanked out: what a
    caller learns beyond the id it sent."""
    body = r.text
    for secret in secrets:
        body = body.replace(str(secret), "<id>")
    return r.status_code, r.headers.get("content-type", ""), body


async def _ask(
    device: SyncDevice, method: str, path: str, body: dict | None = None
) -> httpx.Response:
    if method == "GET":
        return await device.http.get(path, headers=device.auth)
    return await device.http.post(path, json=body or {}, headers=device.auth)


def _dossier_paths(dossier: uuid.UUID) -> list[tuple[str, str, dict | None]]:
    """Every endpoint an account may name a dossier to."""
    return [
        ("GET", f"/api/dossiers/{dossier}/receipt.pdf", None),
        ("GET", f"/api/desk/dossiers/{dossier}", None),
        ("GET", f"/api/desk/dossiers/{dossier}/duplicate", None),
        ("POST", f"/api/desk/dossiers/{dossier}/actions/receive", {}),
        ("POST", f"/api/desk/dossiers/{dossier}/actions/record_payment", {"reference": "BL-1"}),
        ("POST", f"/api/desk/dossiers/{dossier}/tasks/bhyt", {"state": "done"}),
    ]


async def test_an_outreach_official_reads_only_the_dossiers_they_registered(app) -> None:
    async with AsyncExitStack() as stack:
        a = await _device(app, stack, "outreach", COMMUNE)
        b = await _device(app, stack, "outreach", COMMUNE)
        desk = await _device(app, stack, "desk", COMMUNE)
        dossier, sha = await _submitted_birth(a, photo=samples.jpeg(seed=301))
        nowhere, no_file = uuid7(), samples.sha(b"no such file")

        # A registered it: the receipt, the photo, its thumbnail, the feed entry.
        r = await a.http.get(f"/api/dossiers/{dossier}/receipt.pdf", headers=a.auth)
        assert r.status_code == 200 and r.content.startswith(b"%PDF-"), r.text
        for path in (f"/api/blobs/{sha}", f"/api/blobs/{sha}/thumbnail"):
            assert (await a.http.get(path, headers=a.auth)).status_code == 200, path
        assert str(dossier) in await a.pull_all()
        # The desk of the commune still reads it all.
        assert (
            await desk.http.get(f"/api/dossiers/{dossier}/receipt.pdf", headers=desk.auth)
        ).status_code == 200
        assert (await desk.http.get(f"/api/blobs/{sha}", headers=desk.auth)).status_code == 200

        # B, of the same commune, gets what a dossier or file that does not exist gets.
        for method, path, body in _dossier_paths(dossier):
            seen = _shape(await _ask(b, method, path, body), dossier)
            unseen = _shape(
                await _ask(b, method, path.replace(str(dossier), str(nowhere)), body), nowhere
            )
            assert seen == unseen, (path, seen[:2], unseen[:2])
            assert seen[0] in (403, 404), (path, seen)
        for suffix in ("", "/thumbnail"):
            seen = _shape(await b.http.get(f"/api/blobs/{sha}{suffix}", headers=b.auth), sha)
            unseen = _shape(
                await b.http.get(f"/api/blobs/{no_file}{suffix}", headers=b.auth), no_file
            )
            assert seen == unseen and seen[0] == 404, (suffix, seen)
        assert str(dossier) not in await b.pull_all()


async def test_the_desk_cannot_tell_another_communes_dossier_from_none(app) -> None:
    async with AsyncExitStack() as stack:
        citizen = await _device(app, stack, "citizen")
        desk = await _device(app, stack, "desk", COMMUNE)
        here, _ = await _submitted_birth(citizen)
        elsewhere, _ = await _submitted_birth(citizen, commune="00004")
        draft_here, _ = await _submitted_birth(citizen, submit=False)
        nowhere = uuid7()

        # mark_duplicate names a second dossier: another commune's is no dossier at all.
        mark = f"/api/desk/dossiers/{here}/actions/mark_duplicate"
        unseen = _shape(await _ask(desk, "POST", mark, {"of": str(nowhere)}), nowhere)
        seen = _shape(await _ask(desk, "POST", mark, {"of": str(elsewhere)}), elsewhere)
        assert seen == unseen and seen[0] == 422, seen
        r = await desk.http.get(f"/api/desk/dossiers/{here}", headers=desk.auth)
        assert r.json()["state"] == 1 and r.json()["duplicate_decision"] == "", r.json()

        # Every desk endpoint taking a dossier: another commune's dossier, and a
        # person's draft in this commune, answer as a dossier that does not exist.
        for hidden in (elsewhere, draft_here):
            for method, path, body in _dossier_paths(hidden):
                seen = _shape(await _ask(desk, method, path, body), hidden)
                unseen = _shape(
                    await _ask(desk, method, path.replace(str(hidden), str(nowhere)), body), nowhere
                )
                assert seen == unseen, (path, seen, unseen)
                assert seen[0] == 404, (path, seen)
