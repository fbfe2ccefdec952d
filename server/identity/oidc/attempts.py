"""The trips to a provider under way (table oidc_attempt): made at start, taken once at
the callback. Only hashes of the `state` and of the browser's cookie are stored."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid

import msgspec

from server.clock import utcnow
from server.identity.tables import OidcAttempt
from server.identity.tokens import digest, new_secret, same

ATTEMPT_MINUTES = 10
# The browser's half of an attempt, set at start and checked at the callback.
COOKIE = "motcua_oidc"
COOKIE_PATH = "/api/auth/oidc"


class NewAttempt(msgspec.Struct, frozen=True):
    state: str
    nonce: str
    code_verifier: str
    browser_secret: str


class TakenAttempt(msgspec.Struct, frozen=True):
    provider: str
    nonce: str
    code_verifier: str
    purpose: str
    account_id: uuid.UUID | None
    return_to: str


class AttemptRefused(Exception):
    """`code`: state_invalid or browser_mismatch."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


async def create_attempt(
    provider: str, purpose: str, account_id: uuid.UUID | None, return_to: str
) -> NewAttempt:
    attempt = NewAttempt(
        state=new_secret(),
        nonce=new_secret(),
        # RFC 7636 §4.1: 43 to 128 characters of the unreserved set (64 here).
        code_verifier=secrets.token_urlsafe(48),
        browser_secret=new_secret(),
    )
    now = utcnow()
    await OidcAttempt.insert(
        OidcAttempt(
            state_hash=digest(attempt.state),
            provider=provider,
            nonce=attempt.nonce,
            code_verifier=attempt.code_verifier,
            browser_hash=digest(attempt.browser_secret),
            purpose=purpose,
            account_id=account_id,
            return_to=return_to,
            created_at=now,
            expires_at=now + dt.timedelta(minutes=ATTEMPT_MINUTES),
        )
    )
    # Attempts never finished are not kept past their use: a day is plenty of trace.
    await OidcAttempt.delete().where(OidcAttempt.expires_at < now - dt.timedelta(days=1))
    return attempt


async def take_attempt(provider: str, state: str, browser_secret: str) -> TakenAttempt:
    """Marks the attempt used, whatever comes next: the same state never completes
    twice. Run in its own transaction, committed before the provider is asked anything."""
    now = utcnow()
    state_hash = digest(state)
    # One conditional UPDATE: of two concurrent callbacks with the same state, one wins.
    rows = (
        await OidcAttempt.update({OidcAttempt.used_at: now})
        .where(
            (OidcAttempt.state_hash == state_hash)
            & (OidcAttempt.provider == provider)
            & OidcAttempt.used_at.is_null()
            & (OidcAttempt.expires_at > now)
        )
        .returning(
            OidcAttempt.browser_hash,
            OidcAttempt.nonce,
            OidcAttempt.code_verifier,
            OidcAttempt.purpose,
            OidcAttempt.account_id,
            OidcAttempt.return_to,
        )
    )
    if not rows:
        raise AttemptRefused("state_invalid")
    row = rows[0]
    if not browser_secret or not same(digest(browser_secret), row["browser_hash"]):
        # Raised inside the caller's transaction, which rolls the mark back: a callback
        # sent to another browser spends nothing, and the right browser may still finish.
        raise AttemptRefused("browser_mismatch")
    account_id = row["account_id"]
    if isinstance(account_id, str):  # SQLite hands RETURNING values back as text
        account_id = uuid.UUID(account_id)
    return TakenAttempt(
        provider=provider,
        nonce=row["nonce"],
        code_verifier=row["code_verifier"],
        purpose=row["purpose"],
        account_id=account_id,
        return_to=row["return_to"],
    )
