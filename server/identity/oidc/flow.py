"""The sign-in with a provider, start to finish (authorization code flow with PKCE).

start: an attempt is stored (state, nonce, verifier, the browser's cookie hash) and the
browser is sent to the provider. callback: the attempt is taken once and checked
against the browser's cookie; the code is exchanged; the ID token and userinfo are
checked; then one write transaction binds the account, starts the session and writes
the audit. Whatever fails before that transaction commits leaves nothing behind but
the attempt marked used."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from piccolo.engine.base import Engine

from server.audit.service import record
from server.database import write_transaction
from server.identity.oidc import client
from server.identity.oidc.attempts import (
    NewAttempt,
    TakenAttempt,
    create_attempt,
)
from server.identity.oidc.binding import BindingRefused, Bound, bind_for_link, bind_for_sign_in
from server.identity.oidc.config import ProviderConfig
from server.identity.oidc.discovery import DiscoveryCache
from server.identity.oidc.facts import ClaimRefused, VerifiedFacts, verified_facts
from server.identity.oidc.id_token import TokenInvalid, verify_id_token
from server.identity.oidc.provider_http import ProviderUnavailable
from server.problems import ProblemError
from server.settings import Settings
from server.sql import dialect_of, transient_errors

log = logging.getLogger("motcua.oidc")


class SignInRefused(Exception):
    """The callback ends on the account page with `code` (oidc_error=…)."""

    def __init__(self, code: str, account_id: uuid.UUID | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.account_id = account_id


def find_provider(settings: Settings, name: str) -> ProviderConfig:
    for p in settings.oidc_providers:
        if p.name == name:
            return p
    raise ProblemError(404, "oidc_provider_unknown", detail=name)


async def start(
    engine: Engine,
    settings: Settings,
    cache: DiscoveryCache,
    provider: ProviderConfig,
    purpose: str,
    account_id: uuid.UUID | None,
    return_to: str,
    lang: str,
) -> tuple[str, NewAttempt]:
    """The authorization URL, and the attempt (its browser secret goes in a cookie)."""
    try:
        metadata = await cache.metadata(provider)
    except ProviderUnavailable as exc:
        log.warning("OpenID provider %s unavailable at start: %s", provider.name, exc)
        raise ProblemError(
            503,
            "provider_unavailable",
            detail=(
                f"{provider.label.vi} không phản hồi, vui lòng thử lại sau",
                f"{provider.label.en} is not answering, try again later",
            ),
            headers={"Retry-After": "60"},
        ) from None
    async with write_transaction(engine):
        attempt = await create_attempt(provider.name, purpose, account_id, return_to)
    url = client.authorization_url(
        provider,
        metadata,
        client.callback_uri(settings.base_url, provider),
        state=attempt.state,
        nonce=attempt.nonce,
        code_verifier=attempt.code_verifier,
        lang=lang,
    )
    return url, attempt


async def verify(
    settings: Settings,
    cache: DiscoveryCache,
    provider: ProviderConfig,
    attempt: TakenAttempt,
    code: str,
) -> VerifiedFacts:
    """What the provider verified about the person who came back with `code`."""
    try:
        metadata = await cache.metadata(provider)
        tokens = await client.exchange_code(
            provider,
            metadata,
            client.callback_uri(settings.base_url, provider),
            code,
            attempt.code_verifier,
        )
        id_token = tokens.get("id_token")
        access_token = tokens.get("access_token")
        if not isinstance(id_token, str) or not isinstance(access_token, str):
            raise TokenInvalid("the token response has no id_token or access_token")
        claims = await verify_id_token(id_token, provider, metadata, cache, attempt.nonce)
        info = await client.userinfo(provider, metadata, access_token)
    except ProviderUnavailable as exc:
        log.warning("OpenID provider %s unavailable at callback: %s", provider.name, exc)
        raise SignInRefused("provider_unavailable") from None
    except (TokenInvalid, client.TokenRefused) as exc:
        log.warning("OpenID provider %s: token refused: %s", provider.name, exc)
        raise SignInRefused("token_invalid", attempt.account_id) from None
    # OpenID Connect Core §5.3.2: userinfo's sub must be the ID token's, or its claims
    # may be another person's.
    if info and info.get("sub") != claims["sub"]:
        log.warning("OpenID provider %s: userinfo sub differs from the ID token's", provider.name)
        raise SignInRefused("token_invalid", attempt.account_id)
    merged: dict[str, Any] = {**claims, **info}
    try:
        return verified_facts(provider, claims["sub"], merged)
    except ClaimRefused as exc:
        log.warning("OpenID provider %s: %s", provider.name, exc)
        raise SignInRefused(exc.code, attempt.account_id) from None


async def bind(
    engine: Engine,
    provider: ProviderConfig,
    attempt: TakenAttempt,
    facts: VerifiedFacts,
    ip: str,
    then: Any,
) -> tuple[Bound, Any]:
    """Binds the account in one write transaction and, inside it, awaits
    `then(bound)` (the session and its audit), so all is stored or nothing is."""
    retried = False
    while True:
        try:
            async with write_transaction(engine):
                if attempt.purpose == "link" and attempt.account_id is not None:
                    bound = await bind_for_link(provider.name, facts, attempt.account_id, ip)
                else:
                    bound = await bind_for_sign_in(provider.name, facts, ip)
                return bound, await then(bound)
        except BindingRefused as exc:
            raise SignInRefused(exc.code, attempt.account_id) from None
        except transient_errors(dialect_of(engine)):
            # Two sign-ins crossed on a unique index (the same subject, ID number or
            # address at once): once again, and the second sees the first's rows and
            # answers with its conflict, or finds the account the first made.
            if retried:
                raise SignInRefused("identity_bound_elsewhere", attempt.account_id) from None
            retried = True


async def refusal_audit(
    engine: Engine, provider: str, code: str, account_id: uuid.UUID | None, ip: str
) -> None:
    async with write_transaction(engine):
        await record(
            "sign_in_refused",
            actor_id=account_id,
            target_kind="account" if account_id else "oidc",
            target_id=account_id or provider,
            ip=ip,
            detail={"reason": code, "method": "oidc", "provider": provider},
        )


def outcome_redirect(base_url: str, return_to: str, outcome: str) -> str:
    return f"{base_url.rstrip('/')}/#{return_to}?oidc={outcome}"


def refusal_redirect(base_url: str, code: str) -> str:
    return f"{base_url.rstrip('/')}/#/tai-khoan?oidc_error={code}"
