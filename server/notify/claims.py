"""The outbox's state changes: claim due messages under a lease, then record each
outcome. Safe with any number of senders in any number of processes."""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

import msgspec
from piccolo.engine.base import Engine

from server.clock import utcnow
from server.database import write_transaction
from server.notify.tables import OutboxMessage
from server.notify.transport import DeliveryError
from server.observability.metrics import DELIVERY_FAILURES

BACKOFF_BASE = 5.0
BACKOFF_CAP = 3600.0
M = OutboxMessage


class Claimed(msgspec.Struct, frozen=True):
    id: uuid.UUID
    recipient: str
    template: str
    language: str
    params: str
    created_at: datetime
    attempts: int  # including this one


def backoff(attempts: int) -> timedelta:
    """Wait before the next try after `attempts` failed ones: 5 s, 10 s, 20 s, ...
    up to an hour, with jitter so that many processes recovering from the same
    outage do not all retry in step."""
    delay = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** max(0, attempts - 1))
    return timedelta(seconds=delay * random.uniform(0.75, 1.0))


def _due(now: datetime, channel: str):
    # Waiting for its time, or held under a lease that ran out (its sender died);
    # each channel (email, sms) has its own senders.
    return (M.channel == channel) & (
        ((M.status == "pending") & (M.next_attempt_at <= now))
        | ((M.status == "sending") & (M.claimed_until < now))
    )


async def claim(
    engine: Engine,
    now: datetime,
    limit: int,
    lease: timedelta,
    max_attempts: int,
    channel: str = "email",
) -> tuple[uuid.UUID, list[Claimed]]:
    """Take up to `limit` due messages of `channel` for this sender; returns the claim
    token and the messages. Messages whose attempts are used up are marked failed instead."""
    token = uuid.uuid4()
    # A plain read first: an idle outbox must not take SQLite's write lock every poll.
    if not await M.exists().where(_due(now, channel)):
        return token, []
    async with write_transaction(engine):
        query = (
            M.select(M.id, M.recipient, M.template, M.language, M.params, M.created_at, M.attempts)
            .where(_due(now, channel))
            .order_by(M.next_attempt_at)
            .limit(limit)
        )
        if engine.engine_type == "postgres":
            # Rows another sender holds are skipped, not waited for. (SQLite: the
            # IMMEDIATE transaction already excludes every other writer.)
            query = query.lock_rows("UPDATE", skip_locked=True)
        rows = await query
        exhausted = [r["id"] for r in rows if r["attempts"] >= max_attempts]
        taken = [r for r in rows if r["attempts"] < max_attempts]
        if exhausted:
            await M.update(
                {
                    M.status: "failed",
                    M.claimed_until: None,
                    M.claim_token: None,
                    M.last_error: "the last attempt was interrupted (its lease ran out); none left",
                }
            ).where(M.id.is_in(exhausted))
        if taken:
            await M.update(
                {
                    M.status: "sending",
                    M.claimed_until: now + lease,
                    M.claim_token: token,
                    M.attempts: M.attempts + 1,
                }
            ).where(M.id.is_in([r["id"] for r in taken]))
    return token, [
        Claimed(
            id=_uuid(r["id"]),
            recipient=r["recipient"],
            template=r["template"],
            language=r["language"],
            params=r["params"],
            created_at=r["created_at"],
            attempts=r["attempts"] + 1,
        )
        for r in taken
    ]


async def mark_sent(message_id: uuid.UUID, token: uuid.UUID, now: datetime) -> bool:
    """False when the lease was lost to another sender (who then owns the outcome)."""
    done = (
        await M.update(
            {
                M.status: "sent",
                M.sent_at: now,
                M.claimed_until: None,
                M.claim_token: None,
                M.last_error: "",
            }
        )
        .where((M.id == message_id) & (M.claim_token == token))
        .returning(M.id)
    )
    return bool(done)


async def mark_failed(
    message_id: uuid.UUID,
    token: uuid.UUID,
    now: datetime,
    *,
    attempts: int,
    max_attempts: int,
    error: str,
    permanent: bool,
) -> str:
    """Schedule the next try, or give up; returns the new status."""
    give_up = permanent or attempts >= max_attempts
    values: dict = {M.claimed_until: None, M.claim_token: None, M.last_error: error[:2000]}
    if give_up:
        values[M.status] = "failed"
    else:
        values[M.status] = "pending"
        values[M.next_attempt_at] = now + backoff(attempts)
    await M.update(values).where((M.id == message_id) & (M.claim_token == token))
    return "failed" if give_up else "pending"


def _uuid(value: object) -> uuid.UUID:
    return value if type(value) is uuid.UUID else uuid.UUID(str(value))


def lease_for(limit: int, send_timeout: float) -> timedelta:
    """Long enough for every message of a batch to time out in turn, so a slow but
    living sender keeps its claim; short enough that a dead one's messages are
    picked up again within minutes."""
    return timedelta(seconds=60 + limit * send_timeout)


async def deliver_pass(
    engine: Engine,
    *,
    channel: str,
    now: datetime | None,
    limit: int,
    send_timeout: float,
    max_attempts: int,
    attempt: Callable[[Claimed], Awaitable[DeliveryError | None]],
    log: logging.Logger,
    what: str,
    shown: Callable[[str], str] = lambda recipient: recipient,
) -> int:
    """One pass over a channel, the same for email and SMS: claim up to `limit` due
    messages, try each with `attempt`, record each outcome under the claim; returns
    how many were sent. After a connection failure the rest of the batch is recorded
    as failed too rather than each waiting out a timeout. `now` (UTC) lets tests move
    the clock; `what` and `shown` name the message and its recipient in the log."""
    token, batch = await claim(
        engine,
        now or utcnow(),
        limit,
        lease_for(limit, send_timeout),
        max_attempts,
        channel=channel,
    )
    sent = 0
    broken: DeliveryError | None = None
    for item in batch:
        error = broken or await attempt(item)
        if error is not None and error.connection:
            broken = error
        done_at = now or utcnow()
        if error is None:
            if await mark_sent(item.id, token, done_at):
                sent += 1
            else:
                log.warning("%s %s: lease lost before it was marked sent", what, item.id)
            continue
        status = await mark_failed(
            item.id,
            token,
            done_at,
            attempts=item.attempts,
            max_attempts=max_attempts,
            error=str(error),
            permanent=error.permanent,
        )
        DELIVERY_FAILURES.labels(channel, "failed" if status == "failed" else "retry").inc()
        log.log(
            logging.ERROR if status == "failed" else logging.WARNING,
            "%s %s to %s, attempt %d: %s (now %s)",
            what,
            item.id,
            shown(item.recipient),
            item.attempts,
            error,
            status,
        )
    return sent
