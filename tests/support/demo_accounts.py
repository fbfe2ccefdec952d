"""Demo accounts signed in with a password, for tests that drive the app over HTTP in
process: the app in demo mode (where a demo official may sign in without a passkey),
a new account of any role, and a client holding its session and CSRF token."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import msgspec
from asgi_lifespan import LifespanManager

from server.app import create_app
from server.identity.passwords import hash_password
from server.identity.tables import Account
from server.settings import Settings

PASSWORD = "mật khẩu quản trị 2026"
ORIGIN = "http://localhost:8000"
CLIENT_ADDRESS = ("203.0.113.9", 40000)
OFFICIAL_COMMUNE = "00070"


@asynccontextmanager
async def demo_app(settings: Settings):
    app = create_app(msgspec.structs.replace(settings, demo_mode=True))
    async with LifespanManager(app):
        yield app


def client_for(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=CLIENT_ADDRESS), base_url=ORIGIN
    )


async def new_account(role: str) -> tuple[uuid.UUID, str]:
    """A demo account of `role`, activated; officials work in Hoàn Kiếm."""
    account_id, email = uuid.uuid4(), f"{role}-{uuid.uuid4().hex[:6]}@example.vn"
    now = dt.datetime.now(dt.UTC)
    await Account.insert(
        Account(
            id=account_id,
            email=email,
            full_name="Người Thử",
            role=role,
            commune_code=OFFICIAL_COMMUNE if role in ("outreach", "desk", "agency_admin") else "",
            password_hash=hash_password(PASSWORD),
            activated_at=now,
            created_at=now,
            is_demo=True,
        )
    )
    return account_id, email


async def signed_in(app, role: str) -> tuple[httpx.AsyncClient, uuid.UUID, str]:
    """A client signed in with our own session (motcua_session), as the PWA does; the
    caller closes it (aclose)."""
    account_id, email = await new_account(role)
    client = client_for(app)
    r = await client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    client.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    return client, account_id, email


@asynccontextmanager
async def signed_in_as(app, role: str) -> AsyncIterator[httpx.AsyncClient]:
    client, _, _ = await signed_in(app, role)
    try:
        yield client
    finally:
        await client.aclose()
