"""Blobs in an S3-compatible bucket (AWS S3, MinIO, Ceph, Garage, …) through
`obstore`. A PUT of one object is atomic in S3, so no temporary name is needed;
keys are the same as the local store's, under an optional prefix.

Tested against moto's S3 server (tests/attachments/test_s3_store.py). Partial tus
uploads live in the database (upload_part) whatever the backend: a finished file is
copied out to the finishing host's <data dir>/uploads, verified, and put into the
bucket in one request."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

import obstore
from obstore.exceptions import NotFoundError
from obstore.store import S3Store

from server.attachments.store.base import READ_CHUNK, BlobMissing, BlobStore
from server.settings import Settings

if TYPE_CHECKING:
    from obstore.store import ClientConfig, S3Config


class S3BlobStore(BlobStore):
    name = "s3"

    def __init__(self, store: S3Store) -> None:
        self.store = store

    @classmethod
    def from_settings(cls, settings: Settings) -> S3BlobStore:
        config: S3Config = {"region": settings.s3_region}
        if settings.s3_endpoint:
            config["endpoint"] = settings.s3_endpoint
            # Self-hosted servers answer at one address: path-style requests.
            config["virtual_hosted_style_request"] = False
        if settings.s3_access_key_id:
            config["access_key_id"] = settings.s3_access_key_id
            config["secret_access_key"] = settings.s3_secret_access_key
        client_options: ClientConfig = {"allow_http": settings.s3_endpoint.startswith("http://")}
        store = S3Store(
            settings.s3_bucket,
            prefix=settings.s3_prefix or None,
            config=config,
            client_options=client_options,
        )
        return cls(store)

    async def exists(self, key: str) -> bool:
        try:
            await obstore.head_async(self.store, key)
            return True
        except (NotFoundError, FileNotFoundError):
            return False

    async def size(self, key: str) -> int:
        try:
            return int((await obstore.head_async(self.store, key))["size"])
        except (NotFoundError, FileNotFoundError):
            raise BlobMissing(key) from None

    async def put_file(self, key: str, source: Path) -> None:
        if await self.exists(key):
            return  # content-addressed: already there with the same bytes
        # One PUT (no multipart) for files up to the per-file limit: atomic, and
        # nothing half-uploaded is left behind in the bucket.
        await obstore.put_async(self.store, key, source, use_multipart=False)

    async def put_bytes(self, key: str, data: bytes) -> None:
        await obstore.put_async(self.store, key, data, use_multipart=False)

    async def stream(self, key: str) -> AsyncIterator[bytes]:
        try:
            result = await obstore.get_async(self.store, key)
        except (NotFoundError, FileNotFoundError):
            raise BlobMissing(key) from None
        async for chunk in result.stream(min_chunk_size=READ_CHUNK):
            yield bytes(chunk)

    async def delete(self, key: str) -> None:
        with contextlib.suppress(NotFoundError, FileNotFoundError):
            await obstore.delete_async(self.store, key)

    async def keys(self, prefix: str = "") -> AsyncIterator[str]:
        async for batch in obstore.list(self.store, prefix=prefix or None, chunk_size=500):
            for meta in batch:
                yield meta["path"]
