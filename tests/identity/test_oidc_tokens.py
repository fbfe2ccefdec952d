"""The ID token checks on real tokens from the local provider: tampered, issued to
another client, with another nonce, expired, unsigned or HMAC-signed, and with a key
id nobody published (which fetches the provider's keys once, not on every token)."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import AsyncIterator

import httpx
import msgspec
import pytest
from joserfc import jwt
from joserfc.jwk import OctKey

from harness.oidc_provider import OidcProvider, obtain_tokens
from server.clock import SettableClock, clock_in_use
from server.identity.oidc.config import ProviderConfig
from server.identity.oidc.discovery import DiscoveryCache
from server.identity.oidc.id_token import TokenInvalid, verify_id_token
from server.identity.oidc.provider_http import ProviderUnavailable
from tests.identity.oidc_support import vneid


@pytest.fixture
async def checker(
    oidc_provider: OidcProvider,
) -> AsyncIterator[tuple[ProviderConfig, DiscoveryCache]]:
    yield vneid(oidc_provider.issuer), DiscoveryCache()


async def check(
    checker: tuple[ProviderConfig, DiscoveryCache], token: str, nonce: str, **overrides
) -> dict:
    config, cache = checker
    if overrides:
        config = msgspec.structs.replace(config, **overrides)
    return await verify_id_token(token, config, await cache.metadata(config), cache, nonce)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _flip(part: str) -> str:
    raw = bytearray(_unb64(part))
    raw[len(raw) // 2] ^= 0x01
    return _b64(bytes(raw))


async def test_a_real_token_passes_every_check(checker, oidc_provider: OidcProvider) -> None:
    tokens = obtain_tokens(oidc_provider, "motcua", "an")
    claims = await check(checker, tokens["id_token"], tokens["nonce"])
    assert claims["sub"] == "3f2b9c1e-7a54-4d0e-9b8f-1c6a2e5d7f01"
    assert claims["iss"] == oidc_provider.issuer


async def test_a_tampered_payload_or_signature_is_refused(
    checker, oidc_provider: OidcProvider
) -> None:
    tokens = obtain_tokens(oidc_provider, "motcua", "an")
    header, payload, signature = tokens["id_token"].split(".")
    # A byte of the payload flipped (the claims say something else now).
    with pytest.raises(TokenInvalid, match="signature"):
        await check(checker, f"{header}.{_flip(payload)}.{signature}", tokens["nonce"])
    # A byte of the signature flipped.
    with pytest.raises(TokenInvalid, match="signature"):
        await check(checker, f"{header}.{payload}.{_flip(signature)}", tokens["nonce"])
    # A readable payload with another person's ID number, the signature kept.
    claims = json.loads(_unb64(payload))
    claims["personal_id_number"] = "079301007356"
    forged = _b64(json.dumps(claims).encode())
    with pytest.raises(TokenInvalid, match="signature"):
        await check(checker, f"{header}.{forged}.{signature}", tokens["nonce"])


async def test_a_token_issued_to_another_client_is_refused(
    checker, oidc_provider: OidcProvider
) -> None:
    tokens = obtain_tokens(oidc_provider, "other-app", "an")
    with pytest.raises(TokenInvalid, match="aud"):
        await check(checker, tokens["id_token"], tokens["nonce"])


async def test_another_issuer_is_refused(checker, oidc_provider: OidcProvider) -> None:
    tokens = obtain_tokens(oidc_provider, "motcua", "an")
    config, cache = checker
    metadata = await cache.metadata(config)
    other = msgspec.structs.replace(metadata, issuer="https://vneid.example")
    with pytest.raises(TokenInvalid, match="iss"):
        await verify_id_token(tokens["id_token"], config, other, cache, tokens["nonce"])


async def test_a_token_for_another_sign_in_is_refused_by_its_nonce(
    checker, oidc_provider: OidcProvider
) -> None:
    tokens = obtain_tokens(oidc_provider, "motcua", "an", nonce="the-other-attempt")
    with pytest.raises(TokenInvalid, match="nonce"):
        await check(checker, tokens["id_token"], "this-attempt")


async def test_an_expired_token_is_refused_past_the_leeway(
    checker, oidc_provider: OidcProvider
) -> None:
    tokens = obtain_tokens(oidc_provider, "motcua", "an")
    exp = json.loads(_unb64(tokens["id_token"].split(".")[1]))["exp"]
    at_exp = dt.datetime.fromtimestamp(exp, dt.UTC)
    with clock_in_use(SettableClock(at_exp + dt.timedelta(seconds=30))):
        # Within the provider's leeway (60 s by default): still good.
        await check(checker, tokens["id_token"], tokens["nonce"])
        with pytest.raises(TokenInvalid, match="exp"):
            await check(checker, tokens["id_token"], tokens["nonce"], leeway_seconds=0)
    with (
        clock_in_use(SettableClock(at_exp + dt.timedelta(seconds=61))),
        pytest.raises(TokenInvalid, match="exp"),
    ):
        await check(checker, tokens["id_token"], tokens["nonce"])


async def test_a_token_from_the_future_is_refused(checker, oidc_provider: OidcProvider) -> None:
    tokens = obtain_tokens(oidc_provider, "motcua", "an")
    iat = json.loads(_unb64(tokens["id_token"].split(".")[1]))["iat"]
    early = dt.datetime.fromtimestamp(iat, dt.UTC) - dt.timedelta(minutes=5)
    with clock_in_use(SettableClock(early)), pytest.raises(TokenInvalid, match="future"):
        await check(checker, tokens["id_token"], tokens["nonce"])


async def test_unsigned_and_hmac_tokens_are_refused(checker, oidc_provider: OidcProvider) -> None:
    tokens = obtain_tokens(oidc_provider, "motcua", "an")
    _, payload, _ = tokens["id_token"].split(".")
    none_header = _b64(json.dumps({"alg": "none", "kid": oidc_provider.kid}).encode())
    with pytest.raises(TokenInvalid, match="algorithm"):
        await check(checker, f"{none_header}.{payload}.", tokens["nonce"])
    # HS256 with the provider's public key as the shared secret (the classic confusion).
    jwks = oidc_provider.discovery()["jwks_uri"]
    async with httpx.AsyncClient() as http:
        public = json.dumps((await http.get(jwks)).json()["keys"][0]).encode()
    forged = jwt.encode(
        {"alg": "HS256", "kid": oidc_provider.kid},
        json.loads(_unb64(payload)),
        OctKey.import_key(public),
    )
    with pytest.raises(TokenInvalid, match="algorithm"):
        await check(checker, forged, tokens["nonce"])
    with pytest.raises(TokenInvalid, match="not a signed JWT"):
        await check(checker, "not-a-token", tokens["nonce"])


async def test_an_unknown_key_id_fetches_the_keys_again_at_most_once_a_minute(
    checker, oidc_provider: OidcProvider
) -> None:
    _, cache = checker
    clock = SettableClock(dt.datetime.now(dt.UTC))
    fetches: list[str] = []
    original = cache.keys

    async def counting(provider, kid=None):
        entry = cache._entries.get(provider.name)
        before = entry.keys if entry else None
        keys = await original(provider, kid)
        if keys is not before:  # a new key set: fetched from the provider
            fetches.append(kid or "")
        return keys

    cache.keys = counting  # type: ignore[method-assign]  # counts the real fetches
    with clock_in_use(clock):
        tokens = obtain_tokens(oidc_provider, "motcua", "an")
        await check(checker, tokens["id_token"], tokens["nonce"])
        assert fetches == [oidc_provider.kid]  # the first token fetches the keys
        header, payload, signature = tokens["id_token"].split(".")
        made_up = json.loads(_unb64(header)) | {"kid": "made-up"}
        forged = f"{_b64(json.dumps(made_up).encode())}.{payload}.{signature}"
        for _ in range(5):
            with pytest.raises(TokenInvalid):
                await check(checker, forged, tokens["nonce"])
        # One more fetch for a flood of made-up key ids.
        assert fetches == [oidc_provider.kid, "made-up"]
        # The provider rotates its key within that minute: its new kid must wait...
        oidc_provider.restart(rotate_keys=True)
        rotated = obtain_tokens(oidc_provider, "motcua", "an")
        with pytest.raises(TokenInvalid):
            await check(checker, rotated["id_token"], rotated["nonce"])
        assert len(fetches) == 2
        # ...until the minute is over; then the keys are fetched and the token passes.
        clock.advance(dt.timedelta(seconds=61))
        await check(checker, rotated["id_token"], rotated["nonce"])
        assert fetches[2:] == [oidc_provider.kid]


async def test_a_provider_claiming_another_issuer_is_unavailable(
    oidc_provider: OidcProvider,
) -> None:
    # The configured issuer differs from the one the provider publishes (a trailing
    # slash is a different issuer: the comparison is exact).
    config = vneid(oidc_provider.issuer + "/")
    with pytest.raises(ProviderUnavailable, match="issuer"):
        await DiscoveryCache().metadata(config)
