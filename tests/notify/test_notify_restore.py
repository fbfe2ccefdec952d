"""Notifications across a restore (sync/README.md §9.4; server/notify/README or the
backups doc, "Notifications"). The outbox lives in the database, so a restore brings
its rows back as they were at the backup:

- a message pending at the backup and delivered after it comes back pending and is
  delivered again, with the same Message-ID (email) and the same Idempotency-Key (SMS),
  so mail clients and the SMS gateway can tell it is the same message;
- a message queued after the backup is gone with the rest of that history and is never
  sent again (a put-back from the phones sends no notification).

Real databases (the SQLite file copied with SQLite's backup API; PostgreSQL copied with
CREATE DATABASE … TEMPLATE), a real SMTP server and a real HTTP SMS gateway."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import asyncpg
import msgspec
import pytest

from server.database import bound_engine, write_transaction
from server.notify.outbox import enqueue_email
from server.notify.sms import deliver_due_sms, enqueue_sms
from server.notify.tables import OutboxMessage
from server.notify.worker import deliver_due
from server.settings import Settings
from tests.notify.samples import RECEIVED
from tests.support import databases as dbs
from tests.support.sms_gateway import Gateway
from tests.support.smtp import SmtpServer


class DatabaseCopy:
    """A backup of the test's database taken at one moment, and its restore in place.
    Every engine on the database must be closed around `take` and `restore`
    (PostgreSQL copies only a database nobody is connected to)."""

    def __init__(self, settings: Settings, engine_kind: str, tmp_path: Path) -> None:
        self._settings = settings
        self._kind = engine_kind
        self._file = tmp_path / "backup.db"
        self._live = settings.database_url.rpartition("/")[2]
        self._copy = f"{self._live}_backup"

    def take(self) -> None:
        if self._kind == "sqlite":
            _sqlite_copy(self._settings.sqlite_path, self._file)
        else:
            _pg(f'CREATE DATABASE "{self._copy}" TEMPLATE "{self._live}"')

    def restore(self) -> None:
        if self._kind == "sqlite":
            _sqlite_copy(self._file, self._settings.sqlite_path)
        else:
            _pg(f'DROP DATABASE "{self._live}" WITH (FORCE)')
            _pg(f'CREATE DATABASE "{self._live}" TEMPLATE "{self._copy}"')

    def discard(self) -> None:
        if self._kind == "postgres":
            _pg(f'DROP DATABASE IF EXISTS "{self._copy}" WITH (FORCE)')


def _sqlite_copy(source: Path, target: Path) -> None:
    # SQLite's online backup: a consistent copy that includes what is still in the WAL.
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


def _pg(sql: str) -> None:
    async def run() -> None:
        conn = await asyncpg.connect(dbs.PG_ADMIN_URL, timeout=5)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    # Run from a worker thread: the test's own event loop is busy awaiting this.
    asyncio.run(run())


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    # Honours the key, as the contract in server/notify/sms.py asks of a gateway.
    g = Gateway(honour_keys=True).start()
    try:
        yield g
    finally:
        g.stop()


@pytest.fixture
def channels(smtp_settings: Settings, gateway: Gateway) -> Settings:
    """Mail to the test SMTP server, SMS to the test gateway."""
    return msgspec.structs.replace(smtp_settings, sms_gateway_url=gateway.url, sms_max_attempts=5)


@pytest.fixture
def backup(settings: Settings, engine_kind: str, tmp_path: Path) -> Iterator[DatabaseCopy]:
    copy = DatabaseCopy(settings, engine_kind, tmp_path)
    try:
        yield copy
    finally:
        copy.discard()


def _soon() -> dt.datetime:
    # Just after the messages were enqueued (their first try is due at once).
    return dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)


async def _deliver(settings: Settings) -> tuple[int, int]:
    """One sender pass per channel on a freshly opened engine: (emails, SMS) sent."""
    async with bound_engine(settings) as engine:
        emails = await deliver_due(engine, settings, 10, now=_soon())
        sms = await deliver_due_sms(engine, settings, 10, now=_soon())
    return emails, sms


async def _enqueue(settings: Settings, who: str) -> list[str]:
    """An email and an SMS of one event, committed; their outbox ids."""
    async with bound_engine(settings) as engine, write_transaction(engine):
        email = await enqueue_email(f"{who}@example.vn", "dossier_received", "vi", RECEIVED)
        sms = await enqueue_sms("0912 345 678", "dossier_received", "vi", RECEIVED)
    return [str(email), str(sms)]


async def _statuses(settings: Settings) -> dict[str, str]:
    async with bound_engine(settings):
        rows = await OutboxMessage.select(OutboxMessage.id, OutboxMessage.status)
    return {str(r["id"]): r["status"] for r in rows}


async def test_a_message_sent_after_the_backup_is_sent_again_as_the_same_message(
    channels: Settings, backup: DatabaseCopy, smtp_server: SmtpServer, gateway: Gateway
) -> None:
    email_id, sms_id = await _enqueue(channels, "nguoi")
    await asyncio.to_thread(backup.take)  # both still pending in the backup

    assert await _deliver(channels) == (1, 1)
    # Queued after the backup: gone with the database at the restore.
    late_email, late_sms = await _enqueue(channels, "muon")
    assert await _deliver(channels) == (1, 1)
    assert set((await _statuses(channels)).values()) == {"sent"}

    await asyncio.to_thread(backup.restore)
    assert await _statuses(channels) == {email_id: "pending", sms_id: "pending"}
    assert await _deliver(channels) == (1, 1)
    assert await _deliver(channels) == (0, 0)  # and only once more
    assert await _statuses(channels) == {email_id: "sent", sms_id: "sent"}

    # Email: delivered twice, with one Message-ID, the outbox id's.
    ids = smtp_server.handler.message_ids()
    assert len(ids) == 3
    first, late, again = ids
    assert first == again and first.startswith(f"<{email_id}@")
    assert late.startswith(f"<{late_email}@")
    assert [r.rcpt_tos for r in smtp_server.handler.received] == [
        ["nguoi@example.vn"],
        ["muon@example.vn"],
        ["nguoi@example.vn"],
    ]

    # SMS: the gateway was asked twice under one Idempotency-Key and sent it once.
    keys = [r.headers["idempotency-key"] for r in gateway.requests]
    assert keys == [sms_id, late_sms, sms_id]
    assert gateway.requests[0].body == gateway.requests[2].body
    assert [r.replayed for r in gateway.requests] == [False, False, True]
    assert gateway.delivered_per_key() == {sms_id: 1, late_sms: 1}
