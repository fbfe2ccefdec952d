"""Signing in with the local OpenID provider (harness/oidc_provider.py) through the app
under test: the app configured with the provider as `vneid`, and a browser's trip
start → provider login → callback.

Test modules import `identity_settings` from here (it replaces the conftest's), so the
`browser` and `other_browser` fixtures talk to an app that trusts the provider."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import msgspec
import pytest

from harness.oidc_provider import OidcProvider, cancel_login, complete_login
from server.audit.tables import AuditEvent
from server.identity.oidc.config import Label, ProviderConfig
from server.identity.tables import Account, ExternalIdentity, OidcAttempt, Session
from server.settings import Settings
from tests.identity.conftest import MOTCUA_CLIENT_SECRET, ORIGIN, Browser
from tests.support.smtp import SmtpServer

LOGIN_AN = "an"  # Nguyễn Văn An, 001090004821, email verified
LOGIN_HOA = "hoa"  # Trần Thị Hoa, 079301007356, email verified
LOGIN_MAI = "mai"  # Lò Thị Mai, 014185002914, email NOT verified


def vneid(issuer: str, **overrides) -> ProviderConfig:
    return msgspec.structs.replace(
        ProviderConfig(
            name="vneid",
            label=Label(vi="VNeID", en="VNeID (national e-ID)"),
            issuer=issuer,
            client_id="motcua",
            client_secret=MOTCUA_CLIENT_SECRET,
        ),
        **overrides,
    )


@pytest.fixture
def official_sign_in() -> str:
    """MOTCUA_OFFICIAL_SIGN_IN of the app under test; a test parametrizes it to change it."""
    return "any"


@pytest.fixture
def identity_settings(
    settings: Settings, smtp: SmtpServer, oidc_provider: OidcProvider, official_sign_in: str
) -> Settings:
    return msgspec.structs.replace(
        settings,
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        demo_mode=True,
        mail_from="motcua <no-reply@motcua.test>",
        oidc_providers=(vneid(oidc_provider.issuer),),
        official_sign_in=official_sign_in,
    )


async def start(browser: Browser, purpose: str = "sign_in", return_to: str = "/") -> str:
    """The authorization URL the app sends the browser to (the cookie is now set)."""
    r = await browser.post(
        "/api/auth/oidc/vneid/start", {"purpose": purpose, "return_to": return_to}
    )
    assert r.status_code == 200, r.text
    return r.json()["authorization_url"]


async def callback(browser: Browser, redirect: str) -> httpx.Response:
    """Follow the provider's redirect back to the app (the callback only)."""
    assert redirect.startswith(ORIGIN + "/api/auth/oidc/vneid/callback?"), redirect
    r = await browser.get(redirect[len(ORIGIN) :])
    if r.status_code == 303 and "oidc=signed_in" in r.headers["location"]:
        session = await browser.get("/api/auth/session")
        assert session.status_code == 200, session.text
        browser.csrf = session.json()["csrf_token"]
    return r


async def sign_in_with(
    browser: Browser, login: str, purpose: str = "sign_in", return_to: str = "/"
) -> httpx.Response:
    """The whole trip: start, the person signs in at the provider as `login`, callback."""
    url = await start(browser, purpose, return_to)
    return await callback(browser, complete_login(url, login))


async def cancel(browser: Browser) -> httpx.Response:
    return await callback(browser, cancel_login(await start(browser)))


def landed(response: httpx.Response) -> str:
    """Where the callback sent the browser: "signed_in", "linked", or the error code."""
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.startswith(ORIGIN + "/#/"), location
    route, _, query = location.partition("#")[2].partition("?")
    params = {k: v[0] for k, v in parse_qs(query).items()}
    if "oidc_error" in params:
        assert route == "/tai-khoan", location
        return params["oidc_error"]
    return params["oidc"]


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


async def counts() -> dict[str, int]:
    """What a sign-in could have made, to show a refused one made nothing."""
    return {
        "accounts": await Account.count(),
        "identities": await ExternalIdentity.count(),
        "sessions": await Session.count(),
        "linked": await AuditEvent.count().where(AuditEvent.action == "identity_linked"),
        "registered": await AuditEvent.count().where(AuditEvent.action == "account_registered"),
    }


async def used_attempts() -> int:
    return await OidcAttempt.count().where(OidcAttempt.used_at.is_not_null())


async def refusals(reason: str) -> int:
    rows = await AuditEvent.select(AuditEvent.detail).where(AuditEvent.action == "sign_in_refused")
    return sum(1 for r in rows if msgspec.json.decode(r["detail"]).get("reason") == reason)
