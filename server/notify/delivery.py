"""Where outgoing mail and SMS go under these settings.

A real channel (an SMTP host, an SMS gateway) delivers. Without one, demo mode keeps
messages in the database, shown at /dev/mail and /dev/sms on every host. Outside demo
mode nothing is delivered at all: messages wait in the outbox until a channel is
configured. (A browsable mailbox on a real server hands anyone the password-reset
and enrollment links they ask for.)"""

from __future__ import annotations

import logging
from typing import Literal

from server.settings import Settings

log = logging.getLogger("motcua.notify")

MailRoute = Literal["smtp", "mailbox", "held"]
SmsRoute = Literal["gateway", "demo", "held"]


def mail_route(settings: Settings) -> MailRoute:
    if settings.smtp_host:
        return "smtp"
    return "mailbox" if settings.demo_mode else "held"


def sms_route(settings: Settings) -> SmsRoute:
    if settings.sms_gateway_url:
        return "gateway"
    return "demo" if settings.demo_mode else "held"


MAIL_HELD = (
    "NO MAIL IS DELIVERED: no SMTP host (MOTCUA_SMTP_HOST) and demo mode is off; "
    "activation, password-reset and enrollment mail waits in the outbox until one is set"
)
SMS_HELD = (
    "NO SMS IS DELIVERED: no SMS gateway (MOTCUA_SMS_GATEWAY_URL) and demo mode is off; "
    "SMS wait in the outbox until one is set"
)


def describe(settings: Settings) -> dict[str, str]:
    """One line per channel for `motcua check`."""
    mail = {
        "smtp": f"SMTP {settings.smtp_host}:{settings.smtp_port} ({settings.smtp_security})",
        "mailbox": f"kept in the database, shown at {settings.base_url}/dev/mail (demo mode)",
        "held": "NOT DELIVERED: no MOTCUA_SMTP_HOST and demo mode is off; mail waits in the outbox",
    }[mail_route(settings)]
    sms = {
        "gateway": f"gateway {settings.sms_gateway_url}",
        "demo": f"kept in the database, shown at {settings.base_url}/dev/sms (demo mode)",
        "held": "NOT DELIVERED: no MOTCUA_SMS_GATEWAY_URL and demo mode is off; SMS wait in the outbox",
    }[sms_route(settings)]
    return {"mail": mail, "sms": sms}


def announce_held(settings: Settings) -> None:
    """At every start: say plainly which channels deliver nothing."""
    if mail_route(settings) == "held":
        log.warning(MAIL_HELD)
    if sms_route(settings) == "held":
        log.warning(SMS_HELD)
