"""Several `motcua serve` hosts behind a balancer share one database and nothing else:
what demo mode's pages show (/dev/mail, /dev/sms, /dev/payments) is in the database,
so a message sent by host A shows on host B's page, and a payment taken on A's page
pays the fee at B's desk.

Two applications in this process over one database, each with its own data dir. They
run one after the other (Piccolo binds tables to one engine per process); host B's
own sender never runs before the message is sent by A."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import aclosing, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
from asgi_lifespan import LifespanManager

from server.app import create_app
from server.database import write_transaction
from server.notify.outbox import enqueue_email
from server.notify.schemas import ActivationParams
from server.notify.sms import enqueue_sms
from server.notify.tables import OutboxMessage
from server.notify.worker import notify_now
from server.settings import Settings
from tests.desk.conftest import official
from tests.notify.samples import RECEIVED
from tests.payments.test_online_payment import FEE, fee_requested
from tests.support.waiting import wait_until
from tests.sync.conftest import device_for, make_account

LINK = "http://localhost:8000/activate?t=across-hosts"
PHONE, E164 = "0912 345 678", "+84912345678"


@pytest.fixture
def hosts(settings: Settings, tmp_path: Path) -> tuple[Settings, Settings]:
    """Host A and host B: one database, a data dir each, demo mode."""
    a = msgspec.structs.replace(settings, demo_mode=True, data_dir=tmp_path / "host-a")
    b = msgspec.structs.replace(settings, demo_mode=True, data_dir=tmp_path / "host-b")
    return a, b


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    app: Any = create_app(settings)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost:8000") as c:
            yield app, c


async def sent_by_its_own_sender(message_id) -> None:
    # The host's background sender delivers; wait for the outcome, not a time.
    async def sent() -> bool:
        row = await OutboxMessage.select(OutboxMessage.status).where(OutboxMessage.id == message_id)
        return bool(row) and row[0]["status"] == "sent"

    notify_now()
    await wait_until(sent, seconds=20, interval=0.01, message="the sender did not deliver")


async def test_mail_sent_by_host_a_shows_on_host_bs_dev_mail(hosts) -> None:
    a, b = hosts
    async with serving(a) as (app, _):
        async with write_transaction(app.state.engine):
            message_id = await enqueue_email(
                "hoa@example.vn", "activation", "vi", ActivationParams(link=LINK, name="Hoà")
            )
        await sent_by_its_own_sender(message_id)
    async with serving(b) as (_, client):
        listing = await client.get("/dev/mail")
        assert listing.status_code == 200
        assert "hoa@example.vn" in listing.text
        assert f'href="/dev/mail/{message_id}.eml"' in listing.text
        one = await client.get(f"/dev/mail/{message_id}.eml")
        assert one.status_code == 200
        assert "Kính gửi Hoà," in one.text and LINK in one.text


async def test_an_sms_sent_by_host_a_shows_on_host_bs_dev_sms(hosts) -> None:
    a, b = hosts
    async with serving(a) as (app, _):
        async with write_transaction(app.state.engine):
            message_id = await enqueue_sms(PHONE, "dossier_received", "vi", RECEIVED)
        await sent_by_its_own_sender(message_id)
    async with serving(b) as (_, client):
        page = await client.get("/dev/sms")
        assert page.status_code == 200
        assert E164 in page.text and "Ho so cua ban da duoc tiep nhan." in page.text


async def test_a_payment_taken_on_host_a_pays_at_host_bs_desk(hosts) -> None:
    a, b = hosts
    async with serving(a) as (app, client):
        person = await device_for(app, await make_account("citizen"))
        desk = await official(app)
        async with aclosing(person.http), aclosing(desk.http):
            dossier, code = await fee_requested(person, desk)
        page = await client.post("/dev/payments", data={"dossier_code": code, "amount": str(FEE)})
        assert page.status_code == 200, page.text
        found = re.search(r'id="reference">([A-Z0-9]+)<', page.text)
        assert found, page.text
        reference = found.group(1)
    async with serving(b) as (app, client):
        assert reference in (await client.get("/dev/payments")).text
        desk = await official(app)
        async with aclosing(desk.http):
            r = await desk.act(
                dossier, "record_payment", {"provider": "dev", "reference": reference}
            )
        assert r.status_code == 200 and r.json()["state"] == 4, r.text
