"""tus uploads: creation, appending chunks by offset, completion, termination.

The bytes received so far live in the database, one upload_part row per committed
chunk, beside the offset in the upload row: any server process sharing the database
continues any upload, whatever host took its earlier chunks. A chunk is received into
memory (at most the chunk size), then committed in one short write transaction that
locks the row, checks the offset again, inserts the part and advances the offset: two
requests for the same upload, on any hosts, can never both commit at one offset, and
a request that lost its client keeps what it had received. The commit is the durable
point. When the last byte arrives one process (the database decides which) streams
the parts into a temporary file of its own data directory, hashes it against the
SHA-256 it was declared with, checks it (sniff.py), puts it into the blob store,
records it and deletes the parts."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import os
import re
import secrets
import tempfile
import unicodedata
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any

import anyio
from piccolo.engine.base import Engine

from server.attachments import upload_sql as q
from server.attachments.blobs import blob_row, record_blob_rows
from server.attachments.sniff import SNIFF_BYTES, Refused, inspect, sniff
from server.attachments.store import BlobStore, blob_key, thumbnail_key
from server.attachments.tables import Upload
from server.clock import utcnow
from server.database import write_transaction
from server.identity.principal import Principal
from server.observability.metrics import UPLOAD_BYTES, UPLOADS_COMPLETED
from server.settings import MIN_UPLOAD_CHUNK_SIZE, Settings
from server.sql import Sql
from sync.digests import is_sha256

UPLOAD_ID = re.compile(r"^[0-9a-f]{32}$")
# An account may have this many unfinished uploads at once.
MAX_OPEN_UPLOADS = 50
# A HEAD waits this long for a PATCH still receiving (or committing) the same upload,
# so that a client resuming right after a cut connection learns the offset that
# includes what the cut request delivered.
HEAD_WAIT_SECONDS = 3.0
# ...asking the database this often whether the PATCH's receiving lease has ended.
HEAD_POLL_SECONDS = 0.05
# A PATCH's receiving lease: how long a HEAD on any host may find it live. A process
# that dies mid-PATCH leaves it behind: HEADs wait (HEAD_WAIT_SECONDS each) until then.
RECEIVING_LEASE = dt.timedelta(seconds=60)
# A process's claim on finishing an upload (hash, checks, store); another process takes
# over a claim this old (its holder died). Others wait for the finished row meanwhile.
FINISH_CLAIM = dt.timedelta(seconds=120)
FINISH_POLL_SECONDS = 0.1
# The parts a finish holds in memory at once, at most.
FINISH_BATCH_BYTES = 1024 * 1024
# Files of <data dir>/uploads: a finish's temporary copy; the old layout kept each
# unfinished upload's bytes under its id.
FINISHING_PREFIX = "finishing-"
# An upload may hold this many small parts: committed chunks under the smallest chunk
# size the settings allow (MIN_UPLOAD_CHUNK_SIZE) that did not complete it. Each part
# is a row (~185 bytes with its indexes on PostgreSQL besides its data): a client
# sending 10 MiB a byte a PATCH would make ten million. Bounded, an upload holds at
# most max_file_bytes / 16 KiB parts (640 for 10 MiB) and these. The app sends 256
# KiB chunks; a small part comes only from a connection cut within a chunk's first
# 16 KiB. A 10 MB file on 2G dropping every 150 KB is cut ~70 times: even were every
# cut that early, ~70 small parts; 256 leaves over three times that.
MAX_SMALL_PARTS = 256


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


def _named(row: dict, refused: Refused) -> Refused:
    """The refusal, saying which of the person's files it is about."""
    refused.filename = row["filename"]
    return refused


def _expired(row: dict, now: dt.datetime) -> bool:
    return row["completed_at"] is None and row["expires_at"] <= now


def _gone() -> UploadProblem:
    return UploadProblem(410, "upload_expired", "the upload expired; start a new one")


def _lost() -> UploadProblem:
    return UploadProblem(404, "not_found", "the upload's bytes were lost; start a new one")


def _too_fragmented() -> Refused:
    """A file, whatever it is, that arrived in too many small pieces (MAX_SMALL_PARTS):
    not retried by tus-js-client (a 4xx other than 409 or 423), and the app marks the
    file refused with this message rather than send it again at once."""
    most, small = MAX_SMALL_PARTS, MIN_UPLOAD_CHUNK_SIZE // 1024
    return Refused(
        422,
        "too_many_small_chunks",
        f"Tệp đến thành quá nhiều đoạn nhỏ (quá {most} đoạn dưới {small} KB), thường do "
        "kết nối bị ngắt liên tục, nên phần đã gửi đã bị hủy. Hãy gửi lại tệp khi kết nối "
        "ổn định hơn (ví dụ Wi-Fi).",
        f"The file arrived in too many small pieces (over {most} under {small} KiB each), "
        "usually because the connection kept dropping; what was sent has been discarded. "
        "Send the file again over a steadier connection (Wi-Fi, for example).",
    )


class _Busy:
    """Uploads a request of this process is receiving or committing: known from the
    moment a PATCH's headers arrive, before its lease reaches the database."""

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
    """One per app: the blob store, the limits, and a directory for finishing."""

    def __init__(self, engine: Engine, settings: Settings, store: BlobStore) -> None:
        self.engine = engine
        self.settings = settings
        self.store = store
        self.directory = settings.data_dir / "uploads"
        self.expiry = dt.timedelta(hours=settings.upload_expiry_hours)
        self.busy = _Busy()
        # Decoding a picture takes up to ~100 MiB (image_check.DECODE_BUDGET): a
        # process runs this many checks at once, the others wait their turn.
        self.checks = anyio.CapacityLimiter(settings.attachment_checks)

    @property
    def db(self) -> Engine:
        """The engine the tables are bound to: the app's own in a server process (in a
        test running several apps in one process, the one they share)."""
        return Upload._meta.db

    @property
    def sql(self) -> Sql:
        return Sql(self.db)

    async def check(self, work, *args):
        """`work(*args)` (blocking: a file check or a thumbnail) in a worker thread,
        once one of the process's check slots is free."""
        return await anyio.to_thread.run_sync(work, *args, limiter=self.checks)

    # -- creation -------------------------------------------------------------

    async def create(
        self,
        principal: Principal,
        length: int,
        metadata: dict[str, bytes],
        raw_metadata: str,
        receiving: bool = False,
    ) -> dict:
        """A new upload; `receiving`: its first chunk follows in the same request (its
        receiving lease is the row's `receiving_until`)."""
        declared = metadata.get("sha256", b"").decode("ascii", "replace").strip().lower()
        if not is_sha256(declared):
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
        # Any: the values of one row, of as many types as its columns.
        row: dict[str, Any] = {
            "id": secrets.token_hex(16),
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
            "receiving_until": now + RECEIVING_LEASE if receiving else None,
            "finishing_until": None,
            "small_parts": 0,
        }
        await Upload.insert(Upload(**row))
        return row

    # -- lookup ---------------------------------------------------------------

    async def load(self, principal: Principal, upload_id: str) -> dict:
        """The caller's upload; 404 for anyone else's or an unknown one, 410 once
        an unfinished one has expired."""
        if not UPLOAD_ID.match(upload_id):
            raise UploadProblem(404, "not_found")
        row = await Upload.select().where(Upload.id == upload_id).first()
        if row is None or row["account_id"] != principal.account_id:
            raise UploadProblem(404, "not_found")
        if _expired(row, utcnow()):
            raise _gone()
        return row

    async def head(self, principal: Principal, upload_id: str) -> dict:
        """Where the upload stands. While a PATCH (on any host) is receiving a chunk
        of it, wait a little for that chunk to be committed: a client that just lost
        the PATCH's connection then learns the offset that includes what it delivered."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + HEAD_WAIT_SECONDS
        with suppress(TimeoutError):
            async with asyncio.timeout(HEAD_WAIT_SECONDS):
                await self.busy.wait_idle(upload_id)  # a PATCH of this process
        while True:  # a PATCH of any process
            row = await self.load(principal, upload_id)
            lease = row["receiving_until"]
            if lease is None or lease <= utcnow() or loop.time() >= deadline:
                break
            await asyncio.sleep(HEAD_POLL_SECONDS)
        if row["completed_at"] is None and row["received"] == row["length"]:
            # Every byte arrived but the request that delivered the last one did not
            # finish (its process stopped): finish it now.
            row = await self.finish(row)
        return row

    # -- appending ------------------------------------------------------------

    async def load_receiving(
        self, principal: Principal, upload_id: str
    ) -> tuple[dict, dt.datetime | None]:
        """`load` for a PATCH, which marks the upload as receiving a chunk for every
        host's HEAD in the same statement: the row, and the lease to hand back to
        `commit` or `stop_receiving` (None for a finished upload)."""
        if not UPLOAD_ID.match(upload_id):
            raise UploadProblem(404, "not_found")
        now = utcnow()
        lease = now + RECEIVING_LEASE
        async with write_transaction(self.db):
            rows = await self.sql.fetch(
                q.START_RECEIVING,
                id=upload_id,
                account_id=principal.account_id,
                now=now,
                lease=lease,
            )
        if rows:
            return rows[0], lease
        return await self.load(principal, upload_id), None

    async def stop_receiving(self, upload_id: str, lease: dt.datetime | None) -> None:
        if lease is None:
            return
        async with write_transaction(self.db):
            await self.sql.execute(q.STOP_RECEIVING, id=upload_id, lease=lease)

    async def commit(
        self,
        principal: Principal,
        upload_id: str,
        offset: int,
        data: bytes,
        lease: dt.datetime | None = None,
    ) -> dict:
        """Store `data` at `offset` if the upload still stands there, and end `lease`
        (this request's receiving lease); the row after."""
        now = utcnow()
        sql = self.sql
        async with write_transaction(self.db):
            rows = await sql.fetch(q.LOCK_UPLOAD, id=upload_id)
            row = rows[0] if rows else None
            if row is None or row["account_id"] != principal.account_id:
                raise UploadProblem(404, "not_found")
            if _expired(row, now):
                raise _gone()
            if row["received"] != offset:
                raise UploadProblem(
                    409,
                    "offset_mismatch",
                    f"the upload stands at offset {row['received']}, not {offset}",
                    {"Upload-Offset": str(row["received"])},
                )
            if offset + len(data) > row["length"]:
                raise UploadProblem(413, "payload_too_large", "more bytes than Upload-Length")
            # A part under the smallest chunk size that does not complete the upload.
            small = 0 < len(data) < MIN_UPLOAD_CHUNK_SIZE and offset + len(data) < row["length"]
            fragmented = small and row["small_parts"] >= MAX_SMALL_PARTS
            if fragmented:
                # Refused whole, under the same lock: the upload and every part go.
                await sql.execute(q.DELETE_PARTS, id=upload_id)
                await sql.execute(q.DELETE_UNFINISHED_UPLOAD, id=upload_id)
            else:
                if data:
                    await sql.execute(q.INSERT_PART, upload_id=upload_id, start=offset, data=data)
                    row["received"] = offset + len(data)
                    row["expires_at"] = now + self.expiry
                    row["small_parts"] += small
                await sql.execute(
                    q.ADVANCE,
                    id=upload_id,
                    received=row["received"],
                    expires_at=row["expires_at"],
                    small=int(small),
                    lease=lease,
                )
        if fragmented:
            raise _named(row, _too_fragmented())
        UPLOAD_BYTES.inc(len(data))  # committed: counted once, never for a refused chunk
        if row["receiving_until"] == lease:
            row["receiving_until"] = None
        return row

    async def _head_bytes(self, upload_id: str) -> bytes:
        parts = await self.sql.fetch(q.HEAD_BYTES, id=upload_id, n=SNIFF_BYTES, before=SNIFF_BYTES)
        head = b""
        for part in parts:
            if part["start"] != len(head):
                break
            head += bytes(part["head"])
        return head[:SNIFF_BYTES]

    async def after_commit(self, row: dict) -> dict:
        """Sniff the type as soon as the first bytes are in (a disguised file is
        refused before the rest crosses a 2G link); finish on the last byte."""
        if not row["media_type"] and row["received"] >= min(row["length"], SNIFF_BYTES):
            head = await self._head_bytes(row["id"])
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
        """Finish the upload, or, while another process is finishing it, wait for its
        finished row. The database decides who finishes: a claim on the row, taken
        over once it lapses (its process died)."""
        upload_id = row["id"]
        while True:
            now = utcnow()
            claim = now + FINISH_CLAIM
            async with write_transaction(self.db):
                claimed = await self.sql.fetch(q.CLAIM_FINISH, id=upload_id, claim=claim, now=now)
            if claimed:
                try:
                    return await self._finish(claimed[0])
                except BaseException as exc:
                    # Refused (the row is gone), or failed midway (a full disk, the
                    # store unreachable): the next request may try again at once.
                    with suppress(Exception):
                        async with write_transaction(self.db):
                            await self.sql.execute(q.RELEASE_FINISH, id=upload_id, claim=claim)
                    if isinstance(exc, UploadProblem):
                        # The parts went because another process, which took over
                        # our lapsed claim, finished the upload: so it is.
                        fresh = await self.sql.fetch(q.UPLOAD, id=upload_id)
                        if fresh and fresh[0]["completed_at"] is not None:
                            return fresh[0]
                    raise
            fresh = await self.sql.fetch(q.UPLOAD, id=upload_id)
            if not fresh:
                raise UploadProblem(404, "not_found")
            if fresh[0]["completed_at"] is not None:
                return fresh[0]
            if fresh[0]["received"] != fresh[0]["length"]:
                return fresh[0]  # not every byte is in: nothing to finish
            await asyncio.sleep(FINISH_POLL_SECONDS)

    async def _copy_parts(self, row: dict, target: Path) -> str:
        """Write the upload's parts, in order, to `target`; their SHA-256. The parts
        that begin within FINISH_BATCH_BYTES are in memory at a time (at most that and
        one chunk more), never the whole file; one query and one write per batch,
        however small the parts."""
        digest = hashlib.sha256()
        position = 0
        with target.open("wb") as out:
            while position < row["length"]:
                parts = await self.sql.fetch(
                    q.PARTS_FROM,
                    id=row["id"],
                    start=position,
                    before=position + FINISH_BATCH_BYTES,
                )
                if not parts:
                    raise _lost()
                batch = bytearray()
                for part in parts:
                    if part["start"] != position + len(batch):
                        raise _lost()
                    batch += part["data"]
                await anyio.to_thread.run_sync(out.write, batch)
                digest.update(batch)
                position += len(batch)
            if position != row["length"]:
                raise _lost()
        return digest.hexdigest()

    def _temporary(self, upload_id: str) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f"{FINISHING_PREFIX}{upload_id}-", dir=self.directory)
        os.close(fd)
        return Path(name)

    async def _finish(self, row: dict) -> dict:
        path = await anyio.to_thread.run_sync(self._temporary, row["id"])
        try:
            return await self._finish_from(row, path)
        finally:
            await anyio.to_thread.run_sync(lambda: path.unlink(missing_ok=True))

    async def _finish_from(self, row: dict, path: Path) -> dict:
        sha = row["sha256"]
        try:
            digest = await self._copy_parts(row, path)
        except UploadProblem:
            await self.discard(row["id"])
            raise
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
        now = utcnow()
        media_type = (
            inspected.media_type if inspected else (existing or {}).get("media_type", "")
        ) or row["media_type"]
        # Recorded, completed and its parts gone, at once.
        async with write_transaction(self.db):
            await record_blob_rows(
                sha,
                row["length"],
                inspected,
                row["account_id"],
                row["device_id"],
                has_thumbnail,
                row["filename"],
            )
            await self.sql.execute(
                q.COMPLETE, id=row["id"], completed_at=now, media_type=media_type
            )
            await self.sql.execute(q.DELETE_PARTS, id=row["id"])
        row["completed_at"] = now
        UPLOADS_COMPLETED.inc()
        row["media_type"] = media_type
        row["finishing_until"] = None
        return row

    # -- termination ----------------------------------------------------------

    async def discard(self, upload_id: str) -> None:
        """Remove a refused or lost upload and its parts; never a finished one (a
        finish whose claim lapsed finds the parts gone when another process finished
        the upload meanwhile)."""
        async with write_transaction(self.db):
            await self.sql.execute(q.DELETE_PARTS, id=upload_id)
            await self.sql.execute(q.DELETE_UNFINISHED_UPLOAD, id=upload_id)

    async def terminate(self, principal: Principal, upload_id: str) -> None:
        """Remove the caller's upload and its parts; while a process (on any host) is
        finishing it, wait for the finish first (the file is then stored and recorded,
        and only the upload goes): see upload_sql.TERMINATE."""
        await self.load(principal, upload_id)
        while True:
            async with write_transaction(self.db):
                gone = await self.sql.fetch(q.TERMINATE, id=upload_id, now=utcnow())
                if gone:
                    await self.sql.execute(q.DELETE_PARTS, id=upload_id)
                    return
            if not await self.sql.fetch(q.UPLOAD, id=upload_id):
                return  # removed meanwhile (another terminate, the cleanup)
            await asyncio.sleep(FINISH_POLL_SECONDS)
