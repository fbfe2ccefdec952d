"""Checking an ID token (OpenID Connect Core §3.1.3.7): its signature against the
provider's published keys, then who issued it, for whom, when, and for which sign-in.

joserfc (Authlib's JOSE library) checks the signature and the registered claims; the
algorithms it may accept are the asymmetric ones the provider advertises, so neither
`none` nor an HMAC made with the provider's public key as the secret can pass."""

from __future__ import annotations

import re
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jws import extract_compact
from joserfc.jwt import JWTClaimsRegistry

from server.clock import utcnow
from server.identity.oidc.config import ProviderConfig
from server.identity.oidc.discovery import DiscoveryCache, ProviderMetadata
from server.identity.tokens import same

# Signatures with a public key; HS* and none are never accepted, whatever the provider says.
ASYMMETRIC_ALGORITHMS = frozenset(
    {
        "RS256",
        "RS384",
        "RS512",
        "PS256",
        "PS384",
        "PS512",
        "ES256",
        "ES384",
        "ES512",
        "EdDSA",
        "Ed25519",
    }
)


# OpenID Connect Core §2: a subject is at most 255 ASCII characters; anything else
# (a NUL, a lone surrogate, a longer one) no column can hold.
_SUBJECT = re.compile(r"[\x20-\x7e]{1,255}")


class TokenInvalid(Exception):
    """The ID token is not one we accept; the message says which check failed (logged,
    never shown)."""


def _header(token: str) -> dict[str, Any]:
    try:
        return dict(extract_compact(token.encode()).protected)
    except (JoseError, ValueError) as exc:
        raise TokenInvalid(f"not a signed JWT: {exc}") from None


async def verify_id_token(
    token: str,
    provider: ProviderConfig,
    metadata: ProviderMetadata,
    cache: DiscoveryCache,
    nonce: str,
) -> dict[str, Any]:
    """The token's claims when every check passes; TokenInvalid otherwise.
    ProviderUnavailable (from the cache) when the keys cannot be fetched."""
    header = _header(token)
    algorithms = [
        a for a in metadata.id_token_signing_alg_values_supported if a in ASYMMETRIC_ALGORITHMS
    ]
    if header.get("alg") not in algorithms:
        raise TokenInvalid(f"algorithm {header.get('alg')!r} is not one of {algorithms}")
    kid = header.get("kid")
    keys = await cache.keys(provider, kid if isinstance(kid, str) else None)
    try:
        decoded = jwt.decode(token, keys, algorithms=algorithms)
    except (JoseError, ValueError) as exc:
        raise TokenInvalid(f"signature: {exc}") from None
    claims = dict(decoded.claims)
    now = int(utcnow().timestamp())
    registry = JWTClaimsRegistry(
        now=now,
        leeway=provider.leeway_seconds,
        iss={"essential": True, "value": metadata.issuer},
        sub={"essential": True},
        aud={"essential": True, "value": provider.client_id},
        exp={"essential": True},
        iat={"essential": True},
    )
    try:
        registry.validate(claims)
    except JoseError as exc:
        raise TokenInvalid(f"claims: {exc}") from None
    # An iat in the future (beyond the leeway) means a token minted against a wrong clock.
    if not isinstance(claims["iat"], int | float) or claims["iat"] > now + provider.leeway_seconds:
        raise TokenInvalid("iat is in the future")
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    # §3.1.3.7 items 4 and 5: with several audiences, the authorized party must be us.
    if (len(audiences) > 1 or "azp" in claims) and claims.get("azp") != provider.client_id:
        raise TokenInvalid(f"azp {claims.get('azp')!r} is not our client")
    sent_nonce = claims.get("nonce")
    # isascii first: a lone surrogate cannot even be encoded to be compared.
    if not isinstance(sent_nonce, str) or not sent_nonce.isascii() or not same(sent_nonce, nonce):
        raise TokenInvalid("nonce differs from the attempt's")
    sub = claims["sub"]
    if not isinstance(sub, str) or not _SUBJECT.fullmatch(sub) or not sub.strip():
        raise TokenInvalid("sub is not 1 to 255 ASCII characters")
    return claims
