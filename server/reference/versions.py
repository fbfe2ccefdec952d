"""Dataset versions: the ETag of each reference dataset, kept in the database."""

from __future__ import annotations

import hashlib

from server.clock import utcnow
from server.reference.tables import ReferenceDataset


def content_etag(payload: bytes) -> str:
    return hashlib.sha256(payload).hexdigest()[:32]


async def set_dataset_version(name: str, etag: str) -> None:
    now = utcnow()
    updated = (
        await ReferenceDataset.update(
            {ReferenceDataset.etag: etag, ReferenceDataset.updated_at: now}
        )
        .where(ReferenceDataset.name == name)
        .returning(ReferenceDataset.name)
    )
    if not updated:
        await ReferenceDataset.insert(ReferenceDataset(name=name, etag=etag, updated_at=now))


async def dataset_version(name: str) -> str | None:
    row = (
        await ReferenceDataset.select(ReferenceDataset.etag)
        .where(ReferenceDataset.name == name)
        .first()
    )
    return row["etag"] if row else None
