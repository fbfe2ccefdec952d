"""Passkeys with a software authenticator: add, sign in, list, remove, refusals."""

from __future__ import annotations

import copy

from harness.authenticator import SoftAuthenticator
from server.identity.tables import Passkey, Session
from tests.identity.conftest import ORIGIN, Browser


async def test_add_passkey_then_sign_in_with_it(browser: Browser, other_browser: Browser) -> None:
    await browser.activated_citizen("pk@example.vn")
    phone = SoftAuthenticator()
    added = await browser.add_passkey(phone)
    assert added.status_code == 201, added.text
    listed = (await browser.get("/api/me/passkeys")).json()
    assert [p["name"] for p in listed] == ["Điện thoại"]

    signed = await other_browser.passkey_sign_in(phone)
    assert signed.status_code == 200, signed.text
    assert signed.json()["email"] == "pk@example.vn"
    session = await Session.select().where(Session.method == "passkey").first()
    assert session is not None
    stored = await Passkey.select().first()
    assert stored["sign_count"] == phone.credentials[0].sign_count


async def test_replayed_assertion_is_refused(browser: Browser, other_browser: Browser) -> None:
    await browser.activated_citizen("replay@example.vn")
    phone = SoftAuthenticator()
    await browser.add_passkey(phone)
    options = (await other_browser.http.post("/api/auth/passkey/options")).json()
    assertion = phone.get(options["options"], ORIGIN)
    body = {"challenge_id": options["challenge_id"], "credential": assertion}
    assert (await other_browser.http.post("/api/auth/passkey/verify", json=body)).status_code == 200
    # Same challenge again: spent.
    again = await other_browser.http.post("/api/auth/passkey/verify", json=copy.deepcopy(body))
    assert again.status_code == 400 and again.json()["type"] == "/problems/challenge_invalid"
    # The old assertion against a fresh challenge: the signed challenge does not match.
    fresh = (await other_browser.http.post("/api/auth/passkey/options")).json()
    replay = await other_browser.http.post(
        "/api/auth/passkey/verify",
        json={"challenge_id": fresh["challenge_id"], "credential": assertion},
    )
    assert replay.status_code == 400 and replay.json()["type"] == "/problems/passkey_rejected"


async def test_wrong_origin_rp_id_missing_uv_and_unknown_credential(
    browser: Browser, other_browser: Browser
) -> None:
    await browser.activated_citizen("tamper@example.vn")
    phone = SoftAuthenticator()
    await browser.add_passkey(phone)
    cases = {
        "origin": dict(origin="http://evil.example:8000"),
        "rp": dict(rp_id="evil.example"),
        "uv": dict(user_verified=False),
    }
    for name, tamper in cases.items():
        r = await other_browser.passkey_sign_in(phone, **tamper)
        assert r.status_code == 400, name
        assert r.json()["type"] == "/problems/passkey_rejected", name
    stranger = await other_browser.passkey_sign_in(_authenticator_with_foreign_credential())
    assert stranger.status_code == 400 and stranger.json()["type"] == "/problems/unknown_passkey"
    # Every refusal is in the audit log.
    activity = await Session.count()
    assert activity == 1  # only the password session of `browser`


def _authenticator_with_foreign_credential() -> SoftAuthenticator:
    other = SoftAuthenticator()
    options = {
        "rp": {"id": "localhost", "name": "x"},
        "user": {"id": "AAEC", "name": "x", "displayName": "x"},
        "challenge": "AAAA",
        "pubKeyCredParams": [{"type": "public-key", "alg": -7}],
        "authenticatorSelection": {"residentKey": "required", "userVerification": "required"},
    }
    other.create(options, ORIGIN)
    return other


async def test_registration_with_wrong_origin_creates_nothing(browser: Browser) -> None:
    await browser.activated_citizen("wrongreg@example.vn")
    options = (await browser.post("/api/me/passkeys/options")).json()
    credential = SoftAuthenticator().create(options["options"], "http://evil.example")
    r = await browser.post(
        "/api/me/passkeys", {"challenge_id": options["challenge_id"], "credential": credential}
    )
    assert r.status_code == 400 and r.json()["errors"][0]["path"] == "credential"
    assert await Passkey.count() == 0


async def test_remove_passkey(browser: Browser, other_browser: Browser) -> None:
    await browser.activated_citizen("remove@example.vn")
    phone = SoftAuthenticator()
    await browser.add_passkey(phone)
    passkey_id = (await browser.get("/api/me/passkeys")).json()[0]["id"]
    assert (await browser.delete(f"/api/me/passkeys/{passkey_id}")).status_code == 204
    assert (await browser.get("/api/me/passkeys")).json() == []
    r = await other_browser.passkey_sign_in(phone)
    assert r.status_code == 400 and r.json()["type"] == "/problems/unknown_passkey"
