"""Per-process attachment resources, started after the database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from litestar import Litestar

from server.attachments.gc import purge_uploads_forever
from server.attachments.links import configure
from server.attachments.store import build_blob_store
from server.attachments.uploads import Uploads


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
    purge = asyncio.create_task(purge_uploads_forever(settings.data_dir / "uploads"))
    try:
        yield
    finally:
        purge.cancel()
        with suppress(asyncio.CancelledError):
            await purge
        await store.close()
