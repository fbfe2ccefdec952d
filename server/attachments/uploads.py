"""tus uploads: creation, appending chunks by offset, completion, termination.

The bytes received so far live in `<data dir>/uploads/<upload id>` (whatever the
blob backend), the offset in the `upload` row. A chunk is received into memory
(at most the chunk size), then committed in one short write transaction that locks
the row, checks the offset again, writes the bytes at that offset and fsyncs: two
requests for the same upload, in this process or another, can never both commit at
one offset, and a request that lost its client keeps what it had received. When
the last byte arrives the whole file is hashed against the SHA-256 it was declared
with, checked (sniff.py), moved into the blob store and recorded."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import os
import re
import secrets
import unicodedata
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any

import anyio
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine

from server.attachments.blobs import blob_row, record_blob
from server.attachments.sniff import SNIFF_BYTES, Refused, inspect, sniff
from server.attachments.store import BlobStore, blob_key, thumbnail_key
from server.attachments.tables import Upload
from server.clock import utcnow
from server.database import write_transaction
from server.identity.principal import Principal
from server.observability.metrics import UPLOAD_BYTES, UPLOADS_COMPLETED
from server.settings import Settings

UPLOAD_ID = re.compile(r"^[0-9a-f]{32}$")
SHA256 = re.compile(r"^[0-9a-f]{64}$")
# An account may have this many unfinished uploads at once.
MAX_OPEN_UPLOADS = 50
# A HEAD waits this long for a PATCH still receiving (or committing) the same upload,
# so that a client resuming right after a cut connection learns the offset that
# includes what the cut request delivered.
HEAD_WAIT_SECONDS = 3.0


class UploadProblem(Exception):
    """A protocol-level refusal (status, problem code, detail, extra headers)."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str | None = None,
        headers: dict[str, str] | None = None,
        path: str = "",
    ) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.detail = detail
        self.headers = headers or {}
        self.path = path  # the header at fault, named in the problem's errors


def display_name(raw: bytes | None) -> str:
    """The client's filename, for display only: NFC, no directories, no control
    characters, at most 120 characters. Never used to build a path."""
    if not raw:
        return ""
    name = unicodedata.normalize("NFC", raw.decode("utf-8", "replace"))
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip().lstrip(".")
    return name[:120]


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1024 * 1024):
            digest.update(block)
    return digest.hexdigest()


def _write_at(path: Path, offset: int, data: bytes) -> None:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        os.ftruncate(fd, offset)  # drop anything a failed commit left beyond the offset
        written = 0
        try:
            # A nearly full disk takes part of a write (a short count), then refuses
            # the rest with ENOSPC: loop so a short write is never taken for a whole one.
            while written < len(data):
                written += os.pwrite(fd, data[written:], offset + written)
            os.fsync(fd)
        except OSError:
            # The row keeps the old offset: make the file agree, and give the space back.
            with suppress(OSError):
                os.ftruncate(fd, offset)
            raise
    finally:
        os.close(fd)


def _read_head(path: Path) -> bytes:
    with path.open("rb") as f:
        return f.read(SNIFF_BYTES)


def _named(row: dict, refused: Refused) -> Refused:
    """The refusal, saying which of the person's files it is about."""
    refused.filename = row["filename"]
    return refused


class _Busy:
    """Uploads a request of this process is receiving or committing."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[int, asyncio.Event]] = {}

    @asynccontextmanager
    async def hold(self, upload_id: str) -> AsyncIterator[None]:
        count, event = self._entries.get(upload_id, (0, asyncio.Event()))
        self._entries[upload_id] = (count + 1, event)
        try:
            yield
        finally:
            count, event = self._entries[upload_id]
            if count == 1:
                del self._entries[upload_id]
                event.set()
            else:
                self._entries[upload_id] = (count - 1, event)

    async def wait_idle(self, upload_id: str) -> None:
        entry = self._entries.get(upload_id)
        if entry is not None:
            await entry[1].wait()


class Uploads:
    """One per app: the uploads directory, the blob store and the limits."""

    def __init__(self, engine: Engine, settings: Settings, store: BlobStore) -> None:
        self.engine = engine
        self.settings = settings
        self.store = store
        self.directory = settings.data_dir / "uploads"
        self.expiry = dt.timedelta(hours=settings.upload_expiry_hours)
        self.busy = _Busy()
        self._finishing: dict[str, asyncio.Lock] = {}
        # Decoding a picture takes up to ~100 MiB (image_check.DECODE_BUDGET): a
        # process runs this many checks at once, the others wait their turn.
        self.checks = anyio.CapacityLimiter(settings.attachment_checks)

    async def check(self, work, *args):
        """`work(*args)` (blocking: a file check or a thumbnail) in a worker thread,
        once one of the process's check slots is free."""
        return await anyio.to_thread.run_sync(work, *args, limiter=self.checks)

    def path(self, upload_id: str) -> Path:
        if not UPLOAD_ID.match(upload_id):
            raise ValueError("bad upload id")
        return self.directory / upload_id

    # -- creation -------------------------------------------------------------

    async def create(
        self, principal: Principal, length: int, metadata: dict[str, bytes], raw_metadata: str
    ) -> dict:
        declared = metadata.get("sha256", b"").decode("ascii", "replace").strip().lower()
        if not SHA256.match(declared):
            raise UploadProblem(
                400,
                "invalid_request",
                "Upload-Metadata must carry sha256: the file's SHA-256, 64 hex digits",
                path="Upload-Metadata",
            )
        if length == 0:
            raise Refused(422, "file_empty", "Tệp rỗng (0 byte).", "The file is empty (0 bytes).")
        limit = self.settings.max_file_bytes
        if length > limit:
            raise Refused(
                413,
                "file_too_large",
                f"Tệp {length / 1048576:.1f} MB vượt giới hạn {limit / 1048576:.0f} MB cho một tệp; "
                "hãy chụp ở độ phân giải thấp hơn hoặc quét với chất lượng vừa phải.",
                f"The file is {length / 1048576:.1f} MB, over the {limit / 1048576:.0f} MB limit for one "
                "file; take the photo at a lower resolution or scan at a moderate quality.",
            )
        now = utcnow()
        open_count = await Upload.count().where(
            (Upload.account_id == principal.account_id)
            & Upload.completed_at.is_null()
            & (Upload.expires_at > now)
        )
        if open_count >= MAX_OPEN_UPLOADS:
            raise UploadProblem(
                429,
                "too_many_requests",
                f"at most {MAX_OPEN_UPLOADS} unfinished uploads per account",
            )
        upload_id = secrets.token_hex(16)
        await anyio.to_thread.run_sync(self._touch, upload_id)
        # Any: the values of one row, of as many types as its columns.
        row: dict[str, Any] = {
            "id": upload_id,
            "account_id": principal.account_id,
            "device_id": principal.device_id,
            "sha256": declared,
            "length": length,
            "received": 0,
            "media_type": "",
            "filename": display_name(metadata.get("filename")),
            "metadata": raw_metadata,
            "created_at": now,
            "expires_at": now + self.expiry,
            "completed_at": None,
        }
        await Upload.insert(Upload(**row))
        return row

    def _touch(self, upload_id: str) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.path(upload_id).touch(mode=0o600)

    # -- lookup ---------------------------------------------------------------

    async def load(self, principal: Principal, upload_id: str) -> dict:
        """The caller's upload; 404 for anyone else's or an unknown one, 410 once
        an unfinished one has expired."""
        if not UPLOAD_ID.match(upload_id):
            raise UploadProblem(404, "not_found")
        row = await Upload.select().where(Upload.id == upload_id).first()
        if row is None or row["account_id"] != principal.account_id:
            raise UploadProblem(404, "not_found")
        if row["completed_at"] is None and row["expires_at"] <= utcnow():
            raise UploadProblem(410, "upload_expired", "the upload expired; start a new one")
        return row

    async def head(self, principal: Principal, upload_id: str) -> dict:
        with suppress(TimeoutError):
            async with asyncio.timeout(HEAD_WAIT_SECONDS):
                await self.busy.wait_idle(upload_id)
        row = await self.load(principal, upload_id)
        if row["completed_at"] is None and row["received"] == row["length"]:
            # Every byte arrived but the request that delivered the last one did not
            # finish (the process stopped): finish it now.
            row = await self.finish(row)
        return row

    # -- appending ------------------------------------------------------------

    async def commit(self, principal: Principal, upload_id: str, offset: int, data: bytes) -> dict:
        """Write `data` at `offset` if the upload still stands there; the row after."""
        now = utcnow()
        async with write_transaction(self.engine):
            query = Upload.select().where(Upload.id == upload_id)
            if isinstance(self.engine, PostgresEngine):
                query = query.lock_rows("UPDATE")  # SQLite's IMMEDIATE transaction excludes writers
            row = await query.first()
            if row is None or row["account_id"] != principal.account_id:
                raise UploadProblem(404, "not_found")
            if row["completed_at"] is None and row["expires_at"] <= now:
                raise UploadProblem(410, "upload_expired", "the upload expired; start a new one")
            if row["received"] != offset:
                raise UploadProblem(
                    409,
                    "offset_mismatch",
                    f"the upload stands at offset {row['received']}, not {offset}",
                    {"Upload-Offset": str(row["received"])},
                )
            if offset + len(data) > row["length"]:
                raise UploadProblem(413, "payload_too_large", "more bytes than Upload-Length")
            if data:
                await anyio.to_thread.run_sync(_write_at, self.path(upload_id), offset, data)
                row["received"] = offset + len(data)
                row["expires_at"] = now + self.expiry
                await Upload.update(
                    {Upload.received: row["received"], Upload.expires_at: row["expires_at"]}
                ).where(Upload.id == upload_id)
        UPLOAD_BYTES.inc(len(data))  # committed: counted once, never for a refused chunk
        return row

    async def after_commit(self, row: dict) -> dict:
        """Sniff the type as soon as the first bytes are in (a disguised file is
        refused before the rest crosses a 2G link); finish on the last byte."""
        if not row["media_type"] and row["received"] >= min(row["length"], SNIFF_BYTES):
            head = await anyio.to_thread.run_sync(_read_head, self.path(row["id"]))
            try:
                row["media_type"] = sniff(head)
            except Refused as refused:
                await self.discard(row["id"])
                raise _named(row, refused) from None
            await Upload.update({Upload.media_type: row["media_type"]}).where(
                Upload.id == row["id"]
            )
        if row["received"] == row["length"] and row["completed_at"] is None:
            row = await self.finish(row)
        return row

    # -- completion -----------------------------------------------------------

    async def finish(self, row: dict) -> dict:
        lock = self._finishing.setdefault(row["id"], asyncio.Lock())
        try:
            async with lock:
                fresh = await Upload.select().where(Upload.id == row["id"]).first()
                if fresh is None:
                    raise UploadProblem(404, "not_found")
                if fresh["completed_at"] is not None:
                    return fresh
                return await self._finish(fresh)
        finally:
            if not lock.locked():
                self._finishing.pop(row["id"], None)

    async def _finish(self, row: dict) -> dict:
        sha = row["sha256"]
        path = self.path(row["id"])
        try:
            digest = await anyio.to_thread.run_sync(sha256_file, path)
        except FileNotFoundError:
            await self.discard(row["id"])
            raise UploadProblem(
                404, "not_found", "the upload's bytes were lost; start a new one"
            ) from None
        if digest != sha:
            await self.discard(row["id"])
            raise _named(
                row,
                Refused(
                    422,
                    "hash_mismatch",
                    "Tệp nhận được không khớp mã SHA-256 đã khai báo nên đã bị hủy; hãy gửi lại.",
                    f"The file received has SHA-256 {digest}, not the {sha} it was declared with; "
                    "it was discarded. Send it again.",
                ),
            )
        existing = await blob_row(sha)
        inspected = None
        has_thumbnail = False
        if existing is None:
            try:
                inspected = await self.check(inspect, path)
            except Refused as refused:
                await self.discard(row["id"])
                raise _named(row, refused) from None
            if inspected.thumbnail:
                await self.store.put_bytes(thumbnail_key(sha), inspected.thumbnail)
                has_thumbnail = True
            await self.store.put_file(blob_key(sha), path)
        # else: the same bytes are already stored (another device sent them first):
        # this upload only proves its sender holds them.
        await record_blob(
            self.engine,
            sha,
            row["length"],
            inspected,
            row["account_id"],
            row["device_id"],
            has_thumbnail,
        )
        now = utcnow()
        await Upload.update(
            {
                Upload.completed_at: now,
                Upload.media_type: (
                    inspected.media_type
                    if inspected
                    else (existing or {}).get("media_type", row["media_type"])
                ),
            }
        ).where(Upload.id == row["id"])
        await anyio.to_thread.run_sync(lambda: path.unlink(missing_ok=True))
        row["completed_at"] = now
        UPLOADS_COMPLETED.inc()
        return row

    # -- termination ----------------------------------------------------------

    async def discard(self, upload_id: str) -> None:
        await Upload.delete().where(Upload.id == upload_id)
        await anyio.to_thread.run_sync(lambda: self.path(upload_id).unlink(missing_ok=True))

    async def terminate(self, principal: Principal, upload_id: str) -> None:
        await self.load(principal, upload_id)
        await self.discard(upload_id)
