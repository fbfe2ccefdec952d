"""One-time links for activation, password reset and official enrollment."""

from __future__ import annotations

import datetime as dt
import uuid

from server.clock import utcnow
from server.identity.tables import OneTimeToken
from server.identity.tokens import digest, new_secret
from server.problems import FieldError, ProblemError

LIFETIMES = {
    "activation": dt.timedelta(hours=24),
    "password_reset": dt.timedelta(hours=1),
    "enrollment": dt.timedelta(days=7),
}
PAGES = {"activation": "/activate", "password_reset": "/reset-password", "enrollment": "/enroll"}


async def issue_link(base_url: str, purpose: str, account_id: uuid.UUID) -> str:
    token = new_secret()
    now = utcnow()
    await OneTimeToken.insert(
        OneTimeToken(
            token_hash=digest(token),
            purpose=purpose,
            account_id=account_id,
            created_at=now,
            expires_at=now + LIFETIMES[purpose],
        )
    )
    return f"{base_url}{PAGES[purpose]}?token={token}"


async def peek_link(purpose: str, token: str) -> uuid.UUID:
    """The account a live link belongs to, without using it up."""
    row = (
        await OneTimeToken.select()
        .where((OneTimeToken.token_hash == digest(token)) & (OneTimeToken.purpose == purpose))
        .first()
    )
    return _check(row, purpose)["account_id"]


async def use_link(purpose: str, token: str) -> uuid.UUID:
    """Marks the link used (once, even under concurrent clicks) and returns its account."""
    now = utcnow()
    rows = (
        await OneTimeToken.update({OneTimeToken.used_at: now})
        .where(
            (OneTimeToken.token_hash == digest(token))
            & (OneTimeToken.purpose == purpose)
            & OneTimeToken.used_at.is_null()
            & (OneTimeToken.expires_at > now)
        )
        .returning(OneTimeToken.account_id)
    )
    if rows:
        return rows[0]["account_id"]
    row = (
        await OneTimeToken.select()
        .where((OneTimeToken.token_hash == digest(token)) & (OneTimeToken.purpose == purpose))
        .first()
    )
    _check(row, purpose)
    raise AssertionError("unreachable")


def _check(row: dict | None, purpose: str) -> dict:
    """The row of a live link; a problem for an unknown, used or expired one."""
    if row is None:
        raise ProblemError(
            400,
            "link_invalid",
            errors=[FieldError(path="token", message="unknown", code="link_invalid")],
        )
    if row["used_at"] is not None:
        raise ProblemError(
            410, "link_used", errors=[FieldError(path="token", message="used", code="link_used")]
        )
    if row["expires_at"] <= utcnow():
        raise ProblemError(
            410,
            "link_expired",
            errors=[FieldError(path="token", message="expired", code="link_expired")],
        )
    return row


async def invalidate_links(purpose: str, account_id: uuid.UUID) -> None:
    """Older links stop working once a newer one is sent or one is used."""
    await OneTimeToken.update({OneTimeToken.used_at: utcnow()}).where(
        (OneTimeToken.account_id == account_id)
        & (OneTimeToken.purpose == purpose)
        & OneTimeToken.used_at.is_null()
    )
