"""Blob files copied out of and back into the local blob store. Files are named by
their content and never rewritten, so a plain copy of each is a consistent copy, and
a file the store already holds is never overwritten. Temporary files (names starting
with a dot) are partial writes and are left out."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from server.attachments.store.base import READ_CHUNK, blob_key, thumbnail_key
from server.attachments.store.local import copy_whole
from sync.digests import is_sha256

log = logging.getLogger("motcua.recovery")


def _stored_key(key: str) -> bool:
    """Only names the store itself makes: a blob or a blob's thumbnail."""
    name = key.rsplit("/", 1)[-1].removesuffix(".jpg")
    return is_sha256(name) and key in (blob_key(name), thumbnail_key(name))


def _files(root: Path) -> list[tuple[str, Path]]:
    if not root.is_dir():
        return []
    found: list[tuple[str, Path]] = []
    for path in sorted(root.rglob("*")):
        key = path.relative_to(root).as_posix()
        if path.is_file() and not path.name.startswith(".") and _stored_key(key):
            found.append((key, path))
    return found


def _copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    copy_whole(source, target, f".{target.name}.restore.tmp")


def copy_out(store_root: Path, target: Path) -> tuple[int, int]:
    """Every blob and thumbnail file of the store into `target`; returns (count, bytes)."""
    count = size = 0
    for key, path in _files(store_root):
        _copy(path, target / key)
        count += 1
        size += path.stat().st_size
    return count, size


def _holds_its_name(key: str, path: Path) -> bool:
    """A blob file's bytes hash to its name (a thumbnail's name is its blob's)."""
    if key.startswith("thumbnails/"):
        return True
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(READ_CHUNK):
            digest.update(chunk)
    return digest.hexdigest() == key.rsplit("/", 1)[-1]


def copy_back(source: Path, store_root: Path) -> int:
    """The files of `source` the store lacks; returns how many were copied. A blob
    whose bytes are not its name's (a backup tampered with, or rotted on its disk) is
    left out: the store never rewrites a file, so it would stay for good in place of
    the person's; a phone still holding the file sends it again (§9.2)."""
    copied = 0
    for key, path in _files(source):
        target = store_root / key
        if target.exists():
            continue
        if not _holds_its_name(key, path):
            log.warning("%s: its bytes are not the file it names; not restored", path)
            continue
        _copy(path, target)
        copied += 1
    return copied
