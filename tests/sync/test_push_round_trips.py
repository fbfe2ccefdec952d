"""A push batch's trips to PostgreSQL (issue #21): counted on the wire, between the
server and the database, for a batch of new drafts. Each trip is a wait for the
database (10-30 ms on a loaded machine), whatever the batch's size."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing
from urllib.parse import urlsplit, urlunsplit

import msgspec
import pytest
from asgi_lifespan import LifespanManager

from harness.sync_client import SyncDevice, birth_answers, uuid7
from server.app import create_app
from server.clock import vn_today
from server.settings import Settings
from tests.support.pg_wire import CountingRelay, WireConnection
from tests.sync.conftest import device_for, make_account

BATCH = 100


@pytest.fixture
async def relay(engine_kind: str) -> AsyncIterator[CountingRelay]:
    if engine_kind != "postgres":
        pytest.skip("round trips to a database server: PostgreSQL only")
    relay = CountingRelay()
    yield relay
    await relay.close()


def _through(settings: Settings, port: int) -> Settings:
    """The same database, reached through the relay, on one pooled connection (so
    each statement is prepared once, as on a busy server's connections)."""
    parts = urlsplit(settings.database_url)
    netloc = f"{parts.username}@127.0.0.1:{port}" if parts.username else f"127.0.0.1:{port}"
    url = urlunsplit(parts._replace(netloc=netloc))
    return msgspec.structs.replace(
        settings, database_url=url, db_pool_min=1, db_pool_max=1, demo_mode=True
    )


def _drafts(device: SyncDevice, count: int) -> None:
    today = vn_today()
    for _ in range(count):
        device.queue(
            "create_draft",
            uuid7(),
            {"procedure_code": "khai-sinh", "fields": birth_answers(today)},
        )


def _transaction(connection: WireConnection, start: int) -> tuple[int, list[str]]:
    """The trips from BEGIN to COMMIT (both counted), and the statements sent."""
    messages = connection.messages[start:]
    begin = next(i for i, (k, t) in enumerate(messages) if k == "Q" and t.startswith("BEGIN"))
    end = next(i for i, (k, t) in enumerate(messages) if k == "Q" and t.startswith("COMMIT"))
    inside = messages[begin : end + 1]
    trips = sum(1 for k, _ in inside if k in ("S", "H", "Q"))
    return trips, [t[:90] for k, t in inside if k in ("Q", "P")] + [
        f"{sum(1 for k, _ in inside if k == 'E')} executions"
    ]


async def test_a_batch_of_new_drafts_takes_few_trips(settings: Settings, relay: CountingRelay):
    port = await relay.start()
    app = create_app(_through(settings, port))
    async with LifespanManager(app):
        device = await device_for(app, await make_account("citizen"))
        async with aclosing(device.http):
            _drafts(device, BATCH)  # the first batch prepares the statements
            outcomes = await device.sync()
            assert {o["status"] for o in outcomes} == {"applied"}
            marks = relay.mark()
            _drafts(device, BATCH)
            outcomes = await device.sync()
            assert len(outcomes) == BATCH and {o["status"] for o in outcomes} == {"applied"}
            busy = [
                (c, s)
                for c, s in relay.since(marks)
                if any(k == "Q" and t.startswith("BEGIN") for k, t in c.messages[s:])
            ]
            assert len(busy) == 1
            trips, sent = _transaction(*busy[0])
            assert trips <= 5, "\n".join([f"{trips} trips:", *sent])
