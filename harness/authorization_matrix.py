"""Who may call what: every endpoint of the app with the roles allowed on it, and the
check that asks a server each of them as one role. The identity tests compare the
table with the app's routes and check it role by role; bench/load_test.py and the
hostile tests ask a live server under load."""

from __future__ import annotations

import uuid

ROLES = ("anonymous", "citizen", "outreach", "desk", "agency_admin", "admin")
EVERYONE: set[str] = set(ROLES)
SIGNED_IN = EVERYONE - {"anonymous"}
ADMINS = {"agency_admin", "admin"}
DESK = {"desk", "agency_admin", "admin"}
X = uuid.UUID(int=1)

# (method, path) -> roles allowed; everyone else gets 401 (anonymous) or 403.
MATRIX: dict[tuple[str, str], set[str]] = {
    ("GET", "/api/catalog"): EVERYONE,
    ("GET", "/api/catalog/fees"): EVERYONE,
    ("GET", "/api/catalog/{code}"): EVERYONE,
    ("GET", "/api/catalog/{code}/versions"): EVERYONE,
    ("GET", "/api/catalog/{code}/versions/{version}"): EVERYONE,
    ("GET", "/api/communes"): EVERYONE,
    ("GET", "/api/communes/old-units"): EVERYONE,
    ("GET", "/api/communes/old-units/match"): EVERYONE,
    ("GET", "/health"): EVERYONE,
    ("GET", "/health/live"): EVERYONE,
    ("GET", "/health/ready"): EVERYONE,
    # No role opens it: the peer's address does (MOTCUA_METRICS_ALLOW), so every role,
    # signed in or not, gets the same 403 metrics_not_allowed from elsewhere.
    ("GET", "/metrics"): EVERYONE,
    ("POST", "/api/captcha"): EVERYONE,
    ("GET", "/api/captcha/{challenge_id}/audio"): EVERYONE,
    ("GET", "/api/captcha/{challenge_id}/answer"): EVERYONE,  # demo mode only, else 404
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
    # Signing in with an OpenID provider (the e-ID); a link is checked inside (session
    # and CSRF token), as the start of a sign-in is open to everyone.
    ("GET", "/api/auth/providers"): EVERYONE,
    ("POST", "/api/auth/oidc/{provider}/start"): EVERYONE,
    ("GET", "/api/auth/oidc/{provider}/callback"): EVERYONE,
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
    ("GET", "/api/me/identities"): SIGNED_IN,
    ("DELETE", "/api/me/identities/{identity_id}"): SIGNED_IN,
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
    ("POST", "/api/sync/recover"): SIGNED_IN,
    ("POST", "/api/sync/codes/reserve"): {"outreach"},
    ("POST", "/api/lookup"): EVERYONE,
    ("GET", "/api/dossiers/{dossier_id}/receipt.pdf"): SIGNED_IN,
    ("GET", "/api/dossiers/{dossier_id}/apology/{number}"): SIGNED_IN,
    ("GET", "/api/desk/queue"): DESK,
    ("GET", "/api/desk/dossiers/{dossier_id}"): DESK,
    ("GET", "/api/desk/dossiers/{dossier_id}/duplicate"): DESK,
    ("POST", "/api/desk/dossiers/{dossier_id}/actions/{action}"): DESK,
    ("POST", "/api/desk/dossiers/{dossier_id}/tasks/{task}"): DESK,
    ("GET", "/api/desk/reports"): DESK,
    ("GET", "/api/desk/reports.csv"): DESK,
    ("GET", "/api/desk/recovery"): ADMINS,
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


def concrete_path(path: str) -> str:
    """A path of the table with every parameter filled in by a value of its kind."""
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
        .replace("{identity_id}", str(X))
        .replace("{provider}", "vneid")
        .replace("{action}", "receive")
        .replace("{task}", "bhyt")
        .replace("{sha256}", "0" * 64)
        .replace("{upload_id}", "0" * 32)
        .replace("{number}", "1")
    )


async def matrix_mismatches(http, role: str, csrf, sign_in_again) -> tuple[int, list[str]]:
    """Every (method, path) of the matrix asked as `role` through `http` (an httpx
    client holding the role's session cookie): how many were asked, and each answer
    that disagrees with the table. `csrf()` gives the session's token now;
    `sign_in_again()` restores a session after a sign-out endpoint ended it."""
    table = {**MATRIX, **MOUNTED}
    failures = []
    for method, path in table:
        allowed = role in table[(method, path)]
        url = concrete_path(path)
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
