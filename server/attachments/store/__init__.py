"""Where blob bytes live, behind one small interface (`BlobStore`): a
content-addressed directory by default, an S3-compatible bucket for scale."""

from __future__ import annotations

from server.attachments.store.base import BlobMissing, BlobStore, blob_key, thumbnail_key
from server.settings import Settings

__all__ = ["BlobMissing", "BlobStore", "blob_key", "build_blob_store", "thumbnail_key"]


def build_blob_store(settings: Settings) -> BlobStore:
    if settings.blob_backend == "s3":
        from server.attachments.store.s3 import S3BlobStore

        return S3BlobStore.from_settings(settings)
    from server.attachments.store.local import LocalBlobStore

    return LocalBlobStore(settings.data_dir / "blobs")
