"""`motcua backup PATH`: an online copy of the database and of the local blob store
into a new directory, with a manifest written last (docs/backups.md)."""

from __future__ import annotations

import importlib.metadata
import shutil
import uuid
from pathlib import Path

import anyio
from piccolo.apps.migrations.tables import Migration
from piccolo.engine.base import Engine

from server.clock import utcnow
from server.database import bound_engine, describe_engine
from server.recovery import blob_copy, pg_tools, sqlite_copy
from server.recovery.generation import current_generation
from server.recovery.manifest import (
    BLOBS_DIR,
    BackupManifest,
    BackupRefused,
    database_file_name,
    write_manifest,
)
from server.recovery.tables import BackupLog
from server.settings import Settings

S3_NOTE = (
    "blobs are in the S3 bucket and were not copied: the bucket must be versioned "
    "(or replicated) so that every file this backup names can be had again"
)


def motcua_version() -> str:
    try:
        return importlib.metadata.version("motcua")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


async def schema_version(engine: Engine) -> str:
    """The last migration applied (migration ids sort by time)."""
    row = (
        await Migration.select(Migration.name)
        .where(Migration.app_name == "motcua")
        .order_by(Migration.name, ascending=False)
        .first()
    )
    return str(row["name"]) if row else ""


def _claim_directory(path: Path) -> bool:
    """Make `path` a new, empty directory; True when this call created it."""
    if path.exists():
        if not path.is_dir():
            raise BackupRefused(f"{path}: exists and is not a directory")
        if any(path.iterdir()):
            raise BackupRefused(f"{path}: exists and is not empty; name a new directory")
        return False
    if path.is_symlink():
        raise BackupRefused(f"{path}: a symbolic link to nothing; name a directory")
    try:
        path.mkdir(parents=True)
    except OSError as exc:
        raise BackupRefused(f"{path}: cannot be made a directory ({exc.strerror})") from None
    return True


def _abandon(path: Path, created: bool) -> None:
    """Leave no half backup behind a failure: the directory as it was found."""
    if created:
        shutil.rmtree(path, ignore_errors=True)
        return
    for entry in path.iterdir():
        if entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)


async def _log_backup(engine: Engine, engine_name: str) -> tuple[BackupLog, int]:
    """Committed before the copy starts, so the copy says when it was taken."""
    generation = await current_generation(engine)
    row = BackupLog(id=uuid.uuid4(), taken_at=utcnow(), generation=generation, engine=engine_name)
    await BackupLog.insert(row)
    return row, generation


async def take_backup(settings: Settings, path: Path) -> BackupManifest:
    if settings.engine == "postgres":
        pg_tools.tool("pg_dump")
    created = _claim_directory(path)
    try:
        return await _take(settings, path)
    except BaseException:
        _abandon(path, created)
        raise


async def _take(settings: Settings, path: Path) -> BackupManifest:
    async with bound_engine(settings) as engine:
        if not (await Migration.table_exists() and await BackupLog.table_exists()):
            raise BackupRefused(
                f"{describe_engine(engine)}: not migrated to this version of motcua; "
                "run motcua migrate (the servers do at start) before backing it up"
            )
        schema = await schema_version(engine)
        log, generation = await _log_backup(engine, settings.engine)
    database = path / database_file_name(settings.engine)
    if settings.engine == "sqlite":
        await anyio.to_thread.run_sync(
            sqlite_copy.copy_online, settings.sqlite_path, database, settings.sqlite_busy_timeout
        )
    else:
        await anyio.to_thread.run_sync(pg_tools.dump, settings.database_url, database)
    # After the database: every file the copy names was already in the store.
    note = ""
    if settings.blob_backend == "local":
        blobs, blob_bytes = await anyio.to_thread.run_sync(
            blob_copy.copy_out, settings.data_dir / "blobs", path / BLOBS_DIR
        )
    else:
        blobs, blob_bytes, note = 0, 0, S3_NOTE
    manifest = BackupManifest(
        taken_at=log.taken_at,
        engine=settings.engine,
        generation=generation,
        motcua_version=motcua_version(),
        schema=schema,
        database_file=database.name,
        database_bytes=database.stat().st_size,
        blob_store=settings.blob_backend,
        blob_count=blobs,
        blob_bytes=blob_bytes,
        note=note,
    )
    write_manifest(path, manifest)
    return manifest
