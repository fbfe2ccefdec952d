"""Turn a rendered message into a MIME email: multipart/alternative, UTF-8."""

from __future__ import annotations

import uuid
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, parseaddr

from server.notify.schemas import Rendered
from server.notify.subject import Subject


def sender_address(mail_from: str) -> str:
    return parseaddr(mail_from)[1] or "no-reply@localhost"


def message_id(outbox_id: uuid.UUID, mail_from: str) -> str:
    """Derived from the outbox id, so a message re-sent after a crash carries the
    same Message-ID and receiving systems can see it is the same message."""
    domain = sender_address(mail_from).rpartition("@")[2] or "localhost"
    return f"<{outbox_id}@{domain}>"


def compose(
    outbox_id: uuid.UUID,
    recipient: str,
    rendered: Rendered,
    *,
    mail_from: str,
    lang: str,
    date: datetime,
) -> EmailMessage:
    message = EmailMessage(policy=SMTP)
    message["From"] = mail_from
    message["To"] = recipient
    if rendered.subject.isascii():
        message["Subject"] = rendered.subject  # the policy folds plain ASCII well
    else:
        message["Subject"] = Subject(rendered.subject)  # RFC 2047, every character inside
    message["Date"] = format_datetime(date)
    message["Message-ID"] = message_id(outbox_id, mail_from)
    message["Content-Language"] = lang
    # RFC 3834: no vacation or out-of-office replies to a robot.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(rendered.text, charset="utf-8")
    message.add_alternative(rendered.html, subtype="html", charset="utf-8")
    return message
