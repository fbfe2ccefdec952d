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


@pytest.fixture(autouse=True)
def fresh_cache():
    # Each test has its own database; the per-process copy must not leak between them.
    service.forget_cached()
    yield
    service.forget_cached()


@pytest.fixture
async def app(settings: Settings):
    # Demo mode: a demo official may sign in with a password (no passkey needed here).
    app = create_app(msgspec.structs.replace(settings, demo_mode=True))
    async with LifespanManager(app):
        yield app


async def signed_in(app, role: str) -> httpx.AsyncClient:
    """A client signed in as a new demo account of `role`; the caller closes it (aclose)."""
    email = f"{role}-{uuid.uuid4().hex[:6]}@example.vn"
    now = dt.datetime.now(dt.timezone.utc)
    await Account.insert(Account(
        id=uuid.uuid4(), email=email, full_name="Người Quản Trị", role=role,
        commune_code="00070" if role in ("outreach", "desk", "agency_admin") else "",
        password_hash=hash_password(PASSWORD), activated_at=now, created_at=now, is_demo=True))
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://localhost:8000")
    r = await client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    client.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    return client


@pytest.fixture
async def admin(app) -> AsyncIterator[httpx.AsyncClient]:
    client = await signed_in(app, "admin")
    try:
        yield client
    finally:
        await client.aclose()
