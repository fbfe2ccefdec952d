"""Every role against every endpoint: allowed, or 401/403 — table-driven, and the
table must name every route the app has."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from server.identity.passwords import hash_password
from server.identity.tables import Account
from tests.identity.conftest import Browser, new_browser

ROLES = ("anonymous", "citizen", "outreach", "desk", "agency_admin", "admin")
SIGNED_IN = set(ROLES) - {"anonymous"}
ADMINS = {"agency_admin", "admin"}
DESK = {"desk", "agency_admin", "admin"}
EVERYONE = set(ROLES)
X = uuid.UUID(int=1)

# (method, path) -> roles allowed; everyone else gets 401 (anonymous) or 403.
MATRIX: dict[tuple[str, str], set[str]] = {
    ("GET", "/api/catalog"): EVERYONE,
    ("GET", "/api/catalog/fees"): EVERYONE,
    ("GET", "/api/catalog/{code}"): EVERYONE,
    ("GET", "/api/catalog/{code}/versions"): EVERYONE,
    ("GET", "/api/catalog/{code}/versions/{version}"): EVERYONE,
    ("GET", "/api/communes"): EVERYONE,
    ("GET", "/health"): EVERYONE,
    ("POST", "/api/captcha"): EVERYONE,
    ("GET", "/api/captcha/{challenge_id}/audio"): EVERYONE,
    ("POST", "/api/auth/register"): EVERYONE,
    ("POST", "/api/auth/activate"): EVERYONE,
    ("POST", "/api/auth/activation/resend"): EVERYONE,
    ("POST", "/api/auth/password/forgot"): EVERYONE,
    ("POST", "/api/auth/password/reset"): EVERYONE,
    ("POST", "/api/auth/login"): EVERYONE,
    ("POST", "/api/auth/passkey/options"): EVERYONE,
    ("POST", "/api/auth/passkey/verify"): EVERYONE,
    ("POST", "/api/auth/enroll/options"): EVERYONE,
    ("POST", "/api/auth/enroll/finish"): EVERYONE,
    ("GET", "/api/auth/session"): SIGNED_IN,
    ("POST", "/api/auth/logout"): SIGNED_IN,
    ("POST", "/api/auth/logout-everywhere"): SIGNED_IN,
    ("GET", "/api/me"): SIGNED_IN,
    ("GET", "/api/me/activity"): SIGNED_IN,
    ("GET", "/api/me/devices"): SIGNED_IN,
    ("POST", "/api/me/devices/{device_id}/revoke"): SIGNED_IN,
    ("GET", "/api/me/passkeys"): SIGNED_IN,
    ("POST", "/api/me/passkeys/options"): SIGNED_IN,
    ("POST", "/api/me/passkeys"): SIGNED_IN,
    ("DELETE", "/api/me/passkeys/{passkey_id}"): SIGNED_IN,
    ("GET", "/api/me/documents"): SIGNED_IN,
    ("POST", "/api/me/documents"): SIGNED_IN,
    ("DELETE", "/api/me/documents/{document_id}"): SIGNED_IN,
    ("POST", "/api/devices"): SIGNED_IN,
    ("GET", "/api/devices/current"): SIGNED_IN,
    ("GET", "/api/admin/accounts"): ADMINS,
    ("POST", "/api/admin/accounts/officials"): ADMINS,
    ("POST", "/api/admin/accounts/{account_id}/devices/{device_id}/revoke"): ADMINS,
    ("GET", "/api/admin/calendar/overrides"): {"admin"},
    ("GET", "/api/admin/calendar/overrides/{day}"): {"admin"},
    ("PUT", "/api/admin/calendar/overrides/{day}"): {"admin"},
    ("DELETE", "/api/admin/calendar/overrides/{day}"): {"admin"},
    ("GET", "/api/me/ratings"): SIGNED_IN,
    # Sync needs a device credential: a session gets 401 device_credential_required,
    # which is not a refusal by role.
    ("POST", "/api/sync/push"): SIGNED_IN,
    ("GET", "/api/sync/pull"): SIGNED_IN,
    ("POST", "/api/sync/codes/reserve"): {"outreach"},
    ("POST", "/api/lookup"): EVERYONE,
    ("GET", "/api/dossiers/{dossier_id}/receipt.pdf"): SIGNED_IN,
    ("GET", "/api/desk/queue"): DESK,
    ("GET", "/api/desk/dossiers/{dossier_id}"): DESK,
    ("GET", "/api/desk/dossiers/{dossier_id}/duplicate"): DESK,
    ("POST", "/api/desk/dossiers/{dossier_id}/actions/{action}"): DESK,
    ("POST", "/api/desk/dossiers/{dossier_id}/tasks/{task}"): DESK,
    ("GET", "/api/desk/reports"): DESK,
    ("GET", "/api/desk/reports.csv"): DESK,
    ("GET", "/api/desk/payment-providers"): DESK,
    # Attachments: any signed-in account; reading a file also needs a right to it (404 otherwise).
    ("POST", "/api/blobs/missing"): SIGNED_IN,
    ("GET", "/api/blobs/{sha256}"): SIGNED_IN,
    ("GET", "/api/blobs/{sha256}/thumbnail"): SIGNED_IN,
    ("POST", "/api/uploads"): SIGNED_IN,
    ("PATCH", "/api/uploads/{upload_id}"): SIGNED_IN,
    ("DELETE", "/api/uploads/{upload_id}"): SIGNED_IN,
}
# Mounted ASGI apps have no methods in app.routes, so the check above never sees them:
# /admin (piccolo-admin behind server/admin/gate.py) is checked here by sample paths,
# and in depth in tests/admin/test_admin.py.
MOUNTED: dict[tuple[str, str], set[str]] = {
    ("GET", "/admin/api/tables/account/"): {"admin"},
    ("GET", "/admin/api/user/"): {"admin"},
}
# Pages and documents that carry no data of anyone's.
UNGUARDED_PREFIXES = (
    "/schema",
    "/tra-cuu",
    "/dev/mail",
    "/dev/sms",
    "/dev/payments",
    "/activate",
    "/enroll",
    "/reset-password",
    "/{file_path",
    "/",
)


def _template(path: str) -> str:
    # "/x/{id:uuid}" -> "/x/{id}"
    import re

    return re.sub(r"\{([a-z0-9_]+):[a-z]+\}", r"{\1}", path)


def _concrete(path: str) -> str:
    return (
        path.replace("{day}", "2027-02-20")
        .replace("{code}", "khai-sinh")
        .replace("{version}", "1")
        .replace("{challenge_id}", str(X))
        .replace("{device_id}", str(X))
        .replace("{account_id}", str(X))
        .replace("{passkey_id}", "abc")
        .replace("{dossier_id}", str(X))
        .replace("{document_id}", str(X))
        .replace("{action}", "receive")
        .replace("{task}", "bhyt")
        .replace("{sha256}", "0" * 64)
        .replace("{upload_id}", "0" * 32)
    )


def test_the_matrix_names_every_route(identity_settings) -> None:
    from server.app import create_app

    app = create_app(identity_settings)
    routes = set()
    for route in app.routes:
        path = _template(route.path)
        for method in route.methods - {"OPTIONS", "HEAD"}:
            if path == "/" or path.startswith(UNGUARDED_PREFIXES[:-1]):
                continue
            routes.add((method, path))
    assert routes == set(MATRIX), (routes - set(MATRIX), set(MATRIX) - routes)


async def _sign_in_as(role: str, browser: Browser) -> None:
    if role == "anonymous":
        return
    email = f"{role}-{uuid.uuid4().hex[:6]}@example.vn"
    await Account.insert(
        Account(
            id=uuid.uuid4(),
            email=email,
            full_name="Người Thử",
            role=role,
            commune_code="00070" if role in ("outreach", "desk", "agency_admin") else "",
            password_hash=hash_password("matrix password 1"),
            activated_at=dt.datetime.now(dt.UTC),
            created_at=dt.datetime.now(dt.UTC),
            is_demo=True,
        )
    )
    r = await browser.sign_in(email, "matrix password 1")
    assert r.status_code == 200, r.text


async def matrix_mismatches(http, role: str, csrf, sign_in_again) -> tuple[int, list[str]]:
    """Every (method, path) of the matrix asked as `role` through `http` (an httpx
    client holding the role's session cookie): how many were asked, and each answer
    that disagrees with the table. `csrf()` gives the session's token now;
    `sign_in_again()` restores a session after a sign-out endpoint ended it.
    Shared with bench/load_test.py, which asks a live server while it is under load."""
    table = {**MATRIX, **MOUNTED}
    failures = []
    for method, path in table:
        allowed = role in table[(method, path)]
        url = _concrete(path)
        headers = {"X-CSRF-Token": csrf()} if csrf() else {}
        if method == "GET":
            r = await http.get(url)
        elif method == "DELETE":
            r = await http.delete(url, headers=headers)
        elif method == "PUT":
            r = await http.put(url, json={}, headers=headers)
        elif method == "PATCH":
            r = await http.patch(url, content=b"", headers=headers)
        else:
            r = await http.post(url, json={}, headers=headers)
        kind = (
            r.json().get("type")
            if r.headers.get("content-type", "").startswith("application/problem+json")
            else None
        )
        if (
            allowed
            and r.status_code in (401, 403)
            and kind in ("/problems/not_signed_in", "/problems/forbidden", "/problems/csrf_failed")
        ):
            failures.append(f"{method} {path}: {r.status_code} but {role} is allowed")
        if not allowed:
            expected = 401 if role == "anonymous" else 403
            if r.status_code != expected:
                failures.append(f"{method} {path}: {r.status_code}, expected {expected} for {role}")
        if "logout" in path and role != "anonymous":
            await sign_in_again()  # the next check needs a session again
    return len(table), failures


@pytest.mark.parametrize("role", ROLES)
async def test_every_endpoint_for_role(role: str, app_and_settings, smtp) -> None:
    app, settings = app_and_settings
    browser = new_browser(app, settings, smtp)
    async with browser.http:
        await _sign_in_as(role, browser)
        _, failures = await matrix_mismatches(
            browser.http, role, lambda: browser.csrf, lambda: _sign_in_as(role, browser)
        )
        assert not failures, "\n".join(failures)
