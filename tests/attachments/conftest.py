from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import aclosing

import httpx
import msgspec
import pytest
import uvicorn
from asgi_lifespan import LifespanManager

from harness.sync_client import SyncDevice
from server.app import create_app
from server.settings import Settings
from tests.support.waiting import wait_until
from tests.sync.conftest import app, citizen, device_for, make_account  # noqa: F401  (fixtures)


@pytest.fixture
async def make_app(settings: Settings):
    """An app with some settings changed (limits, chunk size), started and stopped."""
    started: list[LifespanManager] = []

    async def make(**changes):
        instance = create_app(msgspec.structs.replace(settings, demo_mode=True, **changes))
        manager = LifespanManager(instance)
        await manager.__aenter__()
        started.append(manager)
        return instance

    yield make
    for manager in reversed(started):
        await manager.__aexit__(None, None, None)


async def serve(app) -> tuple[uvicorn.Server, asyncio.Task, int]:
    """The already started app on a real socket, in this event loop (so it shares
    nothing across loops with the test)."""
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, lifespan="off", log_level="warning", access_log=False
    )
    server = uvicorn.Server(config)
    server.capture_signals = contextlib.nullcontext  # pyright: ignore[reportAttributeAccessIssue]  # pytest owns signals
    task = asyncio.create_task(server.serve())
    await wait_until(
        lambda: server.started, seconds=5, interval=0.01, message="uvicorn did not start"
    )
    port = server.servers[0].sockets[0].getsockname()[1]
    return server, task, port


@pytest.fixture
async def live(app) -> AsyncIterator[int]:
    """The port of `app` served over real TCP on 127.0.0.1."""
    server, task, port = await serve(app)
    try:
        yield port
    finally:
        server.should_exit = True
        await task


@pytest.fixture
async def other_citizen(app) -> AsyncIterator[SyncDevice]:
    device = await device_for(app, await make_account("citizen"))
    async with aclosing(device.http):
        yield device


def over_tcp(device: SyncDevice, base_url: str) -> httpx.AsyncClient:
    """An HTTP client with the device's credential, to a real socket."""
    return httpx.AsyncClient(base_url=base_url, headers=device.auth, timeout=30)
