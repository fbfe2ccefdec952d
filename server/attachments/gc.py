"""Garbage collection (`motcua gc`): blobs no dossier has referenced for the
retention period (30 days by default), abandoned partial uploads, and stray objects
a crash left in the store. Safe to run from any number of processes at once:
a blob row is removed by one conditional DELETE that re-checks the references."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import anyio
import msgspec
from piccolo.columns import Text, Varchar
from piccolo.engine.base import Engine

from server.attachments.store import BlobStore, blob_key, thumbnail_key
from server.attachments.store.base import sha256_of_key
from server.attachments.tables import Blob, BlobUploader, Upload
from server.attachments.upload_sql import (
    DELETE_EXPIRED_UPLOAD,
    DELETE_ORPHAN_PARTS,
    EXPIRED_UPLOADS,
)
from server.attachments.uploads import FINISHING_PREFIX, UPLOAD_ID
from server.clock import utcnow
from server.database import write_transaction
from server.dossiers.tables import Dossier
from server.recovery.generation import current_generation, generation_started_at
from server.settings import Settings
from server.sql import Sql
from sync.digests import is_sha256

# Temporary files of <data dir>/uploads: a finish's copy of an upload, a put-back's
# download of a file (server/recovery/files.py).
TEMPORARY_PREFIXES = (FINISHING_PREFIX, "recover-")


class GcReport(msgspec.Struct):
    blobs_removed: int = 0
    bytes_freed: int = 0
    blobs_kept_mentioned: int = 0  # unreferenced in blob_ref yet named in a dossier's data
    uploads_removed: int = 0
    partial_files_removed: int = 0
    stray_objects_removed: int = 0
    # Unrecorded objects kept because the database was restored lately: a phone may
    # still put them back (sync/README.md §9.2).
    unrecorded_kept: int = 0
    dry_run: bool = False


# What holds a blob besides a dossier's fields (blob_ref): a scan kept on a person's
# page (personal_document). A blob none of these holds is a candidate.
UNHELD = (
    "NOT EXISTS (SELECT 1 FROM blob_ref r WHERE r.sha256 = {sha}) "
    "AND NOT EXISTS (SELECT 1 FROM personal_document p WHERE p.sha256 = {sha})"
)


async def mentioned_in_dossiers(sha256: str) -> bool:
    """Belt and braces before deleting a citizen's document: is the hash named in
    any text column of any dossier (fields, a result, …)? A full scan, run only for
    the few blobs about to go."""
    columns = [
        c._meta.db_column_name for c in Dossier._meta.columns if isinstance(c, (Text, Varchar))
    ]
    where = " OR ".join(f'"{name}" LIKE {{}}' for name in columns)
    rows = await Dossier.raw(
        f"SELECT 1 AS hit FROM dossier WHERE {where} LIMIT 1", *([f"%{sha256}%"] * len(columns))
    )
    return bool(rows)


async def restored_lately(engine: Engine, settings: Settings, now: dt.datetime) -> bool:
    """Whether the current generation began (a restore, §9.1) less than the retention
    period ago. Its database forgot the files sent after the backup, whose bytes the
    store still holds: their phones put them back by hash and seal, without the bytes
    (they may have freed them), so until the phones have had time to come back an
    object no row records is not a crash's leftover."""
    number = await current_generation(engine)
    if number <= 1:
        return False
    started = await generation_started_at(engine, number)
    grace = dt.timedelta(days=settings.blob_retention_days)
    return started is not None and now < started + grace


def _unlink(path: Path) -> None:
    path.unlink(missing_ok=True)


def _leftover_files(uploads_dir: Path, before: float) -> list[Path]:
    """Files of this host's uploads directory older than `before` that nothing reads
    any more: partial uploads of the old layout (their bytes now live in the
    database; m0023 restarted those uploads) and temporary copies a finish, or a
    put-back, left when its process stopped."""
    if not uploads_dir.is_dir():
        return []
    return [
        p
        for p in uploads_dir.iterdir()
        if (UPLOAD_ID.match(p.name) or p.name.startswith(TEMPORARY_PREFIXES))
        and p.is_file()
        and p.stat().st_mtime < before
    ]


async def remove_expired_uploads(
    uploads_dir: Path, now: dt.datetime | None = None, dry_run: bool = False
) -> tuple[int, int]:
    """Uploads past their expiry, whichever host took them (unfinished ones
    abandoned, finished ones no longer needed to answer a HEAD), with the bytes they
    hold in the database; and this host's leftover files (`_leftover_files`), left
    alone for an hour in case they are in use."""
    now = now or utcnow()
    engine = Upload._meta.db
    sql = Sql(engine)
    rows = await sql.fetch(EXPIRED_UPLOADS, now=now)
    removed_rows = 0
    for row in rows:
        if not dry_run:
            # The row goes with its parts (ON DELETE CASCADE), unless a PATCH has
            # just extended it: the DELETE checks the expiry again.
            async with write_transaction(engine):
                await sql.execute(DELETE_EXPIRED_UPLOAD, id=row["id"], now=now)
        removed_rows += 1
    if not dry_run:
        async with write_transaction(engine):
            await sql.execute(DELETE_ORPHAN_PARTS)

    hour_ago = utcnow().timestamp() - 3600
    leftovers = await anyio.to_thread.run_sync(_leftover_files, uploads_dir, hour_ago)
    if not dry_run:
        for path in leftovers:
            await anyio.to_thread.run_sync(_unlink, path)
    return removed_rows, len(leftovers)


async def collect(
    engine: Engine,
    settings: Settings,
    store: BlobStore,
    now: dt.datetime | None = None,
    dry_run: bool = False,
) -> GcReport:
    now = now or utcnow()
    report = GcReport(dry_run=dry_run)
    report.uploads_removed, report.partial_files_removed = await remove_expired_uploads(
        settings.data_dir / "uploads", now, dry_run
    )

    cutoff = now - dt.timedelta(days=settings.blob_retention_days)
    candidates = await Blob.raw(
        f"SELECT sha256, size FROM blob b WHERE {UNHELD.format(sha='b.sha256')} "
        "AND COALESCE(b.released_at, b.created_at) < {}",
        cutoff,
    )
    for row in candidates:
        sha = row["sha256"]
        if await mentioned_in_dossiers(sha):
            report.blobs_kept_mentioned += 1
            continue
        if dry_run:
            report.blobs_removed += 1
            report.bytes_freed += int(row["size"])
            continue
        async with write_transaction(engine):
            gone = await Blob.raw(
                f"DELETE FROM blob WHERE sha256 = {{}} AND {UNHELD.format(sha='blob.sha256')} RETURNING sha256",
                sha,
            )
            if gone:
                await BlobUploader.delete().where(BlobUploader.sha256 == sha)
        if gone:
            # The row goes first: from then on nobody is told the server has it.
            await store.delete(thumbnail_key(sha))
            await store.delete(blob_key(sha))
            report.blobs_removed += 1
            report.bytes_freed += int(row["size"])

    # Objects with no row: a process stopped between storing a file and recording
    # it. Not while an upload of the same hash is being finished, nor soon after a
    # restore (restored_lately). In batches.
    keep_unrecorded = await restored_lately(engine, settings, now)
    batch: list[tuple[str, str]] = []

    async def sweep(batch: list[tuple[str, str]]) -> None:
        shas = sorted({sha for _, sha in batch})
        known = {r["sha256"] for r in await Blob.select(Blob.sha256).where(Blob.sha256.is_in(shas))}
        busy = {
            r["sha256"]
            for r in await Upload.select(Upload.sha256).where(
                Upload.sha256.is_in(shas) & Upload.completed_at.is_null()
            )
        }
        for key, sha in batch:
            if sha in known or sha in busy:
                continue
            if keep_unrecorded:
                report.unrecorded_kept += 1
                continue
            if not dry_run:
                await store.delete(key)
            report.stray_objects_removed += 1

    async for key in store.keys():
        name = key.rsplit("/", 1)[-1]
        sha = sha256_of_key(key) or (
            name[:-4] if key.startswith("thumbnails/") and name.endswith(".jpg") else None
        )
        if not is_sha256(sha):
            continue
        batch.append((key, sha))
        if len(batch) >= 500:
            await sweep(batch)
            batch = []
    if batch:
        await sweep(batch)
    return report
