"""The sender: passes over the outbox that claim due messages, deliver them and
record the outcome; and the background loop that runs them in each server process."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import datetime

from litestar import Litestar
from piccolo.engine.base import Engine

from server.clock import utcnow
from server.notify import claims
from server.notify.compose import compose
from server.notify.delivery import announce_held, mail_route
from server.notify.mailbox import MailboxTransport
from server.notify.render import render
from server.notify.schemas import decode_params, language_of
from server.notify.sms import deliver_due_sms, sms_transport_for
from server.notify.smtp import SEND_TIMEOUT, SmtpTransport
from server.notify.transport import DeliveryError, Transport
from server.settings import Settings

log = logging.getLogger("motcua.notify")
POLL_SECONDS = 1.0
BATCH = 10
# How long the worker waits at shutdown for a pass under way before cancelling it.
STOP_GRACE_SECONDS = 10.0
# Wake-up events of the loops running in this process, one per running app.
_wakers: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()


def transport_for(settings: Settings) -> Transport | None:
    """None when mail is not delivered at all (no SMTP host outside demo mode)."""
    route = mail_route(settings)
    if route == "smtp":
        return SmtpTransport(settings)
    if route == "mailbox":
        return MailboxTransport(settings.base_url)
    return None


async def deliver_due(
    engine: Engine,
    settings: Settings,
    limit: int,
    *,
    now: datetime | None = None,
    transport: Transport | None = None,
) -> int:
    """One pass over the email channel (SMS: server.notify.sms.deliver_due_sms):
    claim up to `limit` due messages, send them, record each outcome.
    Returns how many were sent. `engine` is the one the tables are bound to; `now`
    (UTC) lets tests move the clock instead of waiting. With no channel for mail
    (server.notify.delivery) nothing is claimed: the messages wait."""
    transport = transport or transport_for(settings)
    if transport is None:
        return 0
    return await claims.deliver_pass(
        engine,
        channel="email",
        now=now,
        limit=limit,
        send_timeout=SEND_TIMEOUT,
        max_attempts=settings.mail_max_attempts,
        attempt=lambda item: _attempt(item, settings, transport, now),
        log=log,
        what="outbox message",
    )


async def _attempt(
    item: claims.Claimed, settings: Settings, transport: Transport, now: datetime | None
) -> DeliveryError | None:
    try:
        rendered = render(decode_params(item.params), language_of(item.language))
        message = compose(
            item.id,
            item.recipient,
            rendered,
            mail_from=settings.mail_from,
            lang=item.language,
            date=now or utcnow(),
        )
    except Exception as exc:  # a template or data bug: this message is never sendable
        log.exception("outbox message %s cannot be rendered", item.id)
        return DeliveryError(f"{type(exc).__name__}: {exc}", permanent=True)
    try:
        await transport.send(message, item.recipient)
    except DeliveryError as exc:
        return exc
    except Exception as exc:  # e.g. the mailbox's disk is full: worth another try
        log.exception("outbox message %s: unexpected delivery error", item.id)
        return DeliveryError(f"{type(exc).__name__}: {exc}")
    return None


def notify_now() -> None:
    """Wake this process's senders now instead of at the next poll; call it after
    committing a transaction that enqueued mail."""
    for loop, event in list(_wakers):
        loop.call_soon_threadsafe(event.set)


async def _run(
    engine: Engine, settings: Settings, wake: asyncio.Event, stop: asyncio.Event
) -> None:
    transport = transport_for(settings)
    sms_transport = sms_transport_for(settings)
    try:
        while not stop.is_set():
            wake.clear()
            try:
                sent = (
                    await deliver_due(engine, settings, BATCH, transport=transport)
                    if transport
                    else 0
                )
            except Exception:
                # The database may be away for a moment; the loop must outlive it.
                log.exception("outbox pass failed")
                sent = 0
            # SMS: the same outbox and claims, channel "sms", its own transport.
            try:
                sms_sent = (
                    await deliver_due_sms(engine, settings, BATCH, transport=sms_transport)
                    if sms_transport
                    else 0
                )
            except Exception:
                log.exception("outbox SMS pass failed")
                sms_sent = 0
            if sent == BATCH or sms_sent == BATCH:
                continue  # more may be waiting
            with suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), POLL_SECONDS)
    finally:
        if sms_transport is not None:
            await sms_transport.aclose()


@asynccontextmanager
async def notify_worker(app: Litestar) -> AsyncIterator[None]:
    """Lifespan: run the sender in the background while the app runs. Needs
    app.state.engine and app.state.settings, so it comes after the database."""
    announce_held(app.state.settings)
    wake, stop = asyncio.Event(), asyncio.Event()
    waker = (asyncio.get_running_loop(), wake)
    task = asyncio.create_task(
        _run(app.state.engine, app.state.settings, wake, stop), name="outbox"
    )
    _wakers.add(waker)
    try:
        yield
    finally:
        _wakers.discard(waker)
        stop.set()
        wake.set()
        # Let a send under way finish and be recorded; a cut-off one is retried
        # by whichever process finds its lease expired.
        try:
            await asyncio.wait_for(asyncio.shield(task), STOP_GRACE_SECONDS)
        except TimeoutError:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
