"""Every role against every endpoint: allowed, or 401/403 — table-driven, and the
table must name every route the app has. The table and its checker live in
harness/authorization_matrix.py, shared with the benchmarks."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from harness.authorization_matrix import MATRIX, ROLES, matrix_mismatches
from server.identity.passwords import hash_password
from server.identity.tables import Account
from tests.identity.conftest import Browser, new_browser

# Pages and documents that carry no data of anyone's.
UNGUARDED_PREFIXES = (
    "/schema",
    "/tra-cuu",
    "/ho-so/",  # a redirect into the app, which asks for the sign-in
    "/demo",  # demo mode only: the demo accounts, for testers
    "/dev/mail",
    "/dev/sms",
    "/dev/payments",
    "/activate",
    "/enroll",
    "/reset-password",
    "/{file_path",
    "/assets/{file_path",  # the app's hashed files (served immutable)
    "/",
)


def _template(path: str) -> str:
    # "/x/{id:uuid}" -> "/x/{id}"
    import re

    return re.sub(r"\{([a-z0-9_]+):[a-z]+\}", r"{\1}", path)


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
