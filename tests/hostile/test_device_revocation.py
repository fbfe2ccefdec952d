"""A password reset and "sign out everywhere" revoke the account's devices too.

A device credential (`Authorization: Device ...`) syncs for months without a session,
so ending the sessions alone left a thief's phone (registered with a stolen password)
pushing and pulling after its owner reset the password or signed out everywhere.
Now both revoke every device: the next push or pull gets `device_revoked`, and the
app (tests/e2e/test_device_revoked.py) keeps its unsent changes until its person
signs in again and registers the install anew."""

from __future__ import annotations

import uuid

from tests.identity.conftest import Browser

NEW_PASSWORD = "một mật khẩu mới hẳn 2026"


async def registered_device(browser: Browser) -> tuple[str, dict[str, str]]:
    device_id = str(uuid.uuid4())
    r = await browser.post("/api/devices", {"id": device_id, "name": "Điện thoại bị mất"})
    assert r.status_code == 201, r.text
    return device_id, {"Authorization": f"Device {r.json()['credential']}"}


async def assert_sync_refused(browser: Browser, device_id: str, auth: dict[str, str]) -> None:
    pull = await browser.http.get("/api/sync/pull", headers=auth)
    push = await browser.http.post(
        "/api/sync/push", headers=auth, json={"device_id": device_id, "mutations": []}
    )
    for r in (pull, push):
        assert r.status_code == 401, r.text
        assert r.json()["type"] == "/problems/device_revoked"


async def test_a_password_reset_revokes_every_device(
    browser: Browser, other_browser: Browser
) -> None:
    await browser.activated_citizen("stolen@example.vn")
    thief = await registered_device(browser)
    mine = await registered_device(browser)
    assert (await browser.http.get("/api/sync/pull", headers=thief[1])).status_code == 200

    assert (
        await other_browser.post("/api/auth/password/forgot", {"email": "stolen@example.vn"})
    ).status_code == 202
    token = (await other_browser.link_in_last_mail("stolen@example.vn")).split("token=")[1]
    reset = await other_browser.post(
        "/api/auth/password/reset", {"token": token, "password": NEW_PASSWORD}
    )
    assert reset.status_code == 200, reset.text

    for device_id, auth in (thief, mine):
        await assert_sync_refused(other_browser, device_id, auth)
    # Signed in again, the owner registers the install anew and syncs.
    assert (await other_browser.sign_in("stolen@example.vn", NEW_PASSWORD)).status_code == 200
    _, fresh = await registered_device(other_browser)
    assert (await other_browser.http.get("/api/sync/pull", headers=fresh)).status_code == 200
    devices = (await other_browser.get("/api/me/devices")).json()
    assert sum(d["revoked_at"] is None for d in devices) == 1 and len(devices) == 3


async def test_signing_out_everywhere_revokes_every_device(
    browser: Browser, other_browser: Browser
) -> None:
    await browser.activated_citizen("everywhere@example.vn")
    device_id, auth = await registered_device(browser)
    assert (await browser.http.get("/api/sync/pull", headers=auth)).status_code == 200
    assert (await other_browser.sign_in("everywhere@example.vn")).status_code == 200
    assert (await other_browser.post("/api/auth/logout-everywhere")).status_code == 200
    await assert_sync_refused(browser, device_id, auth)
    # Signing out of one browser leaves the devices alone.
    assert (await browser.sign_in("everywhere@example.vn")).status_code == 200
    _, other_auth = await registered_device(browser)
    assert (await browser.post("/api/auth/logout")).status_code == 200
    assert (await browser.http.get("/api/sync/pull", headers=other_auth)).status_code == 200
