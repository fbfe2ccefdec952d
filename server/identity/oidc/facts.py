"""From a provider's claims to the facts about the person that motcua keeps, spelled as
the forms spell them, through the provider's claim map. The personal ID number must
pass the same structure checks as the forms' validator and agree with the verified
sex and birth year; anything else is refused, not stored."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from server.clock import vn_today
from server.identity.oidc.config import ProviderConfig
from sync.forms.personal_id import id_problem


class VerifiedFacts(msgspec.Struct, frozen=True):
    subject: str
    id_number: str = ""
    full_name: str = ""
    birth_date: str = ""  # YYYY-MM-DD
    sex: str = ""  # "male" | "female"
    residence: str = ""
    # Only an address the provider says it verified; "" otherwise.
    email: str = ""


class ClaimRefused(Exception):
    """`code` is claim_missing or claim_invalid; the message says which claim (logged)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def claim_at(claims: dict[str, Any], path: str) -> Any:
    """The value at a dotted path ("address.formatted"); None when absent or path is ""."""
    if not path:
        return None
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _text(claims: dict[str, Any], path: str, limit: int) -> str:
    value = claim_at(claims, path)
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return ""
    # One line, no control characters, no longer than the column.
    cleaned = " ".join("".join(c if c.isprintable() else " " for c in value).split())
    return cleaned[:limit]


def _email(claims: dict[str, Any], path: str) -> str:
    """An address exactly as the provider verified it, or none: cut to the column or
    cleaned of characters, it could be someone else's address."""
    raw = claim_at(claims, path)
    if not isinstance(raw, str) or len(raw) > 254 or not raw.isprintable() or " " in raw:
        return ""
    return raw.lower() if "@" in raw else ""


def _sex(provider: ProviderConfig, raw: str) -> str:
    word = raw.strip().lower()
    if word in (w.lower() for w in provider.sex_values.male):
        return "male"
    if word in (w.lower() for w in provider.sex_values.female):
        return "female"
    return ""


def _birth_date(raw: str) -> str:
    try:
        return dt.date.fromisoformat(raw).isoformat() if len(raw) == 10 else ""
    except ValueError:
        return ""


def verified_facts(provider: ProviderConfig, subject: str, claims: dict[str, Any]) -> VerifiedFacts:
    """`claims`: the ID token's claims with userinfo's over them."""
    m = provider.claims
    email = _email(claims, m.email)
    email_verified = claim_at(claims, m.email_verified) is True
    facts = VerifiedFacts(
        subject=subject,
        id_number=_text(claims, m.id_number, 40),
        full_name=_text(claims, m.full_name, 100),
        birth_date=_birth_date(_text(claims, m.birth_date, 10)),
        sex=_sex(provider, _text(claims, m.sex, 20)),
        residence=_text(claims, m.residence, 300),
        email=email if email_verified else "",
    )
    check_id_number(provider, facts)
    return facts


def check_id_number(provider: ProviderConfig, facts: VerifiedFacts) -> None:
    if not facts.id_number:
        if provider.require_id_number:
            raise ClaimRefused("claim_missing", f"no {provider.claims.id_number!r} claim")
        return
    birth_year = int(facts.birth_date[:4]) if facts.birth_date else None
    problem = id_problem(facts.id_number, vn_today(), sex=facts.sex or None, birth_year=birth_year)
    if problem is not None:
        raise ClaimRefused("claim_invalid", f"id_number: {problem[0]}")
