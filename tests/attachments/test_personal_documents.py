"""Reusable documents on a person's page: an uploaded scan kept with a label."""

from __future__ import annotations

from contextlib import aclosing

from harness import samples
from harness.sync_client import SyncDevice
from server.audit.tables import AuditEvent
from tests.attachments.test_links_and_access import upload
from tests.sync.conftest import device_for, make_account


async def test_keep_list_and_forget_an_id_card_scan(app, citizen: SyncDevice) -> None:
    scan = samples.jpeg(seed=41)
    sha = await upload(citizen, scan)
    r = await citizen.http.post(
        "/api/me/documents",
        headers=citizen.auth,
        json={"kind": "id_card", "label": "Căn cước (mặt trước)", "sha256": sha},
    )
    assert r.status_code == 201, r.text
    listed = (await citizen.http.get("/api/me/documents", headers=citizen.auth)).json()
    assert [(d["kind"], d["label"], d["sha256"]) for d in listed] == [
        ("id_card", "Căn cước (mặt trước)", sha)
    ]
    # (the activity page needs a browser session; the phone's credential does not open it)
    assert await AuditEvent.exists().where(AuditEvent.action == "personal_document_added")

    # Someone else cannot claim that file, nor see or remove the entry.
    stranger = await device_for(app, await make_account("citizen"))
    async with aclosing(stranger.http):
        refused = await stranger.http.post(
            "/api/me/documents",
            headers=stranger.auth,
            json={"kind": "id_card", "label": "x", "sha256": sha},
        )
        assert refused.status_code == 422 and refused.json()["errors"][0]["path"] == "sha256"
        assert (await stranger.http.get("/api/me/documents", headers=stranger.auth)).json() == []
        gone = await stranger.http.delete(
            f"/api/me/documents/{listed[0]['id']}", headers=stranger.auth
        )
        assert gone.status_code == 404

    assert (
        await citizen.http.delete(f"/api/me/documents/{listed[0]['id']}", headers=citizen.auth)
    ).status_code == 204
    assert (await citizen.http.get("/api/me/documents", headers=citizen.auth)).json() == []


async def test_a_file_never_uploaded_or_a_bad_label_is_refused(citizen: SyncDevice) -> None:
    missing = await citizen.http.post(
        "/api/me/documents",
        headers=citizen.auth,
        json={"kind": "passport", "label": "Hộ chiếu", "sha256": "0" * 64},
    )
    assert missing.status_code == 422 and missing.json()["errors"][0]["path"] == "sha256"
    blank = await citizen.http.post(
        "/api/me/documents",
        headers=citizen.auth,
        json={"kind": "passport", "label": "  ", "sha256": "0" * 64},
    )
    assert blank.status_code == 422 and blank.json()["errors"][0]["path"] == "label"
    wrong = await citizen.http.post(
        "/api/me/documents",
        headers=citizen.auth,
        json={"kind": "selfie", "label": "x", "sha256": "0" * 64},
    )
    assert wrong.status_code == 400
