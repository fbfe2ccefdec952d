from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from server.settings import Settings
from tests.support.demo_accounts import demo_app, signed_in


@pytest.fixture
async def app(settings: Settings):
    async with demo_app(settings) as app:
        yield app


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
