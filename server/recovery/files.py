"""Files a restore forgot (sync/README.md §9.2): a file sent after the backup is still
in the blob store (content-addressed files are never rewritten, and `motcua gc` keeps
unrecorded ones for a while after a restore), but the restored database lost its `blob`
row and the record of who sent it. The device names it by hash, with the server's seal
on (account, hash); the server checks the stored bytes and records them again for that
account, so that the device need not send bytes it may no longer hold.

Two steps: `examine_files` reads and checks the stored bytes outside any transaction (a
file takes time to hash and decode); `record_files` writes the rows in the page's."""

from __future__ import annotations

import hashlib
import logging
import secrets
import uuid
from dataclasses import dataclass, field

import anyio
from piccolo.engine.base import Engine

from server.attachments.blobs import held_by, record_blob_rows
from server.attachments.sniff import Inspected, Refused, inspect
from server.attachments.store import BlobMissing, blob_key, thumbnail_key
from server.attachments.tables import Blob
from server.attachments.uploads import Uploads
from server.recovery.keys import seal_key
from server.sql import Sql
from sync.messages import HeldFile
from sync.seals import file_seal, sealed

log = logging.getLogger("motcua.recovery")


@dataclass
class FoundFile:
    sha256: str
    size: int
    # What the checks found in the stored bytes; None when the database still holds
    # the blob row and only lost that this account sent it.
    inspected: Inspected | None


@dataclass
class FilePlan:
    found: list[FoundFile] = field(default_factory=list)
    # In the order asked: the device must upload these again.
    missing: list[str] = field(default_factory=list)


async def examine_files(
    engine: Engine, uploads: Uploads, account_id: uuid.UUID, held: list[HeldFile]
) -> FilePlan:
    """What the page's files come to. A file the account is not recorded to have sent
    and whose seal is wrong is missing: the server has no proof the account ever held
    its bytes, so it must send them."""
    plan = FilePlan()
    if not held:
        return plan
    key = await seal_key(Sql(engine))
    asked = list(dict.fromkeys(f.sha256 for f in held))
    # Sent already: nothing to do, whatever the seal (the account may read it anyway).
    sent = await held_by(account_id, set(asked))
    proven = {f.sha256 for f in held if sealed(file_seal(key, account_id, f.sha256), f.seal)}
    sizes = await _stored_sizes(sorted(proven - sent))
    for sha in asked:
        if sha in sent:
            continue
        if sha not in proven:
            plan.missing.append(sha)
        elif sha in sizes:
            plan.found.append(FoundFile(sha, sizes[sha], None))
        elif (found := await _read_back(uploads, sha)) is not None:
            plan.found.append(found)
        else:
            plan.missing.append(sha)
    return plan


async def _stored_sizes(hashes: list[str]) -> dict[str, int]:
    """Of `hashes`, the blobs the database still holds, with their sizes."""
    if not hashes:
        return {}
    rows = await Blob.select(Blob.sha256, Blob.size).where(Blob.sha256.is_in(hashes))
    return {r["sha256"]: int(r["size"]) for r in rows}


async def _read_back(uploads: Uploads, sha: str) -> FoundFile | None:
    """The stored bytes named `sha`, checked as an upload's are; None when the store
    lacks them, or they are not the named file's (the name is never trusted), or the
    checks refuse them."""
    await anyio.to_thread.run_sync(lambda: uploads.directory.mkdir(parents=True, exist_ok=True))
    path = uploads.directory / f"recover-{secrets.token_hex(16)}"
    digest = hashlib.sha256()
    size = 0
    try:
        try:
            async with await anyio.open_file(path, "wb") as out:
                async for chunk in uploads.store.stream(blob_key(sha)):
                    digest.update(chunk)
                    size += len(chunk)
                    await out.write(chunk)
        except BlobMissing:
            return None
        if digest.hexdigest() != sha:
            log.warning("the stored file %s holds other bytes: not taken back", sha)
            return None
        try:
            inspected = await uploads.check(inspect, path)
        except Refused as refused:
            log.warning("the stored file %s is refused (%s): not taken back", sha, refused.code)
            return None
        if inspected.thumbnail:
            await uploads.store.put_bytes(thumbnail_key(sha), inspected.thumbnail)
        return FoundFile(sha, size, inspected)
    finally:
        await anyio.to_thread.run_sync(lambda: path.unlink(missing_ok=True))


async def record_files(plan: FilePlan, account_id: uuid.UUID, device_id: uuid.UUID) -> int:
    """In the caller's transaction: the blob rows the database lost and this account's
    right to the files, as an upload records them. How many were recorded."""
    recorded = 0
    for found in plan.found:
        inspected = found.inspected
        thumbnail = bool(inspected and inspected.thumbnail)
        # The blob row only when the database lost it; a page sent twice at once, or an
        # upload that just finished, already gave this account its right.
        if await record_blob_rows(
            found.sha256, found.size, inspected, account_id, device_id, thumbnail
        ):
            recorded += 1
    return recorded
