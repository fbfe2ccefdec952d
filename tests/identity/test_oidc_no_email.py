"""An account made by a VNeID sign-in without a verified address has no email (None):
every path that reads an account's address answers without a 5xx and sends no mail
to it."""

from __future__ import annotations

import datetime as dt
import uuid

from harness.authenticator import SoftAuthenticator
from harness.oidc_provider import OidcProvider
from server.identity.passwords import hash_password
from server.identity.tables import Account
from tests.identity.conftest import PASSWORD, Browser
from tests.identity.oidc_support import (
    LOGIN_MAI,
    identity_settings,  # noqa: F401  (fixture)
    landed,
    official_sign_in,  # noqa: F401  (fixture)
    sign_in_with,
)


async def _without_address(browser: Browser) -> str:
    assert landed(await sign_in_with(browser, LOGIN_MAI)) == "signed_in"
    session = (await browser.get("/api/auth/session")).json()
    account = await Account.select().where(Account.id == uuid.UUID(session["account_id"])).first()
    assert account is not None and account["email"] is None
    return session["account_id"]


async def test_the_account_pages_show_no_address(
    browser: Browser, oidc_provider: OidcProvider
) -> None:
    await _without_address(browser)
    assert (await browser.get("/api/auth/session")).json()["email"] == ""
    assert (await browser.get("/api/me")).json()["email"] == ""
    assert (await browser.get("/api/me/activity")).status_code == 200


async def test_a_passkey_is_added_without_an_address(
    browser: Browser, other_browser: Browser, oidc_provider: OidcProvider
) -> None:
    account_id = await _without_address(browser)
    key = SoftAuthenticator()
    r = await browser.add_passkey(key)
    assert r.status_code == 201, r.text
    # The passkey is now a way in, so the e-ID may be unlinked.
    signed_in = await other_browser.passkey_sign_in(key)
    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.json()["account_id"] == account_id
    assert signed_in.json()["email"] == ""
    [identity] = (await browser.get("/api/me/identities")).json()
    assert (await browser.delete(f"/api/me/identities/{identity['id']}")).status_code == 204


async def test_a_device_credential_works_without_an_address(
    browser: Browser, other_browser: Browser, oidc_provider: OidcProvider
) -> None:
    await _without_address(browser)
    device_id = str(uuid.uuid4())
    r = await browser.post("/api/devices", {"id": device_id, "name": "Điện thoại của Mai"})
    assert r.status_code == 201, r.text
    auth = {"Authorization": f"Device {r.json()['credential']}"}
    current = await other_browser.http.get("/api/devices/current", headers=auth)
    assert current.status_code == 200, current.text


async def test_mail_by_address_never_reaches_an_account_without_one(
    browser: Browser, other_browser: Browser, oidc_provider: OidcProvider
) -> None:
    await _without_address(browser)
    for path in ("/api/auth/password/forgot", "/api/auth/activation/resend"):
        r = await other_browser.post(path, {"email": ""})
        assert r.status_code < 500, r.text
    r = await other_browser.post("/api/auth/login", {"email": "", "password": PASSWORD})
    assert r.status_code == 401
    await other_browser.deliver_mail()
    assert other_browser.smtp.handler.received == []


async def test_the_administrators_list_shows_it_empty(
    browser: Browser, other_browser: Browser, oidc_provider: OidcProvider
) -> None:
    account_id = await _without_address(browser)
    now = dt.datetime.now(dt.UTC)
    await Account.insert(
        Account(
            id=uuid.uuid4(),
            email="admin@example.vn",
            full_name="Quản Trị",
            role="admin",
            password_hash=hash_password(PASSWORD),
            activated_at=now,
            created_at=now,
            is_demo=True,
        )
    )
    assert (await other_browser.sign_in("admin@example.vn", PASSWORD)).status_code == 200
    r = await other_browser.get("/api/admin/accounts/")
    assert r.status_code == 200, r.text
    [listed] = [a for a in r.json() if a["id"] == account_id]
    assert listed["email"] == ""
