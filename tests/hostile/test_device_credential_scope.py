"""A phone's sync credential opens only what a phone does unattended (sync, uploads,
files, receipts, the desk's work). It was accepted everywhere, with no CSRF token and
no session limits: taken from a phone, it added a passkey that outlived the phone's
revocation, invited officials and changed the calendar. Both engines."""

from __future__ import annotations

import uuid

import pytest

from tests.support.demo_accounts import demo_app, signed_in

# Where a device credential must not sign anything in: (method, path, body).
REFUSED = [
    ("GET", "/api/me", None),
    ("GET", "/api/me/devices", None),
    ("GET", "/api/me/activity", None),
    ("POST", "/api/me/passkeys/options", {}),
    ("GET", "/api/me/passkeys", None),
    ("POST", "/api/auth/logout-everywhere", None),
    ("GET", "/api/admin/accounts", None),
    (
        "POST",
        "/api/admin/accounts/officials",
        {
            "email": "new@example.vn",
            "full_name": "Cán Bộ Mới",
            "role": "desk",
            "commune_code": "00070",
        },
    ),
    ("GET", "/api/admin/calendar/overrides", None),
    ("PUT", "/api/admin/calendar/overrides/2026-12-31", {"kind": "holiday", "note": "x"}),
    ("POST", "/api/devices", {"id": str(uuid.uuid4()), "name": "Máy khác"}),
]
# What a phone or the desk screens do with it.
ACCEPTED = [
    ("GET", "/api/sync/pull", None),
    ("POST", "/api/blobs/missing", {"hashes": ["0" * 64]}),
    ("GET", "/api/devices/current", None),
    ("GET", "/api/desk/queue", None),
    ("GET", "/api/desk/payment-providers/", None),
]


@pytest.mark.parametrize("role", ["citizen", "desk", "admin"])
async def test_a_device_credential_signs_in_only_where_a_phone_needs_it(
    settings, role: str
) -> None:
    async with demo_app(settings) as app:
        http, _, _ = await signed_in(app, role)
        try:
            r = await http.post(
                "/api/devices", json={"id": str(uuid.uuid4()), "name": "Điện thoại"}
            )
            assert r.status_code == 201, r.text
            credential = r.json()["credential"]
            http.cookies.clear()
            del http.headers["X-CSRF-Token"]
            http.headers["Authorization"] = f"Device {credential}"
            for method, path, body in REFUSED:
                r = await http.request(method, path, json=body)
                assert r.status_code == 401, (method, path, r.status_code, r.text)
                assert r.json()["type"] == "/problems/not_signed_in"
            for method, path, body in ACCEPTED:
                if path.startswith("/api/desk") and role == "citizen":
                    continue
                r = await http.request(method, path, json=body)
                assert r.status_code == 200, (method, path, r.status_code, r.text)
            assert (await http.options("/api/uploads")).status_code in (200, 204)
        finally:
            await http.aclose()
