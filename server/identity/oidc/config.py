"""Which OpenID providers motcua trusts, read from a JSON file named by
MOTCUA_OIDC_PROVIDERS_FILE. Nothing about a provider lives in code: its issuer, client,
scopes and the names of the claims that carry each fact about the person.

    {"providers": [{
        "name": "vneid",
        "label": {"vi": "VNeID", "en": "VNeID"},
        "issuer": "https://…",
        "client_id": "…",
        "client_secret_env": "MOTCUA_OIDC_VNEID_SECRET",
        "scopes": ["openid", "profile", "email", "address", "identity"],
        "claims": {"id_number": "personal_id_number", "residence": "address.formatted"}
    }]}
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlparse

import msgspec

NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")


class OidcConfigError(ValueError):
    """The providers file says something the server cannot use."""


class Label(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    vi: str
    en: str

    def in_lang(self, lang: str) -> str:
        return self.vi if lang == "vi" else self.en


class ClaimMap(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The claim (a dotted path into the ID token and userinfo claims) that carries each
    fact; an empty name: the provider does not give it."""

    id_number: str = "personal_id_number"
    full_name: str = "name"
    birth_date: str = "birthdate"  # YYYY-MM-DD
    sex: str = "gender"
    residence: str = "address.formatted"
    email: str = "email"
    email_verified: str = "email_verified"


class SexValues(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The provider's words for the sexes the forms know."""

    male: tuple[str, ...] = ("male", "nam")
    female: tuple[str, ...] = ("female", "nu", "nữ")


class ProviderConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: str
    label: Label
    issuer: str
    client_id: str
    client_secret: str = ""
    # The environment variable holding the secret, so the file itself may be public.
    client_secret_env: str = ""
    scopes: tuple[str, ...] = ("openid", "profile", "email", "address", "identity")
    claims: ClaimMap = ClaimMap()
    sex_values: SexValues = SexValues()
    # Without a verified personal ID number, a sign-in creates nothing (a level-2 VNeID
    # account always carries one).
    require_id_number: bool = True
    # Seconds of clock difference allowed when checking a token's times.
    leeway_seconds: int = 60
    # Seconds to wait for the provider on each request.
    timeout_seconds: float = 10.0

    def secret(self) -> str:
        if self.client_secret_env:
            return os.environ.get(self.client_secret_env, "")
        return self.client_secret


class ProvidersFile(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    providers: tuple[ProviderConfig, ...] = ()


def parse_providers(
    raw: bytes, source: str = "MOTCUA_OIDC_PROVIDERS_FILE"
) -> tuple[ProviderConfig, ...]:
    try:
        providers = msgspec.json.decode(raw, type=ProvidersFile).providers
    except msgspec.ValidationError as exc:
        raise OidcConfigError(f"{source}: {exc}") from None
    except msgspec.DecodeError as exc:
        raise OidcConfigError(f"{source}: not JSON ({exc})") from None
    seen: set[str] = set()
    for p in providers:
        where = f"{source}: provider {p.name!r}"
        if not NAME_PATTERN.fullmatch(p.name):
            raise OidcConfigError(f"{where}: a name is 1 to 32 of a-z, 0-9, _ and -")
        if p.name in seen:
            raise OidcConfigError(f"{where}: named twice")
        seen.add(p.name)
        issuer = urlparse(p.issuer)
        if issuer.scheme not in ("http", "https") or not issuer.netloc:
            raise OidcConfigError(f"{where}: issuer must be an http(s) URL, got {p.issuer!r}")
        if not p.client_id:
            raise OidcConfigError(f"{where}: client_id is empty")
        if p.client_secret_env and p.client_secret:
            raise OidcConfigError(f"{where}: give client_secret or client_secret_env, not both")
        if p.client_secret_env and not os.environ.get(p.client_secret_env):
            raise OidcConfigError(f"{where}: {p.client_secret_env} is not set")
        if "openid" not in p.scopes:
            raise OidcConfigError(f"{where}: scopes must include openid")
        if p.require_id_number and not p.claims.id_number:
            raise OidcConfigError(f"{where}: require_id_number needs claims.id_number")
        if not 0 <= p.leeway_seconds <= 600:
            raise OidcConfigError(f"{where}: leeway_seconds is outside 0 to 600")
    return providers


def load_providers(path: str) -> tuple[ProviderConfig, ...]:
    if not path:
        return ()
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise OidcConfigError(
            f"MOTCUA_OIDC_PROVIDERS_FILE: cannot read {path!r} ({exc.strerror})"
        ) from None
    return parse_providers(raw)


def provider_label(providers: Iterable[ProviderConfig], name: str) -> Label:
    """A provider's words by its name; a provider no longer configured keeps its
    bindings, named plainly."""
    for p in providers:
        if p.name == name:
            return p.label
    return Label(vi=name, en=name)
