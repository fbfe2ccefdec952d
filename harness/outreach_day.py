"""An outreach official's phone at the end of a day in the villages: births recorded
offline with their reserved codes and photos of the papers, then synced in one go
over whatever link there is. Protocol-level (httpx), as the PWA would do it, tuned
for slow links:

- photos first, as they are the bulk: `parallel_uploads` tus uploads at once, so
  one upload's round trips (creation, the server's commit) are filled by another's
  bytes; each file in one PATCH of at most the server's chunk size, without
  Upload-Checksum, so that after a drop the server keeps every byte that arrived
  and the upload resumes (HEAD, PATCH) from there;
- records beside them on their own connection: every create_draft at once in
  MessagePack batches, each attach as soon as its photo is on the server (the
  server takes a file only once the account has sent its bytes), and each birth's
  submit (with its reserved code) once all its photos are — the last request after
  the last photo is a few hundred bytes;
- anything cut is sent again: pushes are exactly-once on the server, uploads resume.

Used by bench/slow_link.py (timed against the link's physical floor) and
tests/field/test_slow_link.py (checked for correctness)."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import io
import math
import random
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import httpx
import msgspec

from harness.http_client import KEEPALIVE_EXPIRY
from harness.sync_client import birth_answers, uuid7

PROCEDURE = "khai-sinh-luu-dong"
# The first slot is required for a birth in a health facility; the others optional.
SLOTS = (
    "attachments.birth_certificate",
    "attachments.id_card",
    "attachments.marriage_certificate",
    "attachments.residence_documents",
)
CHILDREN = (
    "Nguyễn Minh Khang",
    "Lê Thị Hoa",
    "Phạm Gia Bảo",
    "Trần Ngọc Ánh",
    "Võ Đức Anh",
    "Hà Thu Trang",
)
MSGPACK = "application/x-msgpack"
TUS = {"Tus-Resumable": "1.0.0"}
# Broken connections: a drop shows up as any of these, depending on the moment.
BROKEN = (httpx.TransportError,)


def photo(size: int, seed: int) -> bytes:
    """A real JPEG of about `size` bytes whose pixels are noise (so it does not
    compress further, like a photo); at least 200 px a side, as the server wants."""
    from PIL import Image

    pixels = size / 0.76  # what noise at quality 85 costs per pixel
    width = max(200, int(math.sqrt(pixels * 4 / 3)))
    height = max(200, int(pixels / width))
    rng = random.Random(seed)
    out = io.BytesIO()
    Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3)).save(
        out, "JPEG", quality=85
    )
    return out.getvalue()


@dataclass
class Photo:
    slot: str
    data: bytes
    sha256: str


@dataclass
class Birth:
    dossier_id: uuid.UUID
    code: str
    answers: dict[str, Any]
    photos: list[Photo]


def record_day(
    codes: list[str],
    births: int,
    photos: int,
    photo_bytes: int,
    seed: int = 1,
    commune: str = "00070",
) -> list[Birth]:
    """`births` registrations made offline, each with its reserved code and its share
    of `photos` (at least one: the birth certificate)."""
    if photos < births or len(codes) < births:
        raise ValueError("every birth needs a photo of its birth certificate and a reserved code")
    rng = random.Random(seed)
    today = dt.date.today()
    day = [
        Birth(
            uuid7(), codes[i], birth_answers(today, child=rng.choice(CHILDREN), commune=commune), []
        )
        for i in range(births)
    ]
    for k in range(photos):
        birth = day[k % births]
        data = photo(photo_bytes, seed * 100_003 + k)
        birth.photos.append(
            Photo(SLOTS[len(birth.photos) % len(SLOTS)], data, hashlib.sha256(data).hexdigest())
        )
    return day


@dataclass
class DayResult:
    seconds: float = 0.0
    photo_bytes: int = 0
    record_bytes: int = 0  # the mutations as MessagePack: the records' own size
    uploads: int = 0
    upload_resumes: int = 0
    upload_requests: int = 0
    pushes: int = 0
    retries: int = 0  # pushes and the missing-files question sent again after a drop
    outcomes: dict[int, dict[str, Any]] = field(default_factory=dict)
    upload_urls: dict[str, str] = field(default_factory=dict)

    @property
    def payload_bytes(self) -> int:
        return self.photo_bytes + self.record_bytes


class OutreachDevice:
    def __init__(
        self,
        base_url: str,
        credential: str,
        device_id: uuid.UUID,
        *,
        parallel_uploads: int = 3,
        batch: int = 40,
        keepalive: float = KEEPALIVE_EXPIRY,
        max_retries: int = 200,
    ) -> None:
        self.base_url = base_url
        self.credential = credential
        self.device_id = device_id
        self.parallel_uploads = parallel_uploads
        self.batch = batch
        self.keepalive = keepalive
        self.max_retries = max_retries
        self.seq = 0

    def client(self, base_url: str | None = None) -> httpx.AsyncClient:
        # Short headers: every request pays for them in airtime.
        headers = {
            "Authorization": f"Device {self.credential}",
            "User-Agent": "motcua",
            "Accept-Encoding": "gzip",
        }
        return httpx.AsyncClient(
            base_url=base_url or self.base_url,
            headers=headers,
            timeout=httpx.Timeout(120.0, connect=30.0, pool=None),
            limits=httpx.Limits(
                max_connections=self.parallel_uploads + 2, keepalive_expiry=self.keepalive
            ),
        )

    async def reserve(self, count: int) -> list[str]:
        """Codes for the day, reserved while online (at the office, not over the field link)."""
        async with self.client() as http:
            r = await http.post("/api/sync/codes/reserve", json={"count": count})
            r.raise_for_status()
            return [c["code"] for c in r.json()["codes"]]

    def _mutation(
        self, kind: str, dossier: uuid.UUID, payload: dict[str, Any], base: int
    ) -> dict[str, Any]:
        self.seq += 1
        return {
            "seq": self.seq,
            "id": str(uuid7()),
            "dossier_id": str(dossier),
            "kind": kind,
            "payload": payload,
            "base_version": base,
        }

    async def sync(self, day: list[Birth], base_url: str | None = None) -> DayResult:
        """Everything recorded today to the server at `base_url` (the field link)."""
        result = DayResult()
        outbox: list[dict[str, Any]] = []
        for birth in day:
            outbox.append(
                self._mutation(
                    "create_draft",
                    birth.dossier_id,
                    {"procedure_code": PROCEDURE, "fields": birth.answers},
                    0,
                )
            )
        result.photo_bytes = sum(len(p.data) for b in day for p in b.photos)
        wake = asyncio.Event()
        uploads_done = asyncio.Event()

        def submit(birth: Birth) -> None:
            outbox.append(
                self._mutation(
                    "submit", birth.dossier_id, {"reserved_code": birth.code}, 1 + len(birth.photos)
                )
            )
            wake.set()

        left = {b.dossier_id: len(b.photos) for b in day}

        def arrived(birth: Birth, p: Photo) -> None:
            """The photo is on the server: attach it, and submit once the birth's last is."""
            outbox.append(
                self._mutation(
                    "attach",
                    birth.dossier_id,
                    {"path": p.slot, "sha256": p.sha256},
                    1 + birth.photos.index(p),
                )
            )
            left[birth.dossier_id] -= 1
            if left[birth.dossier_id]:
                wake.set()
            else:
                submit(birth)

        started = time.perf_counter()
        async with self.client(base_url) as http:
            pusher = asyncio.create_task(self._push_all(http, outbox, wake, uploads_done, result))
            try:
                answer = await self._retry(
                    lambda: self._missing(http, [p.sha256 for b in day for p in b.photos]), result
                )
                missing = set(answer["missing"])
                chunk = answer.get("chunk_size") or 256 * 1024
                for birth in day:
                    if not birth.photos:
                        submit(birth)
                    for p in birth.photos:
                        if p.sha256 not in missing:
                            arrived(birth, p)
                queue = deque((b, p) for b in day for p in b.photos if p.sha256 in missing)
                stored: dict[str, asyncio.Event] = {}

                async def uploader() -> None:
                    while queue:
                        birth, p = queue.popleft()
                        if p.sha256 in stored:  # the same file twice in a day is sent once
                            await stored[p.sha256].wait()
                        else:
                            stored[p.sha256] = asyncio.Event()
                            await self._upload(http, p, chunk, result)
                            stored[p.sha256].set()
                        arrived(birth, p)

                await asyncio.gather(*(uploader() for _ in range(self.parallel_uploads)))
                uploads_done.set()
                wake.set()
                await pusher
            finally:
                pusher.cancel()
        result.seconds = time.perf_counter() - started
        return result

    async def _retry(self, call, result: DayResult):
        for _ in range(self.max_retries):
            try:
                return await call()
            except BROKEN:
                result.retries += 1
        raise RuntimeError("the link never let the request through")

    async def _missing(self, http: httpx.AsyncClient, hashes: list[str]) -> dict[str, Any]:
        r = await http.post("/api/blobs/missing", json={"hashes": hashes}, headers=TUS)
        r.raise_for_status()
        return r.json()

    async def _push_all(
        self,
        http: httpx.AsyncClient,
        outbox: list[dict[str, Any]],
        wake: asyncio.Event,
        uploads_done: asyncio.Event,
        result: DayResult,
    ) -> None:
        """Send what is unconfirmed, oldest first, until the uploads are over and the
        outbox is empty; drop only what the server confirmed."""
        while True:
            if not outbox:
                if uploads_done.is_set():
                    return
                wake.clear()
                await wake.wait()
                continue
            batch = outbox[: self.batch]
            body = msgspec.msgpack.encode({"device_id": str(self.device_id), "mutations": batch})
            result.pushes += 1
            try:
                r = await http.post(
                    "/api/sync/push", content=body, headers={"Content-Type": MSGPACK}
                )
            except BROKEN:
                result.retries += 1
                continue
            if r.status_code != 200:
                raise RuntimeError(f"push refused: {r.status_code} {r.text[:500]}")
            answer = msgspec.msgpack.decode(r.content)
            for outcome in answer["outcomes"]:
                result.outcomes[outcome["seq"]] = outcome
            confirmed = {o["seq"] for o in answer["outcomes"]}
            for m in batch:
                if m["seq"] in confirmed:
                    result.record_bytes += len(msgspec.msgpack.encode(m))
            outbox[:] = [m for m in outbox if m["seq"] not in confirmed]

    async def _upload(
        self, http: httpx.AsyncClient, p: Photo, chunk: int, result: DayResult
    ) -> None:
        url: str | None = None
        offset = 0
        broken = False
        for _ in range(self.max_retries):
            try:
                if url is None:
                    result.upload_requests += 1
                    r = await http.post(
                        "/api/uploads",
                        headers={
                            **TUS,
                            "Upload-Length": str(len(p.data)),
                            "Upload-Metadata": f"sha256 {base64.b64encode(p.sha256.encode()).decode()}",
                        },
                    )
                    if r.status_code != 201:
                        raise RuntimeError(
                            f"upload creation refused: {r.status_code} {r.text[:500]}"
                        )
                    url = r.headers["location"]
                    result.upload_urls[p.sha256] = url
                elif broken:
                    result.upload_requests += 1
                    r = await http.head(url, headers=TUS)
                    if r.status_code != 200:
                        raise RuntimeError(f"upload lost: {r.status_code} {r.text[:500]}")
                    offset = int(r.headers["upload-offset"])
                broken = False
                while offset < len(p.data):
                    result.upload_requests += 1
                    r = await http.patch(
                        url,
                        content=p.data[offset : offset + chunk],
                        headers={
                            **TUS,
                            "Upload-Offset": str(offset),
                            "Content-Type": "application/offset+octet-stream",
                        },
                    )
                    if r.status_code not in (204, 409):
                        raise RuntimeError(f"upload refused: {r.status_code} {r.text[:500]}")
                    offset = int(r.headers["upload-offset"])
                result.uploads += 1
                return
            except BROKEN:
                broken = True
                result.upload_resumes += 1
        raise RuntimeError("the link never let the upload through")
