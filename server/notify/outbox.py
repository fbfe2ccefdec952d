"""Putting a message in the outbox, as part of the caller's transaction."""

from __future__ import annotations

import re
import uuid

from server.clock import utcnow
from server.notify.schemas import EmailParams, Language, TemplateName, encode_params, template_of
from server.notify.tables import OutboxMessage

# Deliberately loose: the mail server decides what it accepts; this only keeps
# header injection and obvious garbage out.
_ADDRESS = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$")


class OutsideTransaction(RuntimeError):
    """enqueue_email was called with no transaction open."""


async def enqueue_email(
    recipient: str,
    template: TemplateName,
    lang: Language,
    params: EmailParams,
    key: str | None = None,
) -> uuid.UUID:
    """Add an email to the outbox inside the caller's open transaction, so it is sent
    if and only if that transaction commits. With `key`, a second call with the same
    key (even after sending) adds nothing and returns the first message's id.

    Call `server.notify.worker.notify_now()` after the commit to send it at once
    rather than at the next poll."""
    engine = OutboxMessage._meta.db
    if engine.current_transaction.get() is None:
        # Outside a transaction the message could be sent for a change that never
        # committed, or be lost for one that did.
        raise OutsideTransaction("enqueue_email must run inside the caller's transaction")
    if template_of(params) != template:
        raise ValueError(f"{type(params).__name__} are not parameters of template {template!r}")
    if lang not in ("vi", "en"):
        raise ValueError(f"unsupported language {lang!r}")
    recipient = recipient.strip()
    if not is_address(recipient):
        raise ValueError(f"not an email address: {recipient!r}")
    if key is not None and not 0 < len(key) <= 200:
        raise ValueError("a message key has 1 to 200 characters")

    now = utcnow()
    message = OutboxMessage(
        id=uuid.uuid4(),
        channel="email",
        recipient=recipient,
        template=template,
        language=lang,
        params=encode_params(params),
        status="pending",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
        message_key=key,
    )
    inserted = await (
        OutboxMessage.insert(message)
        .on_conflict(target=OutboxMessage.message_key, action="DO NOTHING")
        .returning(OutboxMessage.id)
    )
    if inserted:
        return _as_uuid(inserted[0]["id"])
    existing = (
        await OutboxMessage.select(OutboxMessage.id).where(OutboxMessage.message_key == key).first()
    )
    assert existing is not None  # the conflict was on this key
    return _as_uuid(existing["id"])


def is_address(text: str) -> bool:
    """Whether `text` (stripped) is an address the outbox takes."""
    text = text.strip()
    return len(text) <= 254 and _ADDRESS.match(text) is not None


def _as_uuid(value: object) -> uuid.UUID:
    # asyncpg returns its own UUID type, SQLite a str.
    return value if type(value) is uuid.UUID else uuid.UUID(str(value))
