from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from server.settings import Settings
from tests.support.demo_accounts import demo_app, signed_in_as


@pytest.fixture
async def app(settings: Settings):
    async with demo_app(settings) as app:
        yield app


@pytest.fixture
async def admin(app) -> AsyncIterator[httpx.AsyncClient]:
    async with signed_in_as(app, "admin") as client:
        yield client
