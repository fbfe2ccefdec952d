"""Signing in with VNeID against a real OpenID provider on this machine (npm's
oidc-provider): the trip start → provider → callback, what it makes, and each way a
callback is refused without making anything."""

from __future__ import annotations

import datetime as dt

import msgspec
import pytest
from asgi_lifespan import LifespanManager

from harness.oidc_provider import OidcProvider, complete_login
from server.app import create_app
from server.audit.tables import AuditEvent
from server.clock import SettableClock
from server.identity.tables import Account, ExternalIdentity, OidcAttempt, Session
from server.identity.tokens import digest
from server.settings import Settings
from tests.identity.conftest import Browser, new_browser
from tests.identity.oidc_support import (
    LOGIN_AN,
    LOGIN_MAI,
    callback,
    cancel,
    counts,
    identity_settings,  # noqa: F401  (fixture)
    landed,
    official_sign_in,  # noqa: F401  (fixture)
    query_of,
    refusals,
    sign_in_with,
    start,
)
from tests.support.smtp import SmtpServer

AN_SUBJECT = "3f2b9c1e-7a54-4d0e-9b8f-1c6a2e5d7f01"


async def test_first_sign_in_creates_a_bound_citizen_account_with_the_verified_facts(
    browser: Browser, oidc_provider: OidcProvider
) -> None:
    r = await sign_in_with(browser, LOGIN_AN, return_to="/ho-so/moi")
    assert landed(r) == "signed_in"
    assert r.headers["location"] == "http://localhost:8000/#/ho-so/moi?oidc=signed_in"
    # The session cookie is set by the redirect; the attempt's cookie is cleared.
    assert "motcua_session=" in r.headers.get("set-cookie", "")
    session = (await browser.get("/api/auth/session")).json()
    assert session["email"] == "nguyenvanan@example.com"  # verified by the provider
    assert session["full_name"] == "Nguyễn Văn An"
    assert session["role"] == "citizen"
    verified = session["verified"]
    assert verified["provider"] == "vneid"
    assert verified["provider_label"] == "VNeID"
    assert verified["id_number"] == "001090004821"
    assert verified["birth_date"] == "1990-03-14"
    assert verified["sex"] == "male"
    assert verified["residence"].startswith("Số 12 ngõ 45 phố Hào Nam")

    account = await Account.select().where(Account.id == session["account_id"]).first()
    assert account is not None
    assert account["password_hash"] == ""  # no password, no activation mail
    assert account["activated_at"] is not None
    assert account["personal_id"] == "001090004821"
    [identity] = await ExternalIdentity.select().where(ExternalIdentity.account_id == account["id"])
    assert identity["subject"] == AN_SUBJECT
    assert identity["id_number"] == "001090004821"
    [s] = await Session.select().where(Session.account_id == account["id"])
    assert s["method"] == "oidc"
    signed_in = await AuditEvent.select().where(AuditEvent.action == "signed_in")
    assert [msgspec.json.decode(e["detail"])["method"] for e in signed_in] == ["oidc"]
    assert browser.smtp.handler.received == []  # no mail at all


async def test_a_second_sign_in_gets_the_same_account_and_refreshes_its_facts(
    browser: Browser, other_browser: Browser, oidc_provider: OidcProvider
) -> None:
    assert landed(await sign_in_with(browser, LOGIN_AN)) == "signed_in"
    first = (await browser.get("/api/auth/session")).json()
    before = await ExternalIdentity.select().first()
    assert landed(await sign_in_with(other_browser, LOGIN_AN)) == "signed_in"
    second = (await other_browser.get("/api/auth/session")).json()
    assert second["account_id"] == first["account_id"]
    assert await Account.count() == 1
    after = await ExternalIdentity.select().first()
    assert after is not None and before is not None
    assert after["verified_at"] >= before["verified_at"]
    assert await ExternalIdentity.count() == 1


async def test_an_unverified_email_is_not_taken_and_the_account_has_no_address(
    browser: Browser, oidc_provider: OidcProvider
) -> None:
    assert landed(await sign_in_with(browser, LOGIN_MAI)) == "signed_in"
    session = (await browser.get("/api/auth/session")).json()
    assert session["email"] == ""
    assert (await browser.get("/api/me")).json()["email"] == ""
    account = await Account.select().where(Account.id == session["account_id"]).first()
    assert account is not None and account["email"] is None


async def test_the_providers_are_listed_in_the_request_language(
    browser: Browser, oidc_provider: OidcProvider
) -> None:
    assert (await browser.get("/api/auth/providers")).json() == [
        {"name": "vneid", "label": "VNeID"}
    ]
    english = await browser.get("/api/auth/providers", headers={"Accept-Language": "en"})
    assert english.json() == [{"name": "vneid", "label": "VNeID (national e-ID)"}]
    assert (await browser.get("/api/auth/providers?lang=en")).json()[0]["label"] == (
        "VNeID (national e-ID)"
    )


async def test_start_sends_pkce_state_nonce_and_binds_the_attempt_to_the_browser(
    browser: Browser, oidc_provider: OidcProvider
) -> None:
    url = await start(browser)
    q = query_of(url)
    assert url.startswith(oidc_provider.issuer + "/auth?")
    assert q["client_id"] == "motcua"
    assert q["redirect_uri"] == "http://localhost:8000/api/auth/oidc/vneid/callback"
    assert q["code_challenge_method"] == "S256" and len(q["code_challenge"]) == 43
    assert set(q["scope"].split()) == {"openid", "profile", "email", "address", "identity"}
    assert q["nonce"] and q["state"]
    cookie = browser.http.cookies.get("motcua_oidc")
    assert cookie
    row = await OidcAttempt.select().where(OidcAttempt.state_hash == digest(q["state"])).first()
    assert row is not None
    assert row["browser_hash"] == digest(cookie)
    assert row["nonce"] == q["nonce"]
    assert (row["expires_at"] - row["created_at"]).total_seconds() == 600


async def test_an_unknown_provider_is_a_404(browser: Browser, oidc_provider: OidcProvider) -> None:
    r = await browser.post("/api/auth/oidc/other/start", {})
    assert r.status_code == 404
    assert r.json()["type"] == "/problems/oidc_provider_unknown"
    r = await browser.get("/api/auth/oidc/other/callback?code=x&state=y")
    assert r.status_code == 404


async def test_cancelling_at_the_provider_is_access_denied_and_makes_nothing(
    browser: Browser, oidc_provider: OidcProvider
) -> None:
    before = await counts()
    r = await cancel(browser)
    assert landed(r) == "access_denied"
    assert await counts() == before
    assert await refusals("access_denied") == 1


async def test_an_unknown_state_is_refused(browser: Browser, oidc_provider: OidcProvider) -> None:
    url = await start(browser)
    redirect = complete_login(url, LOGIN_AN)
    q = query_of(redirect)
    before = await counts()
    forged = redirect.replace(q["state"], "not-the-state")
    assert landed(await callback(browser, forged)) == "state_invalid"
    missing = await browser.get(f"/api/auth/oidc/vneid/callback?code={q['code']}")
    assert landed(missing) == "state_invalid"
    assert await counts() == before
    # The real state still works once (the forged one spent nothing).
    assert landed(await callback(browser, redirect)) == "signed_in"


async def test_a_callback_used_twice_is_state_invalid_the_second_time(
    browser: Browser, oidc_provider: OidcProvider
) -> None:
    redirect = complete_login(await start(browser), LOGIN_AN)
    assert landed(await callback(browser, redirect)) == "signed_in"
    after_first = await counts()
    assert landed(await callback(browser, redirect)) == "state_invalid"
    assert await counts() == after_first


async def test_a_code_replayed_with_a_fresh_state_is_refused_by_the_provider(
    browser: Browser, other_browser: Browser, oidc_provider: OidcProvider
) -> None:
    redirect = complete_login(await start(browser), LOGIN_MAI)
    assert landed(await callback(browser, redirect)) == "signed_in"
    used_code = query_of(redirect)["code"]
    # Someone who saw the first callback URL starts their own attempt and sends the
    # used code with their own (valid) state: the provider refuses the code.
    fresh = query_of(await start(other_browser))["state"]
    before = await counts()
    r = await other_browser.get(f"/api/auth/oidc/vneid/callback?code={used_code}&state={fresh}")
    assert landed(r) == "token_invalid"
    assert await counts() == before
    assert (await other_browser.get("/api/auth/session")).status_code == 401


async def test_a_callback_in_another_browser_is_browser_mismatch(
    browser: Browser, other_browser: Browser, oidc_provider: OidcProvider
) -> None:
    redirect = complete_login(await start(browser), LOGIN_AN)
    before = await counts()
    # The other browser has a cookie of its own attempt, not this one's.
    await start(other_browser)
    assert landed(await callback(other_browser, redirect)) == "browser_mismatch"
    assert await counts() == before
    assert await refusals("browser_mismatch") == 1
    # The mismatch spent nothing: the browser that started it still finishes.
    assert landed(await callback(browser, redirect)) == "signed_in"


async def test_a_callback_without_the_cookie_is_browser_mismatch(
    browser: Browser, oidc_provider: OidcProvider
) -> None:
    redirect = complete_login(await start(browser), LOGIN_AN)
    browser.http.cookies.clear()
    before = await counts()
    assert landed(await callback(browser, redirect)) == "browser_mismatch"
    assert await counts() == before


async def test_an_expired_attempt_is_state_invalid(
    browser: Browser, oidc_provider: OidcProvider
) -> None:
    url = await start(browser)
    await OidcAttempt.update({OidcAttempt.expires_at: OidcAttempt.created_at}).where(
        OidcAttempt.state_hash == digest(query_of(url)["state"])
    )
    assert landed(await callback(browser, complete_login(url, LOGIN_AN))) == "state_invalid"
    assert await Account.count() == 0


async def test_provider_down_at_start_is_503_provider_unavailable(
    browser: Browser, oidc_provider: OidcProvider
) -> None:
    oidc_provider.kill()
    r = await browser.post("/api/auth/oidc/vneid/start", {})
    assert r.status_code == 503
    assert r.json()["type"] == "/problems/provider_unavailable"
    assert "VNeID" in r.json()["detail"]
    assert r.headers["retry-after"] == "60"
    assert await OidcAttempt.count() == 0


async def test_provider_down_at_the_code_exchange_makes_nothing(
    browser: Browser, oidc_provider: OidcProvider
) -> None:
    redirect = complete_login(await start(browser), LOGIN_AN)
    before = await counts()
    oidc_provider.kill()
    r = await callback(browser, redirect)
    assert landed(r) == "provider_unavailable"
    assert await counts() == before
    assert (await browser.get("/api/auth/session")).status_code == 401
    assert await refusals("provider_unavailable") == 1


async def test_after_key_rotation_the_next_sign_in_works_without_a_restart(
    browser: Browser, other_browser: Browser, oidc_provider: OidcProvider
) -> None:
    assert landed(await sign_in_with(browser, LOGIN_AN)) == "signed_in"
    old_kid = oidc_provider.kid
    oidc_provider.restart(rotate_keys=True)
    assert oidc_provider.kid != old_kid
    # The app holds the old key set; the new token's kid makes it fetch the keys again.
    assert landed(await sign_in_with(other_browser, LOGIN_AN)) == "signed_in"


async def test_start_is_rate_limited_per_address(
    browser: Browser, oidc_provider: OidcProvider
) -> None:
    statuses = [
        (await browser.post("/api/auth/oidc/vneid/start", {})).status_code for _ in range(31)
    ]
    assert statuses[:30] == [200] * 30
    assert statuses[30] == 429


async def test_start_takes_json_only(browser: Browser, oidc_provider: OidcProvider) -> None:
    r = await browser.http.post("/api/auth/oidc/vneid/start", content=b"{}")
    assert r.status_code == 415


async def test_an_expired_id_token_at_the_callback_makes_nothing(
    identity_settings: Settings, smtp: SmtpServer, oidc_provider: OidcProvider
) -> None:
    # motcua's clock two hours ahead of the provider's: every ID token it receives has
    # expired (the provider's tokens last an hour), however real their signature.
    clock = SettableClock(dt.datetime.now(dt.UTC) + dt.timedelta(hours=2))
    app = create_app(identity_settings, clock=clock)
    async with LifespanManager(app):
        browser = new_browser(app, identity_settings, smtp)
        async with browser.http:
            before = await counts()
            r = await sign_in_with(browser, LOGIN_AN)
            assert landed(r) == "token_invalid"
            assert await counts() == before
            assert await refusals("token_invalid") == 1


async def test_a_sign_in_started_on_one_host_finishes_on_another(
    identity_settings: Settings, smtp: SmtpServer, oidc_provider: OidcProvider
) -> None:
    # Behind a balancer the callback may reach another process than the start did: the
    # attempt lives in the shared database and each process fetches the provider's
    # configuration and keys for itself; the browser's cookie goes with the browser.
    # Several hosts share PostgreSQL; an SQLite file is one host's (and two applications
    # in one test process would share its one bound engine).
    if identity_settings.engine == "sqlite":
        pytest.skip("several hosts share PostgreSQL, not an SQLite file")
    first, second = create_app(identity_settings), create_app(identity_settings)
    async with LifespanManager(first), LifespanManager(second):
        on_first = new_browser(first, identity_settings, smtp)
        on_second = new_browser(second, identity_settings, smtp)
        async with on_first.http, on_second.http:
            redirect = complete_login(await start(on_first), LOGIN_AN)
            on_second.http.cookies = on_first.http.cookies
            assert landed(await callback(on_second, redirect)) == "signed_in"
            on_first.http.cookies = on_second.http.cookies
            session = await on_first.get("/api/auth/session")
            assert session.status_code == 200, session.text
            assert session.json()["verified"]["id_number"] == "001090004821"
            # The attempt was spent on the second host: the first refuses it again.
            assert landed(await callback(on_first, redirect)) == "state_invalid"
