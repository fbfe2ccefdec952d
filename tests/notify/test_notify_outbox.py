"""The outbox is transactional: a message exists, and is sent once, exactly when the
caller's change commits."""

from __future__ import annotations

import pytest

from server.database import write_transaction
from server.notify.outbox import OutsideTransaction, enqueue_email
from server.notify.schemas import ActivationParams
from server.notify.tables import OutboxMessage
from server.notify.worker import deliver_due
from tests.notify.samples import RECEIVED, RECEIVED_SUBJECT_VI, enqueue_committed


class Rollback(Exception):
    pass


async def test_enqueue_in_a_rolled_back_transaction_sends_nothing(
    engine, smtp_server, smtp_settings
) -> None:
    with pytest.raises(Rollback):
        async with write_transaction(engine):
            await enqueue_email("a@example.vn", "dossier_received", "vi", RECEIVED)
            assert await OutboxMessage.count() == 1  # visible inside the transaction
            raise Rollback
    assert await OutboxMessage.count() == 0
    assert await deliver_due(engine, smtp_settings, 10) == 0
    assert smtp_server.handler.received == []


async def test_enqueue_and_commit_delivers_exactly_once(engine, smtp_server, smtp_settings) -> None:
    [message_id] = await enqueue_committed(engine)
    assert await deliver_due(engine, smtp_settings, 10) == 1
    assert await deliver_due(engine, smtp_settings, 10) == 0

    [received] = smtp_server.handler.received
    assert received.rcpt_tos == ["nguoi0@example.vn"]
    mail = received.message
    assert mail["Subject"] == RECEIVED_SUBJECT_VI
    assert b"=?utf-8?" in received.raw.lower()  # the header went out RFC 2047-encoded
    assert mail["Message-ID"] == f"<{message_id}@localhost>"
    assert mail.get_content_type() == "multipart/alternative"
    parts = {part.get_content_type(): part for part in mail.iter_parts()}
    assert set(parts) == {"text/plain", "text/html"}
    assert all(p.get_content_charset() == "utf-8" for p in parts.values())
    assert "Ngày hẹn trả kết quả: 25/11/2026" in parts["text/plain"].get_content()
    assert "25/11/2026" in parts["text/html"].get_content()

    row = await OutboxMessage.select().where(OutboxMessage.id == message_id).first()
    assert (row["status"], row["attempts"], row["last_error"]) == ("sent", 1, "")
    assert row["sent_at"] is not None and row["claimed_until"] is None


async def test_enqueue_outside_a_transaction_is_refused(engine) -> None:
    with pytest.raises(OutsideTransaction):
        await enqueue_email("a@example.vn", "dossier_received", "vi", RECEIVED)
    assert await OutboxMessage.count() == 0


@pytest.mark.parametrize(
    "recipient, template, lang",
    [
        ("not-an-address", "dossier_received", "vi"),
        ("a@example.vn\r\nBcc: b@example.vn", "dossier_received", "vi"),
        ("a@example.vn", "activation", "vi"),  # parameters of another template
        ("a@example.vn", "dossier_received", "fr"),
    ],
)
async def test_enqueue_refuses_bad_input_and_leaves_the_transaction_usable(
    engine, recipient, template, lang
) -> None:
    async with write_transaction(engine):
        with pytest.raises(ValueError):
            await enqueue_email(recipient, template, lang, RECEIVED)
        await enqueue_email("ok@example.vn", "dossier_received", "vi", RECEIVED)
    assert await OutboxMessage.count() == 1


async def test_a_message_key_makes_enqueue_idempotent(engine, smtp_server, smtp_settings) -> None:
    params = ActivationParams(link="http://localhost:8000/activate?t=1")
    ids = []
    for _ in range(2):
        async with write_transaction(engine):
            ids.append(
                await enqueue_email("a@example.vn", "activation", "en", params, key="activation:42")
            )
    assert ids[0] == ids[1]
    assert await deliver_due(engine, smtp_settings, 10) == 1
    # Still a no-op once the first one has been sent.
    async with write_transaction(engine):
        again = await enqueue_email("a@example.vn", "activation", "en", params, key="activation:42")
    assert again == ids[0]
    assert await deliver_due(engine, smtp_settings, 10) == 0
    assert len(smtp_server.handler.received) == 1
    assert smtp_server.handler.received[0].message["Subject"] == "Activate your e-services account"
