"""Identity flows over HTTP against a real SMTP server and the real database."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import msgspec
import pytest
from asgi_lifespan import LifespanManager

from harness.authenticator import SoftAuthenticator
from harness.oidc_provider import OidcClient, OidcProvider, provider_problem
from server.app import create_app
from server.identity.captcha.tables import CaptchaChallenge
from server.notify.worker import deliver_due
from server.settings import Settings
from tests.conftest import IN_CI
from tests.support.smtp import RecordingHandler, SmtpServer
from tests.support.waiting import wait_until

ORIGIN = "http://localhost:8000"
PASSWORD = "mật khẩu đủ dài 2026"
LINK = re.compile(r"http://localhost:8000/[a-z-]+\?token=[A-Za-z0-9_-]+")


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer(RecordingHandler()).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def identity_settings(settings: Settings, smtp: SmtpServer) -> Settings:
    return msgspec.structs.replace(
        settings,
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        demo_mode=True,
        mail_from="motcua <no-reply@motcua.test>",
    )


class Browser:
    """An HTTP client that behaves like the app: keeps cookies and sends the CSRF token."""

    def __init__(
        self, client: httpx.AsyncClient, app, settings: Settings, smtp: SmtpServer
    ) -> None:
        self.http = client
        self.app = app
        self.settings = settings
        self.smtp = smtp
        self.csrf = ""

    def headers(self) -> dict[str, str]:
        return {"X-CSRF-Token": self.csrf} if self.csrf else {}

    async def get(self, url: str, **kw) -> httpx.Response:
        return await self.http.get(url, **kw)

    async def post(self, url: str, json=None, **kw) -> httpx.Response:
        headers = {**self.headers(), **kw.pop("headers", {})}
        return await self.http.post(url, json=json, headers=headers, **kw)

    async def delete(self, url: str, **kw) -> httpx.Response:
        headers = {**self.headers(), **kw.pop("headers", {})}
        return await self.http.delete(url, headers=headers, **kw)

    async def captcha(self) -> tuple[str, str]:
        r = await self.http.post("/api/captcha")
        assert r.status_code == 201, r.text
        challenge = r.json()["id"]
        row = (
            await CaptchaChallenge.select(CaptchaChallenge.answer)
            .where(CaptchaChallenge.id == uuid.UUID(challenge))
            .first()
        )
        return challenge, row["answer"]

    async def register(self, email: str, **overrides) -> httpx.Response:
        captcha_id, answer = await self.captcha()
        body = {
            "email": email,
            "full_name": "Nguyễn Văn An",
            "phone": "0912 345 678",
            "personal_id": "001090012345",
            "password": PASSWORD,
            "captcha_id": captcha_id,
            "captcha_answer": answer,
        }
        body.update(overrides)
        return await self.http.post("/api/auth/register", json=body)

    async def deliver_mail(self) -> None:
        await deliver_due(self.app.state.engine, self.settings, 50)

    async def mail_to(self, address: str, count: int = 1) -> list:
        # The app's own background sender may hold the message mid-delivery, so
        # wait for it (bounded) rather than expect this pass to send it.
        async def delivered() -> tuple[list] | None:
            await self.deliver_mail()
            found = [r.message for r in self.smtp.handler.received if address in r.rcpt_tos]
            # In a tuple, so that enough messages count as done even when enough is none.
            return (found,) if len(found) >= count else None

        [found] = await wait_until(
            delivered, message=lambda: f"fewer than {count} messages to {address}"
        )
        return found

    async def link_in_last_mail(self, address: str) -> str:
        message = (await self.mail_to(address))[-1]
        text = message.get_body(preferencelist=("plain",)).get_content()
        match = LINK.search(text)
        assert match, text
        return match.group(0)

    async def sign_in(self, email: str, password: str = PASSWORD) -> httpx.Response:
        r = await self.http.post("/api/auth/login", json={"email": email, "password": password})
        if r.status_code == 200:
            self.csrf = r.json()["csrf_token"]
        return r

    async def activated_citizen(self, email: str) -> str:
        r = await self.register(email)
        assert r.status_code == 201, r.text
        link = await self.link_in_last_mail(email)
        token = link.split("token=")[1]
        assert (await self.post("/api/auth/activate", {"token": token})).status_code == 200
        signed_in = await self.sign_in(email)
        assert signed_in.status_code == 200
        return signed_in.json()["account_id"]

    async def add_passkey(self, authenticator: SoftAuthenticator) -> httpx.Response:
        options = (await self.post("/api/me/passkeys/options")).json()
        credential = authenticator.create(options["options"], ORIGIN)
        return await self.post(
            "/api/me/passkeys",
            {
                "challenge_id": options["challenge_id"],
                "credential": credential,
                "name": "Điện thoại",
            },
        )

    async def passkey_sign_in(self, authenticator: SoftAuthenticator, **tamper) -> httpx.Response:
        options = (await self.http.post("/api/auth/passkey/options")).json()
        origin = tamper.pop("origin", ORIGIN)
        credential = authenticator.get(options["options"], origin, **tamper)
        r = await self.http.post(
            "/api/auth/passkey/verify",
            json={"challenge_id": options["challenge_id"], "credential": credential},
        )
        if r.status_code == 200:
            self.csrf = r.json()["csrf_token"]
        return r


@pytest.fixture
async def app_and_settings(identity_settings: Settings):
    app = create_app(identity_settings)
    async with LifespanManager(app):
        yield app, identity_settings


def new_browser(app, settings: Settings, smtp: SmtpServer) -> Browser:
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
    return Browser(httpx.AsyncClient(transport=transport, base_url=ORIGIN), app, settings, smtp)


@pytest.fixture
async def browser(app_and_settings, smtp: SmtpServer) -> AsyncIterator[Browser]:
    app, settings = app_and_settings
    b = new_browser(app, settings, smtp)
    async with b.http:
        yield b


@pytest.fixture
async def other_browser(app_and_settings, smtp: SmtpServer) -> AsyncIterator[Browser]:
    app, settings = app_and_settings
    b = new_browser(app, settings, smtp)
    async with b.http:
        yield b


# --- the local OpenID provider standing in for VNeID (harness/oidc_provider.py) --------

MOTCUA_CLIENT_SECRET = "motcua-client-secret-for-tests-0123456789"
OTHER_CLIENT_SECRET = "other-app-client-secret-for-tests-9876543210"
OTHER_APP_REDIRECT_URI = "http://127.0.0.1:9/other-app/callback"


@pytest.fixture(scope="session")
def oidc_provider_installed() -> None:
    """Node and the provider's npm packages. Missing: a skip locally, a failure under CI."""
    problem = provider_problem()
    if problem:
        if IN_CI:
            pytest.fail(f"the local OpenID provider is required under CI: {problem}")
        pytest.skip(problem)


@pytest.fixture
def oidc_redirect_uri() -> str:
    """The redirect URI registered for the `motcua` client. A test module overrides this
    fixture (or parametrizes it indirectly) to register another one."""
    return f"{ORIGIN}/api/auth/oidc/vneid/callback"


@pytest.fixture
def oidc_provider(
    oidc_provider_installed: None, oidc_redirect_uri: str, tmp_path: Path
) -> Iterator[OidcProvider]:
    """A fresh OpenID provider for this test (npm's oidc-provider under Node, on a free
    port of 127.0.0.1; `.issuer` is its address), with the three demo identities of
    harness/oidc_provider/identities.json (logins "an", "hoa", "mai") and two confidential
    clients using client_secret_basic:

    - `motcua` (secret MOTCUA_CLIENT_SECRET), redirect URI `oidc_redirect_uri`;
    - `other-app` (secret OTHER_CLIENT_SECRET), redirect URI OTHER_APP_REDIRECT_URI, for
      tokens issued to someone else (`obtain_tokens(oidc_provider, "other-app")`).

    `complete_login(url, login)` signs in at it and returns the redirect to the client;
    `.restart(rotate_keys=True)` rotates its signing key; `.kill()` takes it down. Its
    config, keys and log are under tmp_path/oidc-provider; it is stopped afterwards."""
    provider = OidcProvider(
        clients=[
            OidcClient("motcua", MOTCUA_CLIENT_SECRET, [oidc_redirect_uri]),
            OidcClient("other-app", OTHER_CLIENT_SECRET, [OTHER_APP_REDIRECT_URI]),
        ],
        workdir=tmp_path / "oidc-provider",
    )
    with provider:
        yield provider
