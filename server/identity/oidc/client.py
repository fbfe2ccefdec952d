"""Talking to a provider as its OAuth 2.0 client, through Authlib: the authorization
URL (with PKCE S256), the code exchange at the token endpoint, and userinfo."""

from __future__ import annotations

import warnings
from typing import Any

import httpx
from authlib.deprecate import AuthlibDeprecationWarning

from server.identity.oidc.config import ProviderConfig
from server.identity.oidc.discovery import ProviderMetadata
from server.identity.oidc.provider_http import (
    BoundedTransport,
    ProviderUnavailable,
    deadline,
    failure,
    provider_client,
)

with warnings.catch_warnings():
    # Authlib 1.9 prefers the `httpx2` package and warns when it falls back to httpx,
    # which is what motcua already uses (the fallback is its documented behaviour).
    # Its module adds an "always" filter when first imported, hence imported first.
    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.integrations.base_client.errors import OAuthError
    from authlib.integrations.httpx_client import AsyncOAuth2Client


class TokenRefused(Exception):
    """The token endpoint refused the code (used, expired, not ours): an OAuth error."""


def callback_uri(base_url: str, provider: ProviderConfig) -> str:
    return f"{base_url.rstrip('/')}/api/auth/oidc/{provider.name}/callback"


def _auth_method(provider: ProviderConfig, metadata: ProviderMetadata) -> str:
    """client_secret_basic when the provider takes it (the default of OAuth 2.0),
    else client_secret_post; a client without a secret is a public client (PKCE only)."""
    if not provider.secret():
        return "none"
    supported = metadata.token_endpoint_auth_methods_supported
    if "client_secret_basic" in supported or not supported:
        return "client_secret_basic"
    return "client_secret_post"


def _client(
    provider: ProviderConfig, metadata: ProviderMetadata, redirect_uri: str
) -> AsyncOAuth2Client:
    return AsyncOAuth2Client(
        client_id=provider.client_id,
        client_secret=provider.secret() or None,
        token_endpoint_auth_method=_auth_method(provider, metadata),
        scope=" ".join(provider.scopes),
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        timeout=provider.timeout_seconds,
        follow_redirects=False,
        transport=BoundedTransport(),
    )


def authorization_url(
    provider: ProviderConfig,
    metadata: ProviderMetadata,
    redirect_uri: str,
    *,
    state: str,
    nonce: str,
    code_verifier: str,
    lang: str,
) -> str:
    # Authlib adds code_challenge = create_s256_code_challenge(code_verifier).
    url, _ = _client(provider, metadata, redirect_uri).create_authorization_url(
        metadata.authorization_endpoint,
        state=state,
        code_verifier=code_verifier,
        nonce=nonce,
        ui_locales=lang,
    )
    return url


async def exchange_code(
    provider: ProviderConfig,
    metadata: ProviderMetadata,
    redirect_uri: str,
    code: str,
    code_verifier: str,
) -> dict[str, Any]:
    """The token response (id_token, access_token, …)."""
    client = _client(provider, metadata, redirect_uri)
    try:
        async with deadline("token endpoint", provider.timeout_seconds):
            token = await client.fetch_token(
                metadata.token_endpoint,
                grant_type="authorization_code",
                code=code,
                code_verifier=code_verifier,
            )
    except OAuthError as exc:
        raise TokenRefused(f"{exc.error}: {exc.description}") from None
    except httpx.HTTPError as exc:
        raise ProviderUnavailable(failure("token endpoint", exc)) from None
    except ValueError as exc:  # a body that is not JSON: the provider is broken
        raise ProviderUnavailable(f"token endpoint: {exc}") from None
    finally:
        # Authlib's client is an httpx.AsyncClient; its base is found through a shim
        # (httpx2 or httpx) that the type checker cannot follow.
        await client.aclose()  # pyright: ignore[reportAttributeAccessIssue]
    return dict(token)


async def userinfo(
    provider: ProviderConfig, metadata: ProviderMetadata, access_token: str
) -> dict[str, Any]:
    if not metadata.userinfo_endpoint:
        return {}
    seconds = provider.timeout_seconds
    try:
        async with deadline("userinfo", seconds), provider_client(seconds) as http:
            response = await http.get(
                metadata.userinfo_endpoint,
                headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
            )
    except httpx.HTTPError as exc:
        raise ProviderUnavailable(failure("userinfo", exc)) from None
    if response.status_code in (401, 403):
        raise TokenRefused(f"userinfo refused the access token: HTTP {response.status_code}")
    if response.status_code != 200:
        raise ProviderUnavailable(f"userinfo: HTTP {response.status_code}")
    try:
        claims = response.json()
    except ValueError:
        # A signed (JWT) userinfo answer is not asked for; anything else is unusable.
        raise ProviderUnavailable("userinfo: not JSON") from None
    if not isinstance(claims, dict):
        raise ProviderUnavailable("userinfo: not an object")
    return claims
