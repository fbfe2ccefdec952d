"""Which of a dossier's requester answers are the facts the national e-ID verified.

The app pre-fills a new draft's requester section from the facts an OpenID provider
verified at sign-in, and the person may change them. The phone cannot be trusted to say
"verified", so the desk's flag is computed here, from the owner's ExternalIdentity (the
latest by verified_at) and the answers the server holds: per requester field that has a
verified fact, "verified" (equal once both are normalised as the forms normalise them),
"changed" (different) or "missing" (left empty, or hidden behind another document)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from server.catalog.definition import Text
from server.desk.schemas import VerifiedField, VerifiedRequester
from server.identity.oidc.config import ProviderConfig, provider_label
from server.identity.roles import Role
from server.identity.tables import Account, ExternalIdentity
from sync.forms.normalize import WHITE_SPACE, is_empty, normalize

# The requester's fields a provider can vouch for, with the form type each is normalised
# as (the requester sections' own types; birth_date and sex where a section asks them).
FACTS = {
    "full_name": "person_name",
    "id_number": "personal_id",
    "residence": "text",
    "birth_date": "date",
    "sex": "sex",
}
# Compared without regard to case and runs of white space: "TRẦN THỊ MAI" (as the e-ID
# spells names) is the person's "Trần Thị Mai". ID numbers, dates and sexes: exactly.
_LOOSE = frozenset({"full_name", "residence"})
_WS_RUN = re.compile(f"[{WHITE_SPACE}]+")
_SECTION = "requester"


def _comparable(fact: str, value: Any) -> Any:
    value = normalize(FACTS[fact], value)
    if fact in _LOOSE and isinstance(value, str):
        return _WS_RUN.sub(" ", value).casefold()
    return value


def compare_requester(
    fields: Mapping[str, Any], facts: Mapping[str, str], asked: Iterable[str]
) -> dict[str, VerifiedField]:
    """Per `requester.<fact>` path among the section's field ids `asked` whose fact the
    provider gave: verified, changed or missing, with the verified value."""
    found: dict[str, VerifiedField] = {}
    for fact in FACTS:
        verified = facts.get(fact, "")
        if fact not in asked or is_empty(verified):
            continue
        path = f"{_SECTION}.{fact}"
        answer = fields.get(path)
        if is_empty(answer):
            status = "missing"
        elif _comparable(fact, answer) == _comparable(fact, verified):
            status = "verified"
        else:
            status = "changed"
        found[path] = VerifiedField(status=status, verified_value=verified)
    return found


def requester_fields(form: Mapping[str, Any] | None, fields: Mapping[str, Any]) -> set[str]:
    """The field ids of the form's requester section; without the form, those answered."""
    if form is None:
        prefix = f"{_SECTION}."
        return {p.removeprefix(prefix) for p in fields if p.startswith(prefix)}
    for section in form.get("sections", []):
        if section.get("id") == _SECTION:
            return {f["id"] for f in section.get("fields", [])}
    return set()


async def latest_identities(owners: Iterable[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    """Each citizen owner's latest verified identity. An official's own e-ID says nothing
    about the family they register at an outreach session."""
    wanted = sorted(set(owners), key=str)
    if not wanted:
        return {}
    rows = (
        await ExternalIdentity.select()
        .where(ExternalIdentity.account_id.is_in(wanted))
        .order_by(ExternalIdentity.verified_at, ExternalIdentity.id)
    )
    latest = {r["account_id"]: r for r in rows}  # the latest wins
    if not latest:
        return {}
    citizens = {
        r["id"]
        for r in await Account.select(Account.id).where(
            Account.id.is_in(list(latest)) & (Account.role == Role.citizen)
        )
    }
    return {owner: r for owner, r in latest.items() if owner in citizens}


def verified_requester(
    identity: Mapping[str, Any] | None,
    form: Mapping[str, Any] | None,
    fields: Mapping[str, Any],
    providers: Iterable[ProviderConfig],
) -> VerifiedRequester | None:
    """What the desk is shown of one dossier; None without an identity or anything the
    identity can say of the requester (no requester section, no facts it asks)."""
    if identity is None:
        return None
    compared = compare_requester(fields, identity, requester_fields(form, fields))
    if not compared:
        return None
    label = provider_label(providers, identity["provider"])
    return VerifiedRequester(
        provider=identity["provider"],
        provider_label=Text(vi=label.vi, en=label.en),
        verified_at=identity["verified_at"],
        fields=compared,
        any_changed=any(f.status == "changed" for f in compared.values()),
    )


async def any_changed(
    rows: Sequence[Mapping[str, Any]], fields: Sequence[Mapping[str, Any]]
) -> list[bool]:
    """For the queue: whether each dossier (row, its decoded answers) has a changed
    requester answer: at most two queries for the page's owners (their identities, then
    which of those are citizens); the answers are read already."""
    identities = await latest_identities(r["owner_id"] for r in rows)
    marks = []
    for row, answers in zip(rows, fields, strict=True):
        identity = identities.get(row["owner_id"])
        compared = (
            compare_requester(answers, identity, requester_fields(None, answers))
            if identity
            else {}
        )
        marks.append(any(f.status == "changed" for f in compared.values()))
    return marks
