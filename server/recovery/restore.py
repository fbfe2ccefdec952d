"""`motcua restore PATH` and `motcua restored`: put a backup back while the servers
are stopped, or take note of a restore done another way; either begins a new
generation (sync/README.md §9), so that phones put back what the database lost."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import anyio
import msgspec
from piccolo.engine.base import Engine

from server.attachments.store.local import LocalBlobStore
from server.database import bound_engine, write_transaction
from server.migrate import migrate
from server.recovery import blob_copy, pg_tools, sqlite_copy
from server.recovery.generation import begin_generation, generation_started_at
from server.recovery.manifest import BLOBS_DIR, BackupManifest, BackupRefused, read_manifest
from server.recovery.pg_leftovers import drop_leftovers
from server.recovery.tables import BackupLog
from server.settings import Settings

ENGINE_NAMES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}


class RestoreReport(msgspec.Struct, frozen=True, kw_only=True):
    generation: int
    started_at: dt.datetime
    backup_taken_at: dt.datetime | None
    blobs_copied: int = 0
    # PostgreSQL: what the database held that the backup did not ("table name").
    dropped: list[str] = msgspec.field(default_factory=list)


async def _newest_backup_time(engine: Engine) -> dt.datetime | None:
    row = (
        await BackupLog.select(BackupLog.taken_at)
        .order_by(BackupLog.taken_at, ascending=False)
        .first()
    )
    return row["taken_at"] if row else None


async def _begin(
    settings: Settings,
    cause: str,
    taken_at: dt.datetime | None,
    detail: str,
    dumped: set[tuple[str, str]] | None = None,
) -> RestoreReport:
    """Bring the schema up to date (a backup may be older than the code), then begin
    the next generation. `dumped`: the objects of a restored PostgreSQL dump; the
    database keeps no other."""
    async with bound_engine(settings) as engine:
        dropped = await drop_leftovers(engine, dumped) if dumped is not None else []
        await migrate(engine)
        if cause == "restore":
            taken_at = await _newest_backup_time(engine)
        async with write_transaction(engine):
            number = await begin_generation(engine, cause, backup_taken_at=taken_at, detail=detail)
        started_at = await generation_started_at(engine, number)
    assert started_at is not None  # just inserted
    return RestoreReport(
        generation=number, started_at=started_at, backup_taken_at=taken_at, dropped=dropped
    )


def check_restorable(settings: Settings, path: Path) -> BackupManifest:
    manifest = read_manifest(path)
    if manifest.engine != settings.engine:
        raise BackupRefused(
            f"{path}: a backup of {ENGINE_NAMES[manifest.engine]}, but the configured "
            f"database (MOTCUA_DATABASE_URL) is {ENGINE_NAMES[settings.engine]}"
        )
    return manifest


async def restore_backup(settings: Settings, path: Path) -> RestoreReport:
    """The backup put back and a generation begun. A server left running must never see
    the restored data before the generation: it would count codes from the restored
    counters, the lost history's codes again. SQLite: the copy is migrated and its
    generation begun beside the database, then goes over it in one step. PostgreSQL:
    refused while anything else is connected to the database."""
    detail = f"motcua restore {path}"
    if settings.engine == "sqlite":
        manifest = check_restorable(settings, path)
        copied = await _copy_blobs(settings, manifest, path)
        staging = settings.sqlite_path.with_name(settings.sqlite_path.name + ".restoring")
        _remove_sqlite(staging)
        try:
            await anyio.to_thread.run_sync(
                sqlite_copy.restore_over,
                path / manifest.database_file,
                staging,
                settings.sqlite_busy_timeout,
            )
            staged = msgspec.structs.replace(settings, database_url=f"sqlite:///{staging}")
            report = await _begin(staged, "restore", None, detail)
            await anyio.to_thread.run_sync(
                sqlite_copy.restore_over,
                staging,
                settings.sqlite_path,
                settings.sqlite_busy_timeout,
            )
        finally:
            _remove_sqlite(staging)
        return msgspec.structs.replace(report, blobs_copied=copied)
    await pg_tools.refuse_while_connected(settings.database_url)
    copied, dumped = await restore_data(settings, path)
    report = await _begin(settings, "restore", None, detail, dumped)
    return msgspec.structs.replace(report, blobs_copied=copied)


def _remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", ".migrate.lock", ".write.lock"):
        leftover = path.with_name(path.name + suffix)
        leftover.unlink(missing_ok=True)


async def _copy_blobs(settings: Settings, manifest: BackupManifest, path: Path) -> int:
    """Only adds what the store lacks, so a restore that stops part-way can simply be
    run again."""
    if manifest.blob_store != "local" or settings.blob_backend != "local":
        return 0
    store = LocalBlobStore(settings.data_dir / "blobs")
    return await anyio.to_thread.run_sync(blob_copy.copy_back, path / BLOBS_DIR, store.root)


async def restore_data(settings: Settings, path: Path) -> tuple[int, set[tuple[str, str]] | None]:
    """The files and the database put back as the backup holds them, nothing more: what
    a restore done outside motcua leaves (the server then finds out from the devices).
    Returns the files copied back and, on PostgreSQL, the objects the dump held."""
    manifest = check_restorable(settings, path)
    if settings.engine == "postgres":
        pg_tools.tool("pg_restore")
    copied = await _copy_blobs(settings, manifest, path)  # files first
    database = path / manifest.database_file
    dumped = None
    if settings.engine == "sqlite":
        await anyio.to_thread.run_sync(
            sqlite_copy.restore_over, database, settings.sqlite_path, settings.sqlite_busy_timeout
        )
    else:
        await anyio.to_thread.run_sync(pg_tools.restore, settings.database_url, database)
        dumped = await anyio.to_thread.run_sync(pg_tools.dumped_objects, database)
    return copied, dumped


async def declare_restored(
    settings: Settings, backup_taken_at: dt.datetime | None
) -> RestoreReport:
    return await _begin(settings, "declared", backup_taken_at, "motcua restored")
