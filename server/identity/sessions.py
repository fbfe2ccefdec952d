"""Server-side sessions behind an HttpOnly cookie: revocable, with idle and
absolute timeouts."""

from __future__ import annotations

import datetime as dt
import uuid

from server.clock import utcnow
from server.identity.tables import Account, Session
from server.identity.tokens import digest, new_secret
from server.settings import Settings

COOKIE = "motcua_session"
CSRF_HEADER = "x-csrf-token"
# Writing last_seen on every request would make every read a write.
_TOUCH_EVERY = dt.timedelta(minutes=1)


async def create_session(
    settings: Settings, account_id: uuid.UUID, method: str, ip: str, user_agent: str
) -> tuple[str, str]:
    """Returns (cookie token, CSRF token)."""
    token, csrf = new_secret(), new_secret()
    now = utcnow()
    await Session.insert(
        Session(
            token_hash=digest(token),
            account_id=account_id,
            csrf_token=csrf,
            method=method,
            created_at=now,
            last_seen_at=now,
            expires_at=now + dt.timedelta(hours=settings.session_absolute_hours),
            ip=ip[:64],
            user_agent=user_agent[:300],
        )
    )
    return token, csrf


async def session_account(settings: Settings, token: str) -> tuple[dict, dict] | None:
    """The live session and its account, or None when unknown, revoked or expired."""
    token_hash = digest(token)
    s = await Session.select().where(Session.token_hash == token_hash).first()
    if s is None or s["revoked_at"] is not None:
        return None
    now = utcnow()
    idle_limit = s["last_seen_at"] + dt.timedelta(minutes=settings.session_idle_minutes)
    if now >= s["expires_at"] or now >= idle_limit:
        return None
    account = await Account.select().where(Account.id == s["account_id"]).first()
    if account is None:
        return None
    if now - s["last_seen_at"] >= _TOUCH_EVERY:
        await Session.update({Session.last_seen_at: now}).where(Session.token_hash == token_hash)
    return s, account


async def revoke_session(token_hash: str) -> None:
    await Session.update({Session.revoked_at: utcnow()}).where(
        (Session.token_hash == token_hash) & Session.revoked_at.is_null()
    )


async def revoke_all_sessions(account_id: uuid.UUID) -> int:
    rows = (
        await Session.update({Session.revoked_at: utcnow()})
        .where((Session.account_id == account_id) & Session.revoked_at.is_null())
        .returning(Session.token_hash)
    )
    return len(rows)
