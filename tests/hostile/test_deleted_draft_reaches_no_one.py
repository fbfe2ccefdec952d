"""A deleted draft (a tombstone) reaches no one but its owner's devices, and tells no one
else that it exists: not the commune's desk (the dossier, its files, its thumbnails),
not the public lookup, not another account probing its id. Its files stay readable to
the person who sent them, as every file they sent does. Both databases."""

from __future__ import annotations

from contextlib import AsyncExitStack, aclosing

from harness import samples
from harness.sync_client import birth_answers, uuid7
from harness.tus_client import TusClient
from server.clock import vn_today
from tests.desk.conftest import official
from tests.sync.conftest import app, device_for, make_account  # noqa: F401  (fixtures)
from tests.sync.test_sync_bad_input import captcha

COMMUNE = "00070"
SLOT = "attachments.birth_certificate"


def _answer(outcome: dict) -> tuple:
    """What a rejection tells: everything but the ids that differ per mutation."""
    return (
        outcome["status"],
        outcome["reasons"],
        outcome.get("state"),
        outcome.get("version"),
        outcome.get("code"),
    )


async def test_a_deleted_draft_is_unseen_by_the_desk_the_public_and_other_accounts(app) -> None:
    async with AsyncExitStack() as stack:
        owner = await device_for(app, await make_account("citizen"))
        stranger = await device_for(app, await make_account("citizen"))
        desk = await official(app, commune=COMMUNE)
        for http in (owner.http, stranger.http, desk.http):
            await stack.enter_async_context(aclosing(http))

        scan = samples.jpeg(seed=2041)
        report = await TusClient(owner.http, owner.auth).upload(
            scan, filename="giay-chung-sinh.jpg"
        )
        assert report.ok, report.problem
        sha = samples.sha(scan)
        dossier = uuid7()
        owner.queue(
            "create_draft",
            dossier,
            {"procedure_code": "khai-sinh", "fields": birth_answers(vn_today(), commune=COMMUNE)},
        )
        owner.queue("attach", dossier, {"path": SLOT, "sha256": sha}, 1)
        owner.queue("delete_draft", dossier, {}, 2)
        assert [o["status"] for o in await owner.sync()] == ["applied"] * 3

        # The desk of the commune the draft named: no dossier, no file, no thumbnail.
        assert (await desk.get(f"/api/desk/dossiers/{dossier}")).status_code == 404
        queue = await desk.get("/api/desk/queue")
        assert queue.status_code == 200 and str(dossier) not in queue.text
        assert (await desk.get(f"/api/desk/dossiers/{dossier}/duplicate")).status_code == 404
        assert (await desk.act(dossier, "receive", {"message": "Đã nhận."})).status_code == 404
        for path in ("", "/thumbnail"):
            assert (await desk.get(f"/api/blobs/{sha}{path}")).status_code == 404
        # The public lookup by id.
        looked_up = await stranger.http.post(
            "/api/lookup", json={"id": str(dossier), **await captcha(stranger.http)}
        )
        assert looked_up.status_code == 404, looked_up.text

        # Another account learns nothing from its id: the answers are those for an id
        # nobody holds (edits, deletes) and for a live dossier of someone else (create).
        live = uuid7()
        owner.queue("create_draft", live, {"procedure_code": "khai-sinh", "fields": {}})
        assert (await owner.sync())[0]["status"] == "applied"
        nobodys = uuid7()
        for kind, payload in (
            ("delete_draft", {}),
            ("edit_draft", {"changes": {"child.hometown": "Huế"}}),
            ("submit", {}),
        ):
            stranger.queue(kind, dossier, payload, 3)
            stranger.queue(kind, nobodys, payload, 3)
            deleted, absent = await stranger.sync()
            assert _answer(deleted) == _answer(absent), kind
        stranger.queue("create_draft", dossier, {"procedure_code": "khai-sinh", "fields": {}})
        stranger.queue("create_draft", live, {"procedure_code": "khai-sinh", "fields": {}})
        deleted, held = await stranger.sync()
        assert (
            _answer(deleted) == _answer(held) and deleted["reasons"][0]["code"] == "id_unavailable"
        )

        # The person who sent the file still reads it, like any file they sent.
        assert (await owner.http.get(f"/api/blobs/{sha}", headers=owner.auth)).content == scan
