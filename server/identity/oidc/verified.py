"""What the app is told about an account's bindings: the facts verified at its latest
sign-in with a provider (SessionInfo.verified), and the list on the personal page."""

from __future__ import annotations

import uuid

from server.identity.oidc.config import ProviderConfig, provider_label
from server.identity.schemas import LinkedIdentityInfo, VerifiedIdentityInfo
from server.identity.tables import ExternalIdentity


async def latest_verified(
    providers: tuple[ProviderConfig, ...], account_id: uuid.UUID, lang: str
) -> VerifiedIdentityInfo | None:
    row = (
        await ExternalIdentity.select()
        .where(ExternalIdentity.account_id == account_id)
        .order_by(ExternalIdentity.verified_at, ascending=False)
        .first()
    )
    if row is None:
        return None
    return VerifiedIdentityInfo(
        provider=row["provider"],
        provider_label=provider_label(providers, row["provider"]).in_lang(lang),
        id_number=row["id_number"],
        full_name=row["full_name"],
        birth_date=row["birth_date"],
        sex=row["sex"],
        residence=row["residence"],
        verified_at=row["verified_at"],
    )


def masked(id_number: str) -> str:
    return "•" * max(len(id_number) - 4, 0) + id_number[-4:]


async def linked_identities(
    providers: tuple[ProviderConfig, ...], account_id: uuid.UUID, lang: str
) -> list[LinkedIdentityInfo]:
    rows = (
        await ExternalIdentity.select()
        .where(ExternalIdentity.account_id == account_id)
        .order_by(ExternalIdentity.linked_at)
    )
    return [
        LinkedIdentityInfo(
            id=r["id"],
            provider=r["provider"],
            provider_label=provider_label(providers, r["provider"]).in_lang(lang),
            id_number_masked=masked(r["id_number"]),
            linked_at=r["linked_at"],
            verified_at=r["verified_at"],
        )
        for r in rows
    ]
