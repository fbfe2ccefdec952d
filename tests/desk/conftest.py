from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing

import httpx
import pytest

from harness.sync_client import SyncDevice
from tests.sync.conftest import PASSWORD, app, device_for, make_account  # noqa: F401  (fixtures)


class DeskOfficial:
    """An official at the desk: a browser session with its CSRF token."""

    def __init__(self, http: httpx.AsyncClient, csrf: str) -> None:
        self.http = http
        self.csrf = csrf

    async def act(self, dossier_id, action: str, body: dict | None = None) -> httpx.Response:
        return await self.http.post(
            f"/api/desk/dossiers/{dossier_id}/actions/{action}",
            json=body or {},
            headers={"X-CSRF-Token": self.csrf},
        )

    async def get(self, url: str, **params) -> httpx.Response:
        return await self.http.get(url, params=params)


async def official(app, role: str = "desk", commune: str = "00070") -> DeskOfficial:
    email = await make_account(role, commune)
    http = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://localhost:8000"
    )
    r = await http.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return DeskOfficial(http, r.json()["csrf_token"])


@pytest.fixture
async def desk(app) -> AsyncIterator[DeskOfficial]:
    d = await official(app)
    async with aclosing(d.http):
        yield d


@pytest.fixture
async def person(app) -> AsyncIterator[SyncDevice]:
    device = await device_for(app, await make_account("citizen"))
    async with aclosing(device.http):
        yield device
