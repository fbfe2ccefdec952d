"""The blob store interface. Keys are made here from validated hex digests only,
never from anything a client named."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from pathlib import Path

from sync.digests import is_sha256

READ_CHUNK = 64 * 1024


class BlobMissing(LookupError):
    """The store holds nothing under this key."""


def blob_key(sha256: str) -> str:
    """`ab/cd/abcd…`: two levels of fan-out keep directories small."""
    if not is_sha256(sha256):
        raise ValueError("not a SHA-256 hex digest")
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


def thumbnail_key(sha256: str) -> str:
    return f"thumbnails/{blob_key(sha256)}.jpg"


def sha256_of_key(key: str) -> str | None:
    """The digest a blob key names, None for anything else (thumbnails, strays)."""
    name = key.rsplit("/", 1)[-1]
    if is_sha256(name) and key == blob_key(name):
        return name
    return None


class BlobStore(ABC):
    """Every write is atomic (a reader sees the whole object or none) and
    idempotent (the same key always carries the same bytes)."""

    name: str

    @abstractmethod
    async def exists(self, key: str) -> bool: ...

    @abstractmethod
    async def size(self, key: str) -> int:
        """Raises BlobMissing."""

    @abstractmethod
    async def put_file(self, key: str, source: Path) -> None:
        """Store a local file under `key`. The source may be moved away (the
        caller removes it afterwards if it is still there)."""

    @abstractmethod
    async def put_bytes(self, key: str, data: bytes) -> None: ...

    @abstractmethod
    def stream(self, key: str) -> AsyncIterator[bytes]:
        """The object's bytes in chunks; raises BlobMissing before the first."""

    async def read(self, key: str) -> bytes:
        return b"".join([chunk async for chunk in self.stream(key)])

    @abstractmethod
    async def delete(self, key: str) -> None:
        """Remove the object; nothing happens when it is already gone."""

    @abstractmethod
    def keys(self, prefix: str = "") -> AsyncIterator[str]:
        """Every key under `prefix` (for garbage collection)."""

    async def close(self) -> None:
        return None
