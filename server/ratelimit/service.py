"""Fixed-window counters in the database, so every server process counts alike."""

from __future__ import annotations

import datetime as dt
import math

import msgspec

from server.clock import utcnow
from server.problems import ProblemError
from server.ratelimit.tables import RateLimitBucket


class Limit(msgspec.Struct, frozen=True):
    hits: int
    seconds: int


# name -> limit; keys are "<name>:<scope>:<value>", scope being ip or account.
LIMITS: dict[str, Limit] = {
    "signin:ip": Limit(30, 300),
    "signin:account": Limit(10, 900),
    "register:ip": Limit(10, 3600),
    "activation_resend:ip": Limit(10, 3600),
    "activation_resend:account": Limit(3, 3600),
    "password_reset:ip": Limit(10, 3600),
    "password_reset:account": Limit(3, 3600),
    "lookup:ip": Limit(30, 60),
    "captcha:ip": Limit(60, 600),
    # Rendering a challenge's audio costs CPU (espeak-ng); a person needs it rarely.
    "captcha_audio:ip": Limit(10, 600),
    # Confirmations a citizen's submission sends to the contact its form names, which
    # may be anyone's number or address: capped per recipient and per account a day,
    # so dossiers cannot flood a phone or run up the SMS bill (the submission itself
    # always goes through; the code is in the app and on the receipt).
    "contact_message:recipient": Limit(5, 86400),
    "contact_message:account": Limit(30, 86400),
}

_UPSERT = """
INSERT INTO rate_limit_bucket (key, window_start, hits) VALUES ({}, {}, 1)
ON CONFLICT (key) DO UPDATE SET
    hits = CASE WHEN rate_limit_bucket.window_start <= {} THEN 1
                ELSE rate_limit_bucket.hits + 1 END,
    window_start = CASE WHEN rate_limit_bucket.window_start <= {} THEN {}
                ELSE rate_limit_bucket.window_start END
RETURNING hits, window_start
"""


def _aware(value: dt.datetime | str) -> dt.datetime:
    if isinstance(value, str):  # SQLite hands raw RETURNING values back as text
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


async def _count(name: str, value: str, now: dt.datetime) -> tuple[int, dt.datetime]:
    """Count one in `name`'s window for `value`: the hits so far and when the window began."""
    window_floor = now - dt.timedelta(seconds=LIMITS[name].seconds)
    rows = await RateLimitBucket.raw(
        _UPSERT, f"{name}:{value}"[:200], now, window_floor, window_floor, now
    )
    return rows[0]["hits"], _aware(rows[0]["window_start"])


async def within(name: str, value: str, now: dt.datetime | None = None) -> bool:
    """Count one; whether it is still within the limit (for work that is skipped, not
    refused, past the limit)."""
    hits, _ = await _count(name, value, now or utcnow())
    return hits <= LIMITS[name].hits


async def hit(name: str, value: str, now: dt.datetime | None = None) -> None:
    """Count one attempt; raise 429 with Retry-After once the window is full."""
    limit = LIMITS[name]
    now = now or utcnow()
    hits, started = await _count(name, value, now)
    if hits > limit.hits:
        retry = math.ceil((started + dt.timedelta(seconds=limit.seconds) - now).total_seconds())
        raise ProblemError(429, "too_many_requests", headers={"Retry-After": str(max(retry, 1))})


async def purge_stale(now: dt.datetime | None = None) -> None:
    now = now or utcnow()
    await RateLimitBucket.delete().where(RateLimitBucket.window_start < now - dt.timedelta(days=1))
