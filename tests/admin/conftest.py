from __future__ import annotations

import datetime as dt
import uuid
from typing import AsyncIterator

import httpx
import msgspec
import pytest
from asgi_lifespan import LifespanManager

from server.app import create_app
from server.calendar import service
from server.identity.passwords import hash_password
from server.identity.tables import Account
from server.settings import Settings

PASSWORD = "mật khẩu quản trị 2026"
ORIGIN = "http://localhost:8000"


@pytest.fixture(autouse=True)
def fresh_calendar_cache():
    service.forget_cached()
    yield
    service.forget_cached()


@pytest.fixture
async def app(settings: Settings):
    # Demo mode: a demo account may sign in with a password (no passkey needed here).
    app = create_app(msgspec.structs.replace(settings, demo_mode=True))
    async with LifespanManager(app):
        yield app


def client_for(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=("203.0.113.9", 40000)),
                             base_url=ORIGIN)


async def new_account(role: str) -> tuple[uuid.UUID, str]:
    account_id, email = uuid.uuid4(), f"{role}-{uuid.uuid4().hex[:6]}@example.vn"
    now = dt.datetime.now(dt.timezone.utc)
    await Account.insert(Account(
        id=account_id, email=email, full_name="Người Thử", role=role,
        commune_code="00070" if role in ("outreach", "desk", "agency_admin") else "",
        password_hash=hash_password(PASSWORD), activated_at=now, created_at=now, is_demo=True))
    return account_id, email


async def signed_in(app, role: str) -> tuple[httpx.AsyncClient, uuid.UUID, str]:
    """A client signed in with our own session (motcua_session), as the PWA does."""
    account_id, email = await new_account(role)
    client = client_for(app)
    r = await client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    client.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    return client, account_id, email


class AdminClient:
    """A signed-in administrator using piccolo-admin as its UI does: JSON API under
    /admin/api/, its CSRF token from the csrftoken cookie in X-CSRFToken."""

    def __init__(self, http: httpx.AsyncClient, account_id: uuid.UUID, email: str) -> None:
        self.http, self.account_id, self.email = http, account_id, email

    async def csrf(self) -> str:
        if "csrftoken" not in self.http.cookies:
            assert (await self.http.get("/admin/api/user/")).status_code == 200
        return self.http.cookies["csrftoken"]

    async def get(self, path: str, **kw) -> httpx.Response:
        return await self.http.get(path, **kw)

    async def write(self, method: str, path: str, json=None) -> httpx.Response:
        headers = {"X-CSRFToken": await self.csrf()}
        return await self.http.request(method, path, json=json, headers=headers)


@pytest.fixture
async def admin(app) -> AsyncIterator[AdminClient]:
    http, account_id, email = await signed_in(app, "admin")
    try:
        yield AdminClient(http, account_id, email)
    finally:
        await http.aclose()
