"""Per-process attachment resources, started after the database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from litestar import Litestar

from server.attachments.gc import remove_expired_uploads
from server.attachments.links import configure
from server.attachments.store import build_blob_store
from server.attachments.uploads import Uploads
from server.background import every

# Abandoned uploads go without waiting for `motcua gc`.
PURGE_EVERY_SECONDS = 900


@asynccontextmanager
async def attachments(app: Litestar) -> AsyncIterator[None]:
    settings = app.state.settings
    store = build_blob_store(settings)
    app.state.blob_store = store
    app.state.uploads = Uploads(app.state.engine, settings, store)
    # Where this host finishes uploads (temporary copies); made now so that a full or
    # read-only data directory shows at start-up.
    app.state.uploads.directory.mkdir(parents=True, exist_ok=True)
    configure(settings.max_dossier_bytes)
    try:
        async with every(
            "removing expired uploads",
            partial(remove_expired_uploads, settings.data_dir / "uploads"),
            PURGE_EVERY_SECONDS,
        ):
            yield
    finally:
        await store.close()
