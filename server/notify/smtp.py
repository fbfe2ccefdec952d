"""Delivery to an SMTP server with aiosmtplib, configured by the MOTCUA_SMTP_* settings."""

from __future__ import annotations

import asyncio
from email.message import EmailMessage

import aiosmtplib

from server.notify.compose import sender_address
from server.notify.transport import DeliveryError
from server.settings import Settings

# Per SMTP command, and for the whole conversation of one message. The worker's
# lease is sized from SEND_TIMEOUT so a slow send never outlives its claim.
COMMAND_TIMEOUT = 20.0
SEND_TIMEOUT = 60.0


class SmtpTransport:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._sender = sender_address(settings.mail_from)

    async def send(self, message: EmailMessage, recipient: str) -> None:
        s = self._settings
        try:
            async with asyncio.timeout(SEND_TIMEOUT):
                await aiosmtplib.send(
                    message,
                    sender=self._sender,
                    recipients=[recipient],
                    hostname=s.smtp_host,
                    port=s.smtp_port,
                    username=s.smtp_username or None,
                    password=s.smtp_password or None,
                    use_tls=s.smtp_security == "tls",
                    # False, not None: never upgrade unasked, never skip when asked.
                    start_tls=s.smtp_security == "starttls",
                    timeout=COMMAND_TIMEOUT,
                )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            raise DeliveryError(
                "; ".join(f"{r.code} {r.message}" for r in exc.recipients),
                permanent=all(500 <= c < 600 for c in codes),
            ) from exc
        except (aiosmtplib.SMTPRecipientRefused, aiosmtplib.SMTPDataError) as exc:
            # About this message: a 5xx will not change on retry, a 4xx may.
            raise DeliveryError(
                f"{exc.code} {exc.message}", permanent=500 <= exc.code < 600
            ) from exc
        except aiosmtplib.SMTPResponseException as exc:
            # Greeting, HELO, AUTH, MAIL FROM: the server or our configuration, not
            # this message; retried, as someone may fix the configuration.
            raise DeliveryError(f"{exc.code} {exc.message}", connection=True) from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise DeliveryError(f"{type(exc).__name__}: {exc}", connection=True) from exc
