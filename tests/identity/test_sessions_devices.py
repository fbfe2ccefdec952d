"""Sessions (CSRF, timeouts, sign-out everywhere), devices, rate limits and audit."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from server.audit.tables import AuditEvent
from server.identity.tables import Session
from tests.identity.conftest import Browser


async def test_cookie_writes_need_the_csrf_token(browser: Browser) -> None:
    await browser.activated_citizen("csrf@example.vn")
    token = browser.csrf
    browser.csrf = ""
    refused = await browser.post("/api/me/passkeys/options")
    assert refused.status_code == 403 and refused.json()["type"] == "/problems/csrf_failed"
    browser.csrf = "forged"
    assert (await browser.post("/api/me/passkeys/options")).status_code == 403
    browser.csrf = token
    assert (await browser.post("/api/me/passkeys/options")).status_code == 200
    # Reads need no token.
    browser.csrf = ""
    assert (await browser.get("/api/me")).status_code == 200


async def test_idle_and_absolute_timeouts(browser: Browser) -> None:
    await browser.activated_citizen("idle@example.vn")
    assert (await browser.get("/api/me")).status_code == 200
    now = dt.datetime.now(dt.UTC)
    await Session.update({Session.last_seen_at: now - dt.timedelta(minutes=31)}, force=True)
    assert (await browser.get("/api/me")).status_code == 401
    await Session.update(
        {Session.last_seen_at: now, Session.expires_at: now - dt.timedelta(seconds=1)}, force=True
    )
    assert (await browser.get("/api/me")).status_code == 401


async def test_sign_out_and_sign_out_everywhere(browser: Browser, other_browser: Browser) -> None:
    await browser.activated_citizen("out@example.vn")
    assert (await other_browser.sign_in("out@example.vn")).status_code == 200
    assert (await browser.post("/api/auth/logout")).status_code == 200
    assert (await browser.get("/api/me")).status_code == 401
    assert (await other_browser.get("/api/me")).status_code == 200
    assert (await browser.sign_in("out@example.vn")).status_code == 200
    assert (await other_browser.post("/api/auth/logout-everywhere")).status_code == 200
    assert (await browser.get("/api/me")).status_code == 401
    assert (await other_browser.get("/api/me")).status_code == 401


async def test_device_credential_syncs_without_a_session_until_revoked(
    browser: Browser, other_browser: Browser
) -> None:
    await browser.activated_citizen("device@example.vn")
    device_id = str(uuid.uuid4())
    r = await browser.post("/api/devices", {"id": device_id, "name": "Điện thoại của An"})
    assert r.status_code == 201
    credential = r.json()["credential"]
    auth = {"Authorization": f"Device {credential}"}
    # A device credential works on its own, days later, with no cookie and no CSRF.
    current = await other_browser.http.get("/api/devices/current", headers=auth)
    assert current.status_code == 200 and current.json()["id"] == device_id
    forged = await other_browser.http.get(
        "/api/devices/current", headers={"Authorization": f"Device {device_id}.wrong"}
    )
    assert (
        forged.status_code == 401 and forged.json()["type"] == "/problems/invalid_device_credential"
    )

    assert (await browser.post(f"/api/me/devices/{device_id}/revoke")).status_code == 200
    revoked = await other_browser.http.get("/api/devices/current", headers=auth)
    assert revoked.status_code == 401 and revoked.json()["type"] == "/problems/device_revoked"
    devices = (await browser.get("/api/me/devices")).json()
    assert devices[0]["revoked_at"] is not None


async def test_another_account_cannot_take_or_revoke_my_device(
    browser: Browser, other_browser: Browser
) -> None:
    await browser.activated_citizen("mine@example.vn")
    await other_browser.activated_citizen("theirs@example.vn")
    device_id = str(uuid.uuid4())
    assert (await browser.post("/api/devices", {"id": device_id, "name": "A"})).status_code == 201
    assert (
        await other_browser.post("/api/devices", {"id": device_id, "name": "B"})
    ).status_code == 409
    assert (await other_browser.post(f"/api/me/devices/{device_id}/revoke")).status_code == 404


async def test_sign_in_is_rate_limited_with_retry_after(browser: Browser) -> None:
    await browser.activated_citizen("limited@example.vn")
    # The account's window holds 10 attempts; the sign-in above was the first.
    statuses = [
        (await browser.sign_in("limited@example.vn", "wrong password!")).status_code
        for _ in range(9)
    ]
    assert statuses == [401] * 9
    limited = await browser.sign_in("limited@example.vn", "wrong password!")
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) > 0
    # Even the right password waits: the account's window is full.
    assert (await browser.sign_in("limited@example.vn")).status_code == 429


async def test_password_reset_requests_are_rate_limited_per_account(browser: Browser) -> None:
    codes = [
        (await browser.post("/api/auth/password/forgot", {"email": "x@example.vn"})).status_code
        for _ in range(4)
    ]
    assert codes == [202, 202, 202, 429]


async def test_activity_log_and_append_only_audit(browser: Browser) -> None:
    await browser.activated_citizen("audit@example.vn")
    await browser.sign_in("audit@example.vn", "wrong password!")
    actions = [e["action"] for e in (await browser.get("/api/me/activity")).json()]
    assert actions[:1] == ["sign_in_refused"] or "sign_in_refused" in actions
    for expected in ("account_registered", "account_activated", "signed_in"):
        assert expected in actions
    event = await AuditEvent.select().first()
    assert event["ip"] == "203.0.113.7"
    with pytest.raises(Exception, match="append-only"):
        await AuditEvent.update({AuditEvent.action: "tampered"}, force=True)
    with pytest.raises(Exception, match="append-only"):
        await AuditEvent.delete(force=True)
