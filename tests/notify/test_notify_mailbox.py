"""In demo mode with no SMTP host, mail is kept in the database and read at
/dev/mail (outside demo mode it waits in the outbox: tests/hostile/test_dev_pages.py)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import httpx
import msgspec
import pytest
from asgi_lifespan import LifespanManager

from server.app import create_app
from server.database import write_transaction
from server.notify import mailbox
from server.notify.outbox import enqueue_email
from server.notify.schemas import ActivationParams
from server.notify.tables import DemoMail, OutboxMessage
from server.notify.worker import deliver_due, notify_now
from server.settings import Settings
from tests.notify.samples import RECEIVED, RECEIVED_SUBJECT_VI
from tests.support.waiting import wait_until

LINK = "http://localhost:8000/activate?t=abc&x=1"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Demo mode: the only one with a mailbox."""
    return msgspec.structs.replace(settings, demo_mode=True)


@pytest.fixture
async def mail_app(settings: Settings) -> AsyncIterator[tuple]:
    app = create_app(settings)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://localhost:8000"
        ) as client:
            yield app, client


async def _wait_sent(count: int) -> None:
    # The app's own background sender delivers; wait for its outcome, not a time.
    async def sent() -> bool:
        return await OutboxMessage.count().where(OutboxMessage.status == "sent") >= count

    await wait_until(
        sent, seconds=20, interval=0.01, message="the background sender did not deliver"
    )


async def test_mailbox_mode_keeps_mail_and_dev_mail_lists_it(mail_app, settings) -> None:
    app, client = mail_app
    engine = app.state.engine
    async with write_transaction(engine):
        first = await enqueue_email("dan@example.vn", "dossier_received", "vi", RECEIVED)
    async with write_transaction(engine):
        second = await enqueue_email(
            "hoa@example.vn", "activation", "vi", ActivationParams(link=LINK, name="Nguyễn Thị Hoà")
        )
    notify_now()
    await _wait_sent(2)

    kept = await DemoMail.select(DemoMail.id, DemoMail.recipient)
    assert sorted((r["id"], r["recipient"]) for r in kept) == sorted(
        [(first, "dan@example.vn"), (second, "hoa@example.vn")]
    )
    assert not (settings.data_dir / "mailbox").exists()  # nothing in this host's data dir

    listing = await client.get("/dev/mail")
    assert listing.status_code == 200
    assert listing.headers["content-type"].startswith("text/html")
    page = listing.text
    assert "dan@example.vn" in page and "hoa@example.vn" in page
    assert RECEIVED_SUBJECT_VI in page
    assert 'href="http://localhost:8000/activate?t=abc&amp;x=1"' in page
    assert f'href="/dev/mail/{first}.eml"' in page

    one = await client.get(f"/dev/mail/{second}.eml")
    assert one.status_code == 200
    assert "Kính gửi Nguyễn Thị Hoà," in one.text
    assert '<a href="http://localhost:8000/activate?t=abc&amp;x=1">' in one.text

    # The message as sent, for a program to read (the e2e tests' mail_to).
    source = await client.get(f"/dev/mail/{second}.eml/source")
    assert source.status_code == 200
    assert source.headers["content-type"].startswith("message/rfc822")
    sent = mailbox.parse(source.content)
    assert str(sent["To"]) == "hoa@example.vn" and str(sent["Message-ID"]).startswith(f"<{second}@")

    assert (await client.get("/dev/mail/..%2Fmotcua.db")).status_code == 404
    assert (await client.get("/dev/mail/..%2Fmotcua.db/source")).status_code == 404
    for missing in ("", "/source"):
        unknown = "/dev/mail/00000000-0000-0000-0000-000000000000.eml" + missing
        assert (await client.get(unknown)).status_code == 404


async def test_redelivery_replaces_the_message_instead_of_adding_one(engine, settings) -> None:
    async with write_transaction(engine):
        message_id = await enqueue_email("dan@example.vn", "dossier_received", "en", RECEIVED)
    assert await deliver_due(engine, settings, 10) == 1
    # As if the process died after writing but before recording it as sent.
    await OutboxMessage.update({OutboxMessage.status: "pending"}).where(
        OutboxMessage.id == message_id
    )
    assert await deliver_due(engine, settings, 10) == 1
    [entry] = await mailbox.list_entries()
    assert entry.name == f"{message_id}.eml"
    assert entry.subject == "Dossier 01234260000001AK has been received"


async def test_dev_mail_is_not_mounted_when_an_smtp_host_is_set(settings) -> None:
    app = create_app(msgspec.structs.replace(settings, smtp_host="127.0.0.1", smtp_port=9))
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://localhost:8000"
        ) as client:
            response = await client.get("/dev/mail")
    assert "Mailbox (" not in response.text


def test_the_mailbox_is_announced_once_per_process(monkeypatch, caplog) -> None:
    monkeypatch.setattr(mailbox, "_announced", False)
    with caplog.at_level(logging.WARNING, logger="motcua.notify"):
        mailbox.MailboxTransport("http://localhost:8000")
        mailbox.MailboxTransport("http://localhost:8000")
    notes = [r for r in caplog.records if "/dev/mail" in r.getMessage()]
    assert len(notes) == 1
