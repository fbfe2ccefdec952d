"""Verified blobs: which the server lacks, recording a new one, who may read one."""

from __future__ import annotations

import datetime as dt
import uuid

from piccolo.engine.base import Engine

from server.attachments.sniff import Inspected
from server.attachments.tables import Blob, BlobRef, BlobUploader
from server.database import write_transaction
from server.identity.principal import Principal
from server.identity.roles import Role
from sync.states import State


async def lacking(hashes: list[str]) -> list[str]:
    """Of `hashes`, those with no verified blob, in the order asked."""
    if not hashes:
        return []
    rows = await Blob.select(Blob.sha256).where(Blob.sha256.is_in(sorted(set(hashes))))
    present = {r["sha256"] for r in rows}
    seen: set[str] = set()
    out = []
    for h in hashes:
        if h not in present and h not in seen:
            seen.add(h)
            out.append(h)
    return out


async def blob_row(sha256: str) -> dict | None:
    return await Blob.select().where(Blob.sha256 == sha256).first()


async def record_blob(engine: Engine, sha256: str, size: int, inspected: Inspected | None,
                      account_id: uuid.UUID, device_id: uuid.UUID | None, has_thumbnail: bool) -> None:
    """The blob row (once, whoever finishes first) and this uploader's right to read it."""
    now = dt.datetime.now(dt.timezone.utc)
    async with write_transaction(engine):
        if inspected is not None:
            await Blob.insert(Blob(
                sha256=sha256, size=size, media_type=inspected.media_type, width=inspected.width,
                height=inspected.height, has_thumbnail=has_thumbnail, created_at=now, created_by=account_id,
            )).on_conflict(action="DO NOTHING")
        await BlobUploader.insert(BlobUploader(
            sha256=sha256, account_id=account_id, device_id=device_id, at=now,
        )).on_conflict(action="DO NOTHING")


async def may_read(principal: Principal, sha256: str) -> bool:
    """The owner of a dossier that holds it, the officials of that dossier's commune
    (once it is no longer a draft), administrators, and whoever uploaded its bytes."""
    if principal.role is Role.admin:
        return True
    if await BlobUploader.exists().where(
        (BlobUploader.sha256 == sha256) & (BlobUploader.account_id == principal.account_id)
    ):
        return True
    rows = await BlobRef.raw(
        "SELECT d.owner_id, d.commune_code, d.state FROM blob_ref r JOIN dossier d ON d.id = r.dossier_id "
        "WHERE r.sha256 = {}", sha256,
    )
    for row in rows:
        owner = row["owner_id"] if isinstance(row["owner_id"], uuid.UUID) else uuid.UUID(str(row["owner_id"]))
        if owner == principal.account_id:
            return True
        if int(row["state"]) != State.DRAFT and principal.may_see_commune(row["commune_code"]):
            return True
    return False
