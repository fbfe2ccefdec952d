"""The development mailbox: in demo mode with no SMTP host configured, each message
is kept in the database (demo_mail) and listed at /dev/mail, on every host."""

from __future__ import annotations

import logging
import re
import uuid
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

import msgspec

from server.clock import utcnow
from server.notify.tables import DemoMail

log = logging.getLogger("motcua.notify")
_announced = False
# /dev/mail/<outbox id>.eml: the message's page.
NAME = re.compile(r"^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.eml$")
_LINK = re.compile(r"https?://[^\s<>\"]+")


def announce(base_url: str) -> None:
    """Say once per process where mail goes, since nothing leaves the machine."""
    global _announced
    if not _announced:
        _announced = True
        log.warning(
            "no SMTP host (MOTCUA_SMTP_HOST): mail is kept in the database and listed at %s/dev/mail",
            base_url,
        )


def outbox_id(message: EmailMessage) -> uuid.UUID:
    # The Message-ID's left part is the outbox message's id (server/notify/compose.py).
    return uuid.UUID(str(message["Message-ID"]).strip().strip("<>").partition("@")[0])


class MailboxTransport:
    def __init__(self, base_url: str) -> None:
        announce(base_url)

    async def send(self, message: EmailMessage, recipient: str) -> None:
        row = DemoMail(
            id=outbox_id(message),
            recipient=str(message.get("To", recipient)),
            subject=str(message.get("Subject", "")),
            message=bytes(message),
            delivered_at=utcnow(),
        )
        # A re-delivery (the sender died before recording the first) replaces the row.
        await DemoMail.insert(row).on_conflict(
            target=DemoMail.id,
            action="DO UPDATE",
            values=[DemoMail.recipient, DemoMail.subject, DemoMail.message, DemoMail.delivered_at],
        )


class MailboxEntry(msgspec.Struct, frozen=True):
    name: str
    date: str
    recipient: str
    subject: str
    text: str
    links: list[str]


def parse(raw: bytes) -> EmailMessage:
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)  # what policy.default makes
    return message


def _entry(row: dict) -> MailboxEntry:
    message = parse(bytes(row["message"]))
    body = message.get_body(preferencelist=("plain",))
    text = body.get_content() if isinstance(body, EmailMessage) else ""
    return MailboxEntry(
        name=f"{row['id']}.eml",
        date=str(message.get("Date", "")),
        recipient=row["recipient"],
        subject=row["subject"],
        text=text,
        links=list(dict.fromkeys(_LINK.findall(text))),
    )


async def list_entries(limit: int = 200) -> list[MailboxEntry]:
    """The newest `limit` messages, newest first."""
    rows = (
        await DemoMail.select()
        .order_by(DemoMail.delivered_at, ascending=False)
        .order_by(DemoMail.id, ascending=False)
        .limit(limit)
    )
    return [_entry(row) for row in rows]


async def find_raw(name: str) -> bytes | None:
    """The message named `name` (<outbox id>.eml) as it was sent, or None."""
    match = NAME.match(name)
    if match is None:
        return None
    row = await DemoMail.select(DemoMail.message).where(DemoMail.id == uuid.UUID(match[1])).first()
    return bytes(row["message"]) if row else None


async def find_entry(name: str) -> MailboxEntry | None:
    match = NAME.match(name)
    if match is None:
        return None
    row = await DemoMail.select().where(DemoMail.id == uuid.UUID(match[1])).first()
    return _entry(row) if row else None
