"""A backup directory's manifest: what the copy holds and when it was taken. Written
last, so a directory without one is an incomplete backup and restore refuses it."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import msgspec

MANIFEST = "manifest.json"
FORMAT = 1
SQLITE_FILE = "database.sqlite"
POSTGRES_FILE = "database.pgdump"
BLOBS_DIR = "blobs"


class BackupRefused(ValueError):
    """A backup or restore that would do the wrong thing; the message says why."""


class BackupFailed(RuntimeError):
    """A tool or copy failed part-way; the message says which and why."""


class BackupManifest(msgspec.Struct, frozen=True, kw_only=True):
    format: int = FORMAT
    taken_at: dt.datetime
    engine: str  # "sqlite" or "postgres", as Settings.engine
    generation: int
    motcua_version: str
    schema: str  # the last migration applied
    database_file: str
    database_bytes: int
    blob_store: str  # "local" (copied into blobs/) or "s3" (not copied)
    blob_count: int
    blob_bytes: int
    note: str = ""


def database_file_name(engine: str) -> str:
    return SQLITE_FILE if engine == "sqlite" else POSTGRES_FILE


def write_manifest(directory: Path, manifest: BackupManifest) -> None:
    target = directory / MANIFEST
    temporary = directory / f".{MANIFEST}.tmp"
    with temporary.open("wb") as f:
        f.write(msgspec.json.format(msgspec.json.encode(manifest)))
        f.write(b"\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, target)


def read_manifest(directory: Path) -> BackupManifest:
    """The manifest of a complete backup, or BackupRefused naming what is wrong."""
    path = directory / MANIFEST
    if not directory.is_dir():
        raise BackupRefused(f"{directory}: no such backup directory")
    if not path.is_file():
        raise BackupRefused(
            f"{directory}: no {MANIFEST}; this is not a complete backup "
            "(the manifest is written last)"
        )
    try:
        manifest = msgspec.json.decode(path.read_bytes(), type=BackupManifest)
    except msgspec.DecodeError as exc:
        raise BackupRefused(f"{path}: not a valid backup manifest ({exc})") from None
    if manifest.format != FORMAT:
        raise BackupRefused(f"{path}: manifest format {manifest.format}, expected {FORMAT}")
    if manifest.engine not in ("sqlite", "postgres"):
        raise BackupRefused(f"{path}: unknown engine {manifest.engine!r}")
    database = directory / manifest.database_file
    if manifest.database_file != database_file_name(manifest.engine):
        raise BackupRefused(f"{path}: unexpected database file {manifest.database_file!r}")
    if not database.is_file() or database.stat().st_size != manifest.database_bytes:
        raise BackupRefused(
            f"{database}: missing, or not the {manifest.database_bytes} bytes the manifest says"
        )
    return manifest
