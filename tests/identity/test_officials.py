"""Officials join by an enrollment link and sign in with passkeys only."""

from __future__ import annotations

from harness.authenticator import SoftAuthenticator
from server.identity.enrollment import invite_official
from server.identity.schemas import OfficialInvite
from tests.identity.conftest import ORIGIN, Browser


async def enroll(browser: Browser, email: str, role: str, commune: str = "") -> SoftAuthenticator:
    """An official invited (as `motcua create-admin` does for the first administrator)
    who follows the emailed link and registers a passkey."""
    await invite_official(
        browser.app.state.engine,
        browser.settings,
        None,
        OfficialInvite(email=email, full_name="Cán Bộ Một", role=role, commune_code=commune),
        "test",
    )
    link = await browser.link_in_last_mail(email)
    assert "/enroll?token=" in link
    token = link.split("token=")[1]
    options = (await browser.http.post("/api/auth/enroll/options", json={"token": token})).json()
    key = SoftAuthenticator()
    credential = key.create(options["options"], ORIGIN)
    r = await browser.http.post(
        "/api/auth/enroll/finish",
        json={"token": token, "challenge_id": options["challenge_id"], "credential": credential},
    )
    assert r.status_code == 200, r.text
    browser.csrf = r.json()["csrf_token"]
    return key


async def test_admin_enrolls_and_invites_a_desk_official(
    browser: Browser, other_browser: Browser
) -> None:
    await enroll(browser, "admin@example.vn", "admin")
    r = await browser.post(
        "/api/admin/accounts/officials",
        {
            "email": "desk@example.vn",
            "full_name": "Lê Thu Hà",
            "role": "desk",
            "commune_code": "00070",
        },
    )
    assert r.status_code == 201, r.text
    link = await browser.link_in_last_mail("desk@example.vn")
    token = link.split("token=")[1]
    options = (
        await other_browser.http.post("/api/auth/enroll/options", json={"token": token})
    ).json()
    key = SoftAuthenticator()
    done = await other_browser.http.post(
        "/api/auth/enroll/finish",
        json={
            "token": token,
            "challenge_id": options["challenge_id"],
            "credential": key.create(options["options"], ORIGIN),
        },
    )
    assert done.status_code == 200 and done.json()["role"] == "desk"
    # The link is single use.
    again = await other_browser.http.post("/api/auth/enroll/options", json={"token": token})
    assert again.status_code == 410
    # Passkey sign-in works; an official may not remove their last passkey.
    fresh = await other_browser.passkey_sign_in(key)
    assert fresh.status_code == 200 and fresh.json()["commune_code"] == "00070"
    only = (await other_browser.get("/api/me/passkeys")).json()[0]["id"]
    assert (await other_browser.delete(f"/api/me/passkeys/{only}")).status_code == 409


async def test_invite_checks_its_fields(browser: Browser) -> None:
    await enroll(browser, "admin2@example.vn", "admin")
    bad = await browser.post(
        "/api/admin/accounts/officials",
        {"email": "x@example.vn", "full_name": "X", "role": "desk", "commune_code": "99999"},
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["path"] == "commune_code"
    wrong_role = await browser.post(
        "/api/admin/accounts/officials",
        {"email": "x@example.vn", "full_name": "X", "role": "citizen"},
    )
    assert wrong_role.status_code == 400 and wrong_role.json()["errors"][0]["path"] == "role"
    # Past the 254 characters an address may have: refused by name (a 500 on SQLite
    # and the whole request's 400 on PostgreSQL before).
    long = await browser.post(
        "/api/admin/accounts/officials",
        {
            "email": "a" * 250 + "@example.vn",
            "full_name": "X",
            "role": "desk",
            "commune_code": "00070",
        },
    )
    assert long.status_code == 422 and long.json()["errors"][0]["path"] == "email", long.text


async def test_officials_cannot_use_passwords_outside_demo_mode(browser: Browser) -> None:
    from server.demo import create_demo_accounts

    accounts = await create_demo_accounts(browser.app.state.engine)
    desk = next(a for a in accounts if a.role == "desk")
    # Demo mode is on in these tests: demo officials may use the printed password.
    assert (await browser.sign_in(desk.email, desk.password)).status_code == 200
    browser.settings = browser.app.state.settings = _without_demo(browser.settings)
    refused = await browser.sign_in(desk.email, desk.password)
    assert refused.status_code == 403 and refused.json()["type"] == "/problems/passkey_required"


def _without_demo(settings):
    import msgspec

    return msgspec.structs.replace(settings, demo_mode=False)
