from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from contextlib import aclosing

import httpx
import msgspec
import pytest
from asgi_lifespan import LifespanManager

from harness.devices import sign_in_device
from harness.sync_client import SyncDevice
from server.app import create_app
from server.identity.passwords import hash_password
from server.identity.tables import Account
from server.settings import Settings

PASSWORD = "sync test password 1"


@pytest.fixture
async def app(settings: Settings):
    # Demo mode lets test officials sign in with a password to register a device.
    app = create_app(msgspec.structs.replace(settings, demo_mode=True))
    async with LifespanManager(app):
        yield app


async def make_account(role: str = "citizen", commune: str = "") -> str:
    email = f"{role}-{uuid.uuid4().hex[:8]}@example.vn"
    now = dt.datetime.now(dt.UTC)
    await Account.insert(
        Account(
            id=uuid.uuid4(),
            email=email,
            full_name="Người Dùng Thử",
            role=role,
            commune_code=commune,
            password_hash=hash_password(PASSWORD),
            activated_at=now,
            created_at=now,
            is_demo=True,
        )
    )
    return email


async def device_for(app, email: str) -> SyncDevice:
    """Sign in over HTTP, register an install, and keep only its device credential."""
    transport = httpx.ASGITransport(app=app, client=("198.51.100.9", 40000))
    http = httpx.AsyncClient(transport=transport, base_url="http://localhost:8000")
    return await sign_in_device(http, email, PASSWORD, name="test phone")


@pytest.fixture
async def citizen(app) -> AsyncIterator[SyncDevice]:
    device = await device_for(app, await make_account("citizen"))
    async with aclosing(device.http):
        yield device
