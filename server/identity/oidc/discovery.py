"""A provider's published configuration (`.well-known/openid-configuration`) and its
signing keys (JWKS), fetched when first needed and kept in this process's memory.

Each server process keeps its own copies (several processes each fetch once an hour:
nothing to share). A token signed with a key we do not hold makes us fetch the keys
again once (the provider rotated them), at most once a minute per provider, so a
flood of tokens with made-up key ids cannot make us hammer the provider."""

from __future__ import annotations

import asyncio

import httpx
import msgspec
from joserfc.jwk import KeySet

from server.clock import current_clock
from server.identity.oidc.config import ProviderConfig
from server.identity.oidc.provider_http import (
    ProviderUnavailable,
    deadline,
    failure,
    provider_client,
)

# How long a provider's configuration and keys are trusted before being fetched again.
METADATA_TTL_SECONDS = 3600.0
JWKS_TTL_SECONDS = 3600.0
# The shortest time between two key fetches caused by an unknown key id.
JWKS_REFETCH_SECONDS = 60.0


class ProviderMetadata(msgspec.Struct, frozen=True):
    """The fields of an OpenID provider's configuration that the sign-in uses."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str = ""
    id_token_signing_alg_values_supported: tuple[str, ...] = ("RS256",)
    token_endpoint_auth_methods_supported: tuple[str, ...] = ("client_secret_basic",)
    code_challenge_methods_supported: tuple[str, ...] = ()


async def fetch_json(url: str, seconds: float) -> bytes:
    try:
        async with deadline(url, seconds), provider_client(seconds) as http:
            response = await http.get(url, headers={"Accept": "application/json"})
    except httpx.HTTPError as exc:
        raise ProviderUnavailable(failure(url, exc)) from None
    if response.status_code != 200:
        raise ProviderUnavailable(f"{url}: HTTP {response.status_code}")
    return response.content


class _Entry:
    def __init__(self) -> None:
        self.metadata: ProviderMetadata | None = None
        self.metadata_at = 0.0
        self.keys: KeySet | None = None
        self.keys_at = 0.0
        # When an unknown key id last made us fetch the keys (None: never).
        self.refetched_at: float | None = None
        self.lock = asyncio.Lock()


class DiscoveryCache:
    """One application's copies of each provider's configuration and keys."""

    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}

    def _entry(self, provider: ProviderConfig) -> _Entry:
        return self._entries.setdefault(provider.name, _Entry())

    async def metadata(self, provider: ProviderConfig) -> ProviderMetadata:
        entry = self._entry(provider)
        now = current_clock().monotonic()
        if entry.metadata is not None and now - entry.metadata_at < METADATA_TTL_SECONDS:
            return entry.metadata
        async with entry.lock:
            if entry.metadata is None or now - entry.metadata_at >= METADATA_TTL_SECONDS:
                entry.metadata = await _discover(provider)
                entry.metadata_at = current_clock().monotonic()
            return entry.metadata

    async def keys(self, provider: ProviderConfig, kid: str | None = None) -> KeySet:
        """The provider's keys; fetched anew when stale, or when `kid` is not among
        them, unless an unknown key id already did so in the last JWKS_REFETCH_SECONDS."""
        entry = self._entry(provider)
        async with entry.lock:
            now = current_clock().monotonic()
            stale = entry.keys is None or now - entry.keys_at >= JWKS_TTL_SECONDS
            unknown = kid is not None and entry.keys is not None and not _holds(entry.keys, kid)
            if unknown and not stale:
                if (
                    entry.refetched_at is not None
                    and now - entry.refetched_at < JWKS_REFETCH_SECONDS
                ):
                    unknown = False  # refetched a moment ago: the kid is made up
                else:
                    entry.refetched_at = now
            keys = entry.keys
            if keys is None or stale or unknown:
                metadata = entry.metadata or await _discover(provider)
                keys = await _fetch_keys(provider, metadata)
                entry.keys, entry.keys_at = keys, current_clock().monotonic()
            return keys

    def forget(self, provider: ProviderConfig) -> None:
        self._entries.pop(provider.name, None)


def _holds(keys: KeySet, kid: str) -> bool:
    return any(key.kid == kid for key in keys.keys)


async def _discover(provider: ProviderConfig) -> ProviderMetadata:
    url = provider.issuer.rstrip("/") + "/.well-known/openid-configuration"
    raw = await fetch_json(url, provider.timeout_seconds)
    try:
        metadata = msgspec.json.decode(raw, type=ProviderMetadata)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise ProviderUnavailable(f"{url}: {exc}") from None
    # OpenID Connect Discovery §4.3: the issuer must be exactly the one configured, or
    # tokens from another issuer could be passed off as this one's.
    if metadata.issuer != provider.issuer:
        raise ProviderUnavailable(
            f"{url}: issuer {metadata.issuer!r} is not the configured {provider.issuer!r}"
        )
    for name in ("authorization_endpoint", "token_endpoint", "jwks_uri", "userinfo_endpoint"):
        endpoint = getattr(metadata, name)
        if (endpoint or name != "userinfo_endpoint") and not _web_url(endpoint, provider.issuer):
            raise ProviderUnavailable(f"{url}: {name} {endpoint!r} is not an http(s) URL")
    return metadata


def _web_url(value: str, issuer: str) -> bool:
    """An absolute http(s) URL (https when the issuer is): the browser is sent to the
    authorization endpoint, where a `javascript:` URL would run in the app's origin."""
    try:
        url = httpx.URL(value)
    except httpx.InvalidURL:
        return False
    schemes = ("https",) if issuer.startswith("https://") else ("http", "https")
    return url.scheme in schemes and bool(url.host)


async def _fetch_keys(provider: ProviderConfig, metadata: ProviderMetadata) -> KeySet:
    raw = await fetch_json(metadata.jwks_uri, provider.timeout_seconds)
    try:
        document = msgspec.json.decode(raw)
        # Only public keys are of use; a symmetric ("oct") key in a JWKS is never
        # trusted (it would let anyone who read the JWKS sign tokens).
        public = [k for k in document.get("keys", []) if k.get("kty") in ("RSA", "EC", "OKP")]
        return KeySet.import_key_set({"keys": public})
    except Exception as exc:  # a JWKS we cannot read is the provider's fault, not ours
        raise ProviderUnavailable(f"{metadata.jwks_uri}: {exc}") from None
