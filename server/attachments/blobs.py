"""Verified blobs: which the server lacks, recording a new one, who may read one."""

from __future__ import annotations

import uuid

from piccolo.engine.base import Engine

from server.attachments.sniff import Inspected
from server.attachments.tables import Blob, BlobRef, BlobUploader
from server.clock import utcnow
from server.database import write_transaction
from server.dossiers.access import DESK_ROLES, may_process
from server.identity.principal import Principal
from server.identity.roles import Role
from server.recovery.keys import seal_key
from server.sql import SENT_BLOBS, Sql
from sync.seals import file_seal


async def held_by(account_id: uuid.UUID, hashes: set[str]) -> set[str]:
    """Of `hashes`, the verified blobs this account has sent the bytes of.

    Knowing a hash proves nothing: a person who never sent a file's bytes must send
    them (the blob is still stored once), or anyone who learnt the hash of someone's
    ID card scan could attach it and read it."""
    return set(await sent_sizes(account_id, hashes))


async def sent_sizes(account_id: uuid.UUID, hashes: set[str]) -> dict[str, int]:
    """`held_by` with each blob's size, in one query."""
    if not hashes:
        return {}
    rows = await Sql(Blob._meta.db).fetch(SENT_BLOBS, hashes=sorted(hashes), account_id=account_id)
    return {r["sha256"]: int(r["size"]) for r in rows}


async def lacking(hashes: list[str], account_id: uuid.UUID) -> list[str]:
    """Of `hashes`, those this account still has to send, in the order asked."""
    if not hashes:
        return []
    return not_sent(hashes, await held_by(account_id, set(hashes)))


def not_sent(hashes: list[str], present: set[str]) -> list[str]:
    """Of `hashes`, those not in `present`, once each, in the order asked."""
    seen: set[str] = set()
    out = []
    for h in hashes:
        if h not in present and h not in seen:
            seen.add(h)
            out.append(h)
    return out


async def seals_of(account_id: uuid.UUID, sent: set[str]) -> dict[str, str]:
    """The server's seal on each of `sent`, files this account has sent (§9.2)."""
    if not sent:
        return {}
    key = await seal_key(Sql(Blob._meta.db))
    return {h: file_seal(key, account_id, h) for h in sorted(sent)}


async def blob_row(sha256: str) -> dict | None:
    return await Blob.select().where(Blob.sha256 == sha256).first()


async def record_blob(
    engine: Engine,
    sha256: str,
    size: int,
    inspected: Inspected | None,
    account_id: uuid.UUID,
    device_id: uuid.UUID | None,
    has_thumbnail: bool,
) -> None:
    """The blob row (once, whoever finishes first) and this uploader's right to read it."""
    async with write_transaction(engine):
        await record_blob_rows(sha256, size, inspected, account_id, device_id, has_thumbnail)


async def record_blob_rows(
    sha256: str,
    size: int,
    inspected: Inspected | None,
    account_id: uuid.UUID,
    device_id: uuid.UUID | None,
    has_thumbnail: bool,
    filename: str = "",
) -> bool:
    """`record_blob` in the caller's transaction (a restore's put-back takes a file back
    the same way). Whether this account's right to the file is new."""
    now = utcnow()
    if inspected is not None:
        await Blob.insert(
            Blob(
                sha256=sha256,
                size=size,
                media_type=inspected.media_type,
                width=inspected.width,
                height=inspected.height,
                has_thumbnail=has_thumbnail,
                created_at=now,
                created_by=account_id,
            )
        ).on_conflict(action="DO NOTHING")
    added = (
        await BlobUploader.insert(
            BlobUploader(
                sha256=sha256,
                account_id=account_id,
                device_id=device_id,
                at=now,
                filename=filename,
            )
        )
        .on_conflict(action="DO NOTHING")
        .returning(BlobUploader.id)
    )
    return bool(added)


async def may_read(principal: Principal, sha256: str) -> bool:
    """Whoever sent its bytes, the desk of the commune of a dossier that holds it
    (once that dossier is no longer a draft) when the dossier's owner sent them too,
    and administrators: the desk's right to the dossier
    (server.dossiers.access.may_process). Holding a dossier that names the hash is
    not enough: naming costs nothing. Every way a file enters a dossier checks that
    its owner sent it; this holds for a name that got in any other way (a put-back's
    answers, a database from before a check). An outreach official reads the files
    they sent, not those of another official's births."""
    if principal.role is Role.admin:
        return True
    if await BlobUploader.exists().where(
        (BlobUploader.sha256 == sha256) & (BlobUploader.account_id == principal.account_id)
    ):
        return True
    if principal.role not in DESK_ROLES:
        return False
    rows = await BlobRef.raw(
        "SELECT d.commune_code, d.state FROM blob_ref r JOIN dossier d ON d.id = r.dossier_id "
        "WHERE r.sha256 = {} AND EXISTS (SELECT 1 FROM blob_uploader u "
        "WHERE u.sha256 = r.sha256 AND u.account_id = d.owner_id)",
        sha256,
    )
    return any(may_process(principal, row) for row in rows)
