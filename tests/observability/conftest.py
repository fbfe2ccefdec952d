from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing

import httpx
import msgspec
import pytest
from asgi_lifespan import LifespanManager
from prometheus_client.parser import text_string_to_metric_families

from harness.sync_client import SyncDevice
from server.app import create_app
from server.settings import Settings
from tests.sync.conftest import device_for, make_account

MONITOR = ("127.0.0.1", 9090)  # the Prometheus host of these tests


@pytest.fixture
async def app(settings: Settings):
    app = create_app(
        msgspec.structs.replace(settings, demo_mode=True, metrics_allow=("127.0.0.1/32",))
    )
    async with LifespanManager(app):
        yield app


@pytest.fixture
async def citizen(app) -> AsyncIterator[SyncDevice]:
    device = await device_for(app, await make_account("citizen"))
    async with aclosing(device.http):
        yield device


@pytest.fixture
async def monitor(app) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=MONITOR)
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost:8000") as c:
        yield c


class Scrape:
    """One /metrics answer, parsed by prometheus-client's own parser."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.samples = [
            (s.name, s.labels, s.value)
            for family in text_string_to_metric_families(text)
            for s in family.samples
        ]

    def value(self, name: str, **labels: str) -> float:
        """The sum over the samples named `name` whose labels include `labels`."""
        return sum(
            v
            for n, ls, v in self.samples
            if n == name and all(ls.get(k) == want for k, want in labels.items())
        )

    def has(self, name: str, **labels: str) -> bool:
        return any(
            n == name and all(ls.get(k) == want for k, want in labels.items())
            for n, ls, _ in self.samples
        )

    def label_values(self, name: str, label: str) -> set[str]:
        return {ls[label] for n, ls, _ in self.samples if n == name and label in ls}


async def scrape(http: httpx.AsyncClient) -> Scrape:
    r = await http.get("/metrics")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain")
    return Scrape(r.text)
