"""tus uploads across several hosts: server processes that share one database and one
blob store, each with a data directory of its own, behind a load balancer that sends
each request wherever it likes. Any host continues any upload, HEAD is right on
every host, a host that dies mid-upload loses nothing committed, the cleanup on any
host removes what an abandoned upload took, and two hosts never both commit at one
offset (or both finish one upload).

Two applications run in this process over the settings' database (both engines),
with data directories of their own. Piccolo binds its tables to one engine per
process, so they share one engine (and its pool): the database's locks are what
orders their requests, and nothing else is shared (no process memory, no directory)."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import shutil
from collections.abc import AsyncIterator
from contextlib import aclosing
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
from asgi_lifespan import LifespanManager

from harness import samples
from harness.sync_client import SyncDevice
from harness.tus_client import TUS, metadata
from server.app import create_app
from server.attachments.gc import remove_expired_uploads
from server.attachments.store import blob_key
from server.attachments.tables import Blob, BlobUploader, Upload
from server.database import bound_engine
from server.settings import Settings
from tests.attachments.conftest import serve
from tests.attachments.test_stores import s3_endpoint, s3_settings  # noqa: F401  (fixture)
from tests.sync.conftest import device_for, make_account

CHUNK = 64 * 1024
OFFSET = {"Content-Type": "application/offset+octet-stream"}


class Host:
    def __init__(self, name: str, app: Any, device: SyncDevice) -> None:
        self.name = name
        self.app = app
        self.settings: Settings = app.state.settings
        transport = httpx.ASGITransport(app=app, client=("198.51.100.9", 40000))
        self.http = httpx.AsyncClient(
            transport=transport,
            base_url="http://localhost:8000",
            headers={**device.auth, **TUS},
            timeout=60,
        )

    @property
    def uploads_dir(self) -> Path:
        return self.settings.data_dir / "uploads"

    async def create(self, data: bytes) -> str:
        r = await self.http.post(
            "/api/uploads",
            headers={
                "Upload-Length": str(len(data)),
                "Upload-Metadata": metadata({"sha256": samples.sha(data), "filename": "scan.pdf"}),
            },
        )
        assert r.status_code == 201, r.text
        return r.headers["location"]

    async def patch(self, url: str, offset: int, chunk) -> httpx.Response:
        return await self.http.patch(
            url, content=chunk, headers={**OFFSET, "Upload-Offset": str(offset)}
        )

    async def head(self, url: str) -> httpx.Response:
        return await self.http.head(url)


@pytest.fixture
async def hosts(
    settings: Settings, s3_endpoint: str, tmp_path: Path
) -> AsyncIterator[tuple[Host, Host]]:
    """Hosts A and B: one database and one bucket (moto's S3 server), each its own
    data directory."""
    shared = s3_settings(settings, s3_endpoint)
    async with bound_engine(shared) as engine:
        managers: list[LifespanManager] = []
        apps = []
        for name in ("host-a", "host-b"):
            own = msgspec.structs.replace(shared, demo_mode=True, data_dir=tmp_path / name)
            app: Any = create_app(own, engine=engine)
            manager = LifespanManager(app)
            await manager.__aenter__()
            managers.append(manager)
            apps.append(app)
        try:
            email = await make_account("citizen")
            device = await device_for(apps[0], email)
            async with aclosing(device.http):
                pair = (Host("A", apps[0], device), Host("B", apps[1], device))
                try:
                    yield pair
                finally:
                    for host in pair:
                        await host.http.aclose()
        finally:
            for manager in reversed(managers):
                await manager.__aexit__(None, None, None)


async def assert_stored(host: Host, data: bytes) -> None:
    sha = samples.sha(data)
    assert await Blob.exists().where(Blob.sha256 == sha)
    assert await BlobUploader.count().where(BlobUploader.sha256 == sha) == 1
    r = await host.http.get(f"/api/blobs/{sha}")
    assert r.status_code == 200, r.text
    assert hashlib.sha256(r.content).hexdigest() == sha


async def test_chunks_alternate_between_hosts_and_the_file_is_whole(
    hosts: tuple[Host, Host],
) -> None:
    a, b = hosts
    data = samples.pdf(5 * CHUNK + 1234, seed=31)
    url = await a.create(data)
    offset = 0
    for turn, host in enumerate([a, b, a, b, a, b]):
        # Where the upload stands is the same on every host.
        for asked in (a, b):
            r = await asked.head(url)
            assert r.status_code == 200 and r.headers["upload-offset"] == str(offset), (
                asked.name,
                turn,
                r.headers,
            )
        r = await host.patch(url, offset, data[offset : offset + CHUNK])
        assert r.status_code == 204, (host.name, r.text)
        offset = min(offset + CHUNK, len(data))
        assert r.headers["upload-offset"] == str(offset)
    assert offset == len(data)
    assert "motcua-file-seal" in r.headers
    for host in (a, b):
        r = await host.head(url)
        assert r.status_code == 200 and r.headers["upload-offset"] == str(len(data))
        await assert_stored(host, data)
    # Nothing of it stays in either data directory.
    for host in (a, b):
        assert not host.uploads_dir.exists() or list(host.uploads_dir.iterdir()) == []


async def test_a_patch_on_a_host_that_never_saw_the_upload(hosts: tuple[Host, Host]) -> None:
    a, b = hosts
    other = samples.pdf(2 * CHUNK + 10, seed=33)
    url = await a.create(other)
    for offset in range(0, len(other), CHUNK):
        r = await b.patch(url, offset, other[offset : offset + CHUNK])
        assert r.status_code == 204, r.text
    await assert_stored(a, other)


async def test_a_host_dies_mid_upload_and_another_takes_over(hosts: tuple[Host, Host]) -> None:
    a, b = hosts
    data = samples.pdf(3 * CHUNK + 77, seed=34)
    url = await a.create(data)
    r = await a.patch(url, 0, data[:CHUNK])
    assert r.status_code == 204

    # A receives the next chunk when it dies: half the body arrived, then nothing more
    # (the process is gone; nothing of it runs again).
    arrived = asyncio.Event()
    never = asyncio.Event()

    async def body():
        yield data[CHUNK : CHUNK + CHUNK // 2]
        arrived.set()
        await never.wait()

    stuck = asyncio.create_task(a.patch(url, CHUNK, body()))
    await asyncio.wait_for(arrived.wait(), 10)
    await asyncio.sleep(0.05)
    shutil.rmtree(a.settings.data_dir, ignore_errors=True)  # and its disk with it

    r = await b.head(url)
    assert r.status_code == 200 and r.headers["upload-offset"] == str(CHUNK)
    for offset in range(CHUNK, len(data), CHUNK):
        r = await b.patch(url, offset, data[offset : offset + CHUNK])
        assert r.status_code == 204, r.text
    assert r.headers["upload-offset"] == str(len(data))
    await assert_stored(b, data)
    stuck.cancel()
    with pytest.raises(asyncio.CancelledError):
        await stuck


async def test_cleanup_on_any_host_removes_an_abandoned_upload(hosts: tuple[Host, Host]) -> None:
    a, b = hosts
    data = samples.pdf(2 * CHUNK, seed=35)
    url = await a.create(data)
    assert (await a.patch(url, 0, data[:CHUNK])).status_code == 204
    upload_id = url.rsplit("/", 1)[-1]
    await Upload.update(
        {Upload.expires_at: dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)}
    ).where(Upload.id == upload_id)

    removed, _ = await remove_expired_uploads(b.uploads_dir)
    assert removed == 1
    assert not await Upload.exists().where(Upload.id == upload_id)
    # Nothing it took is left anywhere: not in the database, not on A's disk.
    parts = await Upload.raw("SELECT COUNT(*) AS n FROM upload_part")
    assert parts[0]["n"] == 0
    assert not (a.uploads_dir / upload_id).exists()
    assert (await a.head(url)).status_code == 404


async def test_two_hosts_patching_at_one_offset_commit_once(hosts: tuple[Host, Host]) -> None:
    a, b = hosts
    data = samples.pdf(3 * CHUNK, seed=36)
    url = await a.create(data)
    for _ in range(3):  # the race, at each offset
        offset = int((await b.head(url)).headers["upload-offset"])
        chunk = data[offset : offset + CHUNK]
        answers = await asyncio.gather(a.patch(url, offset, chunk), b.patch(url, offset, chunk))
        statuses = sorted(r.status_code for r in answers)
        assert statuses == [204, 409], [(r.status_code, r.text) for r in answers]
        after = str(min(offset + CHUNK, len(data)))
        assert [r.headers["upload-offset"] for r in answers] == [after] * 2, [
            (r.status_code, r.headers, r.text) for r in answers
        ]
    await assert_stored(a, data)


async def test_two_hosts_finishing_at_once_finish_once(hosts: tuple[Host, Host]) -> None:
    """Every byte committed and the finishing request lost: HEADs arrive on both
    hosts at once. One finishes, the other answers with the finished upload."""
    a, b = hosts
    data = samples.pdf(2 * CHUNK, seed=37)
    url = await a.create(data)
    assert (await a.patch(url, 0, data[:CHUNK])).status_code == 204
    upload_id = url.rsplit("/", 1)[-1]
    row = await Upload.select().where(Upload.id == upload_id).first()
    assert row is not None

    class Who:  # the parts of a Principal that commit() reads
        account_id = row["account_id"]

    await a.app.state.uploads.commit(Who, upload_id, CHUNK, data[CHUNK:])  # no finish
    answers = await asyncio.gather(a.head(url), b.head(url))
    for r in answers:
        assert r.status_code == 200, r.text
        assert r.headers["upload-offset"] == str(len(data))
        assert "motcua-file-seal" in r.headers
    await assert_stored(a, data)
    for host in (a, b):
        assert await host.app.state.blob_store.exists(blob_key(samples.sha(data)))


async def test_a_head_on_another_host_waits_for_a_cut_patch(hosts: tuple[Host, Host]) -> None:
    """A's PATCH is receiving when the client's connection breaks; the client asks B
    where the upload stands at once: B waits for A to commit what it received, and
    says so, rather than send the client back to an offset A is about to pass."""
    a, b = hosts
    data = samples.pdf(2 * CHUNK, seed=38)
    url = await a.create(data)
    upload_id = url.rsplit("/", 1)[-1]
    server, task, port = await serve(a.app)
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        head = "".join(
            f"{k}: {v}\r\n"
            for k, v in {
                **a.http.headers,
                **OFFSET,
                "Host": "localhost",
                "Upload-Offset": "0",
                "Content-Length": str(CHUNK),
            }.items()
            if k.lower() not in ("accept-encoding", "connection", "user-agent", "accept")
        )
        writer.write(f"PATCH {url} HTTP/1.1\r\n{head}\r\n".encode() + data[: CHUNK // 2])
        await writer.drain()
        # A has begun receiving (its lease is in the database)...
        await wait_until_leased(upload_id)
        asked = asyncio.create_task(b.head(url))  # ...when the client asks B
        await asyncio.sleep(0.2)
        writer.close()  # and only then does A see the connection end
        r = await asked
        assert r.status_code == 200 and r.headers["upload-offset"] == str(CHUNK // 2)
        del reader
    finally:
        server.should_exit = True
        await task
    r = await b.patch(url, CHUNK // 2, data[CHUNK // 2 :])
    assert r.status_code == 204, r.text
    await assert_stored(b, data)


async def wait_until_leased(upload_id: str) -> None:
    async def leased() -> bool:
        row = await Upload.select(Upload.receiving_until).where(Upload.id == upload_id).first()
        return row is not None and row["receiving_until"] is not None

    for _ in range(500):
        if await leased():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the PATCH never began receiving")


async def test_a_lapsed_finishing_claim_is_taken_over(hosts: tuple[Host, Host]) -> None:
    """A process claimed the finish of an upload and died: once its claim lapses, a
    HEAD on another host finishes the upload."""
    a, b = hosts
    data = samples.pdf(CHUNK, seed=39)
    url = await a.create(data)
    upload_id = url.rsplit("/", 1)[-1]
    row = await Upload.select().where(Upload.id == upload_id).first()
    assert row is not None

    class Who:  # the parts of a Principal that commit() reads
        account_id = row["account_id"]

    await a.app.state.uploads.commit(Who, upload_id, 0, data)  # no finish
    lapsed = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    await Upload.update({Upload.finishing_until: lapsed}).where(Upload.id == upload_id)
    r = await b.head(url)
    assert r.status_code == 200 and "motcua-file-seal" in r.headers
    await assert_stored(b, data)


async def test_an_upgraded_host_removes_the_old_layouts_files(hosts: tuple[Host, Host]) -> None:
    """Partial files of the old layout (<data dir>/uploads/<id>) and copies a stopped
    finish left go once they are an hour old, whether or not their upload lives on."""
    import os
    import time

    a, _ = hosts
    data = samples.pdf(CHUNK, seed=40)
    url = await a.create(data)
    upload_id = url.rsplit("/", 1)[-1]
    a.uploads_dir.mkdir(parents=True, exist_ok=True)
    old_partial = a.uploads_dir / upload_id
    old_partial.write_bytes(data[:1000])
    stopped_finish = a.uploads_dir / f"finishing-{upload_id}-x1y2z3"
    stopped_finish.write_bytes(data)
    recent = a.uploads_dir / f"finishing-{'0' * 32}-now"
    recent.write_bytes(b"in use")
    two_hours_ago = time.time() - 7200
    for path in (old_partial, stopped_finish):
        os.utime(path, (two_hours_ago, two_hours_ago))

    removed, files = await remove_expired_uploads(a.uploads_dir)
    assert (removed, files) == (0, 2)
    assert sorted(p.name for p in a.uploads_dir.iterdir()) == [recent.name]
    assert (await a.head(url)).headers["upload-offset"] == "0"  # the upload itself lives on
