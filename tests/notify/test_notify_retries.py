"""A mail server that is down, or says "try later", delays mail but loses none and
duplicates none; a recipient refused for good, or too many tries, ends in failed.
Time is moved by passing `now`, never waited for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec

from server.notify import claims
from server.notify.claims import backoff
from server.notify.smtp import SEND_TIMEOUT
from server.notify.tables import OutboxMessage
from server.notify.worker import deliver_due
from tests.notify.samples import enqueue_committed
from tests.support.smtp import RecordingHandler, SmtpServer


def lease_for(limit: int):
    return claims.lease_for(limit, SEND_TIMEOUT)


async def _rows() -> list[dict]:
    return await OutboxMessage.select().order_by(OutboxMessage.recipient)


def test_backoff_doubles_from_five_seconds_up_to_an_hour_with_jitter() -> None:
    for attempts, full in [(1, 5), (2, 10), (3, 20), (8, 640), (12, 3600), (40, 3600)]:
        delay = backoff(attempts).total_seconds()
        assert 0.75 * full <= delay <= full


async def test_smtp_down_then_up_delivers_each_message_exactly_once(
    engine, smtp_settings, smtp_port
) -> None:
    ids = await enqueue_committed(engine, 3)
    t0 = datetime.now(UTC)
    # Nothing listens on the port yet.
    assert await deliver_due(engine, smtp_settings, 10, now=t0) == 0
    rows = await _rows()
    assert [r["status"] for r in rows] == ["pending"] * 3
    assert [r["attempts"] for r in rows] == [1] * 3
    assert all(r["last_error"] for r in rows)
    assert all(t0 < r["next_attempt_at"] <= t0 + timedelta(seconds=5) for r in rows)
    # Not due again before the backoff is over.
    assert await deliver_due(engine, smtp_settings, 10, now=t0) == 0
    assert [r["attempts"] for r in await _rows()] == [1] * 3

    handler = RecordingHandler()
    server = SmtpServer(handler, smtp_port).start()
    try:
        later = max(r["next_attempt_at"] for r in rows) + timedelta(seconds=1)
        assert await deliver_due(engine, smtp_settings, 10, now=later) == 3
        assert await deliver_due(engine, smtp_settings, 10, now=later + timedelta(hours=2)) == 0
    finally:
        server.stop()
    assert sorted(handler.message_ids()) == sorted(f"<{i}@localhost>" for i in ids)
    rows = await _rows()
    assert [(r["status"], r["attempts"], r["last_error"]) for r in rows] == [("sent", 2, "")] * 3


async def test_temporary_refusals_back_off_longer_each_time_then_deliver_once(
    engine, smtp_server, smtp_settings
) -> None:
    handler = smtp_server.handler
    handler.refuse_data = 4  # two messages, each refused twice
    ids = await enqueue_committed(engine, 2)
    now = datetime.now(UTC)
    delays = []
    for _ in range(2):
        assert await deliver_due(engine, smtp_settings, 10, now=now) == 0
        rows = await _rows()
        assert all("451" in r["last_error"] and r["status"] == "pending" for r in rows)
        delays.append(min(r["next_attempt_at"] for r in rows) - now)
        now = max(r["next_attempt_at"] for r in rows)
    assert delays[1] > delays[0]
    assert await deliver_due(engine, smtp_settings, 10, now=now) == 2
    assert handler.refused == 4
    assert sorted(handler.message_ids()) == sorted(f"<{i}@localhost>" for i in ids)
    assert [(r["status"], r["attempts"]) for r in await _rows()] == [("sent", 3)] * 2


async def test_gives_up_after_the_configured_number_of_attempts(
    engine, smtp_server, smtp_settings
) -> None:
    settings = msgspec.structs.replace(smtp_settings, mail_max_attempts=3)
    smtp_server.handler.refuse_data = 1000
    await enqueue_committed(engine, 1)
    now = datetime.now(UTC)
    for _ in range(6):
        await deliver_due(engine, settings, 10, now=now)
        now += timedelta(hours=2)
    [row] = await _rows()
    assert (row["status"], row["attempts"]) == ("failed", 3)
    assert "451" in row["last_error"]
    assert smtp_server.handler.refused == 3
    assert smtp_server.handler.received == []


async def test_a_recipient_refused_for_good_fails_at_once(
    engine, smtp_server, smtp_settings
) -> None:
    smtp_server.handler.unknown = {"nguoi0@example.vn"}
    await enqueue_committed(engine, 2)
    now = datetime.now(UTC)
    assert await deliver_due(engine, smtp_settings, 10, now=now) == 1
    assert await deliver_due(engine, smtp_settings, 10, now=now + timedelta(hours=2)) == 0
    refused, delivered = await _rows()
    assert (refused["status"], refused["attempts"]) == ("failed", 1)
    assert "550" in refused["last_error"]
    assert delivered["status"] == "sent"
    assert [r.rcpt_tos for r in smtp_server.handler.received] == [["nguoi1@example.vn"]]


async def test_a_sender_that_died_mid_send_is_taken_over_after_its_lease(
    engine, smtp_server, smtp_settings
) -> None:
    [message_id] = await enqueue_committed(engine, 1)
    t0 = datetime.now(UTC)
    # A process claims the message and dies before sending.
    dead_token, [claimed] = await claims.claim(engine, t0, 10, lease_for(10), 5)
    assert claimed.id == message_id
    # While the lease runs, nobody else touches it.
    assert (
        await deliver_due(engine, smtp_settings, 10, now=t0 + lease_for(10) - timedelta(seconds=1))
        == 0
    )
    assert (
        await deliver_due(engine, smtp_settings, 10, now=t0 + lease_for(10) + timedelta(seconds=1))
        == 1
    )
    assert smtp_server.handler.message_ids() == [f"<{message_id}@localhost>"]
    [row] = await _rows()
    assert (row["status"], row["attempts"]) == ("sent", 2)
    # The dead sender, were it to come back, cannot overwrite the outcome.
    assert not await claims.mark_sent(message_id, dead_token, t0)
    await claims.mark_failed(
        message_id, dead_token, t0, attempts=1, max_attempts=5, error="late", permanent=False
    )
    [row] = await _rows()
    assert (row["status"], row["last_error"]) == ("sent", "")


async def test_an_interrupted_last_attempt_ends_in_failed(
    engine, smtp_server, smtp_settings
) -> None:
    settings = msgspec.structs.replace(smtp_settings, mail_max_attempts=1)
    await enqueue_committed(engine, 1)
    t0 = datetime.now(UTC)
    await claims.claim(engine, t0, 10, lease_for(10), 1)
    assert await deliver_due(engine, settings, 10, now=t0 + timedelta(hours=1)) == 0
    [row] = await _rows()
    assert (row["status"], row["attempts"]) == ("failed", 1)
    assert "interrupted" in row["last_error"]
    assert smtp_server.handler.received == []


async def test_a_message_that_cannot_be_rendered_fails_without_blocking_the_others(
    engine, smtp_server, smtp_settings
) -> None:
    [good] = await enqueue_committed(engine, 1)
    now = datetime.now(UTC)
    await OutboxMessage.insert(
        OutboxMessage(
            recipient="broken@example.vn",
            template="dossier_received",
            language="vi",
            params='{"template": "dossier_received"}',
            next_attempt_at=now,
            created_at=now,
        )
    )
    assert await deliver_due(engine, smtp_settings, 10, now=now) == 1
    assert smtp_server.handler.message_ids() == [f"<{good}@localhost>"]
    broken = (
        await OutboxMessage.select().where(OutboxMessage.recipient == "broken@example.vn").first()
    )
    assert (broken["status"], broken["attempts"]) == ("failed", 1)
    assert "code" in broken["last_error"]
