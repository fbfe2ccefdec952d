"""Blobs in a directory: `<data dir>/blobs/ab/cd/<sha256>`, written atomically
(temporary file in the same directory, fsync, rename, fsync of the directory)."""

from __future__ import annotations

import errno
import os
import secrets
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import anyio

from server.attachments.store.base import READ_CHUNK, BlobMissing, BlobStore


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def copy_whole(source: Path, target: Path, temporary_name: str) -> None:
    """Write `target` whole or not at all: a temporary file beside it, fsynced, renamed."""
    temporary = target.with_name(temporary_name)
    try:
        with source.open("rb") as src, temporary.open("wb") as dst:
            shutil.copyfileobj(src, dst, 1024 * 1024)
            dst.flush()
            os.fsync(dst.fileno())
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


class LocalBlobStore(BlobStore):
    name = "local"

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root not in path.parents:  # keys are made from hex digests; belt and braces
            raise ValueError(f"key outside the store: {key!r}")
        return path

    async def exists(self, key: str) -> bool:
        return await anyio.to_thread.run_sync(self.path(key).is_file)

    async def size(self, key: str) -> int:
        try:
            return (await anyio.to_thread.run_sync(self.path(key).stat)).st_size
        except FileNotFoundError:
            raise BlobMissing(key) from None

    def _put_file(self, key: str, source: Path) -> None:
        target = self.path(key)
        if target.is_file():
            return  # content-addressed: the same key already holds the same bytes
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            # The source is already fsynced; on the same filesystem a rename is
            # atomic and copies nothing.
            os.replace(source, target)
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise
            copy_whole(source, target, f".{target.name}.{secrets.token_hex(6)}.tmp")
        _fsync_dir(target.parent)

    async def put_file(self, key: str, source: Path) -> None:
        await anyio.to_thread.run_sync(self._put_file, key, source)

    def _put_bytes(self, key: str, data: bytes) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
        try:
            with temporary.open("wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(temporary, target)
        finally:
            temporary.unlink(missing_ok=True)
        _fsync_dir(target.parent)

    async def put_bytes(self, key: str, data: bytes) -> None:
        await anyio.to_thread.run_sync(self._put_bytes, key, data)

    async def stream(self, key: str) -> AsyncIterator[bytes]:
        try:
            f = await anyio.open_file(self.path(key), "rb")
        except FileNotFoundError:
            raise BlobMissing(key) from None
        async with f:
            while chunk := await f.read(READ_CHUNK):
                yield chunk

    async def delete(self, key: str) -> None:
        await anyio.to_thread.run_sync(lambda: self.path(key).unlink(missing_ok=True))

    async def keys(self, prefix: str = "") -> AsyncIterator[str]:
        base = self.path(prefix) if prefix else self.root

        def walk() -> list[str]:
            if not base.is_dir():
                return []
            return sorted(
                str(p.relative_to(self.root))
                for p in base.rglob("*")
                if p.is_file() and not p.name.startswith(".")
            )

        for key in await anyio.to_thread.run_sync(walk):
            yield key
