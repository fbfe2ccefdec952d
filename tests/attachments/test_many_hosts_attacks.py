"""tus uploads across two hosts sharing one database, from a client that does what a
well-behaved one never does: terminates while another host finishes, sends chunks
after terminating, reaches for another account's upload, empties or overruns the
upload, races the cleanup. Whatever it does, nothing stays half-stored (no part
without its upload), nothing is wrongly completed, and no answer is a 5xx."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from contextlib import aclosing

import httpx
import pytest

from harness import samples
from harness.sync_client import SyncDevice
from harness.tus_client import TUS
from server.attachments.gc import remove_expired_uploads
from server.attachments.tables import Blob, Upload, UploadPart
from tests.attachments.test_many_hosts import (  # noqa: F401  (fixtures)
    CHUNK,
    Host,
    assert_stored,
    hosts,
    s3_endpoint,
)
from tests.sync.conftest import device_for, make_account


async def parts_of(upload_id: str) -> int:
    return await UploadPart.count().where(UploadPart.upload_id == upload_id)


async def orphan_parts() -> int:
    rows = await Upload.raw(
        "SELECT COUNT(*) AS n FROM upload_part p "
        "WHERE NOT EXISTS (SELECT 1 FROM upload u WHERE u.id = p.upload_id)"
    )
    return int(rows[0]["n"])


def no_5xx(*answers: httpx.Response) -> None:
    for r in answers:
        assert r.status_code < 500, (r.request.method, r.status_code, r.text)


async def commit_all_but_finish(host: Host, url: str, data: bytes) -> None:
    """Every byte committed, as by a PATCH whose process stopped before finishing."""
    upload_id = url.rsplit("/", 1)[-1]
    row = await Upload.select().where(Upload.id == upload_id).first()
    assert row is not None

    class Who:  # the parts of a Principal that commit() reads
        account_id = row["account_id"]

    offset = 0
    while offset < len(data):
        await host.app.state.uploads.commit(Who, upload_id, offset, data[offset : offset + CHUNK])
        offset += CHUNK


@pytest.fixture
async def other_device(hosts: tuple[Host, Host]) -> AsyncIterator[SyncDevice]:
    """Another citizen's device."""
    a, _ = hosts
    device = await device_for(a.app, await make_account("citizen"))
    async with aclosing(device.http):
        yield device


@pytest.fixture
async def intruder(hosts: tuple[Host, Host]) -> AsyncIterator[httpx.AsyncClient]:
    """Another citizen, on host B."""
    _, b = hosts
    device = await device_for(b.app, await make_account("citizen"))
    async with aclosing(device.http):
        transport = httpx.ASGITransport(app=b.app, client=("203.0.113.66", 40000))
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://localhost:8000",
            headers={**device.auth, **TUS},
            timeout=60,
        ) as http:
            yield http


async def test_terminated_while_another_host_finishes(hosts: tuple[Host, Host]) -> None:
    a, b = hosts
    for seed in range(4):
        data = samples.pdf(3 * CHUNK + 5, seed=60 + seed)
        url = await a.create(data)
        upload_id = url.rsplit("/", 1)[-1]
        await commit_all_but_finish(a, url, data)
        finishing, terminated = await asyncio.gather(a.head(url), b.http.delete(url))
        no_5xx(finishing, terminated)
        assert terminated.status_code == 204, terminated.text
        assert await parts_of(upload_id) == 0
        assert await orphan_parts() == 0
        after = await b.head(url)
        no_5xx(after)
        assert after.status_code == 404, (after.status_code, after.headers)


async def test_a_patch_after_terminate_is_refused_and_stores_nothing(
    hosts: tuple[Host, Host],
) -> None:
    a, b = hosts
    data = samples.pdf(2 * CHUNK, seed=70)
    url = await a.create(data)
    upload_id = url.rsplit("/", 1)[-1]
    assert (await a.patch(url, 0, data[:CHUNK])).status_code == 204
    assert (await b.http.delete(url)).status_code == 204
    late = await a.patch(url, CHUNK, data[CHUNK:])
    again = await b.patch(url, 0, data[:CHUNK])
    no_5xx(late, again)
    assert (late.status_code, again.status_code) == (404, 404)
    assert await parts_of(upload_id) == 0
    assert not await Upload.exists().where(Upload.id == upload_id)
    assert not await Blob.exists().where(Blob.sha256 == samples.sha(data))


async def test_a_patch_racing_a_terminate_leaves_no_part(hosts: tuple[Host, Host]) -> None:
    a, b = hosts
    for seed in range(4):
        data = samples.pdf(3 * CHUNK, seed=71 + seed)
        url = await a.create(data)
        upload_id = url.rsplit("/", 1)[-1]
        assert (await a.patch(url, 0, data[:CHUNK])).status_code == 204
        patched, terminated = await asyncio.gather(
            a.patch(url, CHUNK, data[CHUNK : 2 * CHUNK]), b.http.delete(url)
        )
        no_5xx(patched, terminated)
        assert patched.status_code in (204, 404), patched.text
        assert await parts_of(upload_id) == 0
        assert await orphan_parts() == 0


async def test_another_accounts_upload_is_not_found_and_not_touched(
    hosts: tuple[Host, Host], intruder: httpx.AsyncClient
) -> None:
    a, _ = hosts
    data = samples.pdf(2 * CHUNK, seed=80)
    url = await a.create(data)
    upload_id = url.rsplit("/", 1)[-1]
    assert (await a.patch(url, 0, data[:CHUNK])).status_code == 204
    before = await Upload.select().where(Upload.id == upload_id).first()
    offset = {"Content-Type": "application/offset+octet-stream"}
    answers = [
        await intruder.head(url),
        await intruder.patch(
            url, content=data[CHUNK:], headers={**offset, "Upload-Offset": str(CHUNK)}
        ),
        await intruder.patch(url, content=b"", headers={**offset, "Upload-Offset": str(CHUNK)}),
        await intruder.delete(url),
    ]
    no_5xx(*answers)
    assert [r.status_code for r in answers] == [404] * 4
    after = await Upload.select().where(Upload.id == upload_id).first()
    assert after == before  # no lease taken, no byte added, not removed
    assert await parts_of(upload_id) == 1
    r = await a.patch(url, CHUNK, data[CHUNK:])
    assert r.status_code == 204, r.text
    await assert_stored(a, data)


async def test_empty_and_overrunning_chunks(hosts: tuple[Host, Host]) -> None:
    a, b = hosts
    data = samples.pdf(2 * CHUNK + 3, seed=81)
    url = await a.create(data)
    upload_id = url.rsplit("/", 1)[-1]
    empty = await b.patch(url, 0, b"")
    assert empty.status_code == 204 and empty.headers["upload-offset"] == "0"
    assert await parts_of(upload_id) == 0
    assert (await a.patch(url, 0, data[:CHUNK])).status_code == 204
    # One byte more than Upload-Length, at the last chunk.
    over = await b.patch(url, CHUNK, data[CHUNK:] + b"x")
    no_5xx(over)
    assert over.status_code == 413
    # Offsets beyond, and before, where the upload stands.
    for offset in (len(data), len(data) + 1, CHUNK - 1, 10**14):
        r = await a.patch(url, offset, b"")
        no_5xx(r)
        assert r.status_code == 409 and r.headers["upload-offset"] == str(CHUNK), offset
    assert (await b.patch(url, CHUNK, b"")).status_code == 204
    assert (await a.patch(url, CHUNK, data[CHUNK:-1])).status_code == 204
    last = await b.patch(url, len(data) - 1, data[-1:])
    assert last.status_code == 204 and "motcua-file-seal" in last.headers
    await assert_stored(a, data)
    # After completion: an empty chunk at the end changes nothing, a byte more is refused.
    done_empty = await a.patch(url, len(data), b"")
    done_more = await b.patch(url, len(data), b"x")
    no_5xx(done_empty, done_more)
    assert done_more.status_code in (409, 413), done_more.text
    assert await parts_of(upload_id) == 0


async def test_expired_upload_patch_head_and_cleanup(hosts: tuple[Host, Host]) -> None:
    a, b = hosts
    data = samples.pdf(2 * CHUNK, seed=82)
    url = await a.create(data)
    upload_id = url.rsplit("/", 1)[-1]
    assert (await a.patch(url, 0, data[:CHUNK])).status_code == 204
    await Upload.update(
        {Upload.expires_at: dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)}
    ).where(Upload.id == upload_id)
    answers = [await b.patch(url, CHUNK, data[CHUNK:]), await a.head(url), await b.http.delete(url)]
    no_5xx(*answers)
    assert [r.status_code for r in answers[:2]] == [410, 410]
    assert await parts_of(upload_id) == 1
    await remove_expired_uploads(b.uploads_dir)
    assert await parts_of(upload_id) == 0
    assert await orphan_parts() == 0


async def test_cleanup_racing_patches_leaves_every_committed_byte(
    hosts: tuple[Host, Host],
) -> None:
    """The cleanup on B runs while A commits chunks of an upload whose expiry has just
    passed: either the chunk is refused (410, the upload gone) or it is kept whole."""
    a, b = hosts
    data = samples.pdf(4 * CHUNK, seed=83)
    url = await a.create(data)
    upload_id = url.rsplit("/", 1)[-1]
    offset = 0
    for _ in range(4):
        await Upload.update(
            {Upload.expires_at: dt.datetime.now(dt.UTC) - dt.timedelta(milliseconds=1)}
        ).where(Upload.id == upload_id)
        patched, _ = await asyncio.gather(
            a.patch(url, offset, data[offset : offset + CHUNK]),
            remove_expired_uploads(b.uploads_dir),
        )
        no_5xx(patched)
        if patched.status_code != 204:
            assert patched.status_code in (404, 410), patched.text
            break
        offset += CHUNK
    assert await orphan_parts() == 0
    row = await Upload.select().where(Upload.id == upload_id).first()
    if row is not None and row["completed_at"] is None:
        assert await parts_of(upload_id) == (row["received"] + CHUNK - 1) // CHUNK


async def test_a_file_sent_in_tiny_chunks_is_read_back_by_the_megabyte(
    hosts: tuple[Host, Host], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A client may send a file a few bytes a PATCH (each one a part). The finish
    reads the parts a megabyte at a time, however small they are: read a few parts a
    query, 20,000 parts of 10 bytes took 26 s on SQLite, and a 10 MB file in such parts
    hours, long past the finishing claim (FINISH_CLAIM), so that every HEAD on any
    host then began another finish of it."""
    from server.attachments import upload_sql as q
    from server.attachments.uploads import FINISH_BATCH_BYTES
    from server.database import write_transaction
    from server.sql import Sql

    a, b = hosts
    data = samples.pdf(2 * FINISH_BATCH_BYTES + 100, seed=84)
    url = await a.create(data)
    upload_id = url.rsplit("/", 1)[-1]
    uploads = a.app.state.uploads
    size = 1000  # what PATCHes of 1,000 bytes each leave behind
    async with write_transaction(uploads.db):
        for start in range(0, len(data), size):
            await uploads.sql.execute(
                q.INSERT_PART, upload_id=upload_id, start=start, data=data[start : start + size]
            )
        await uploads.sql.execute(
            q.ADVANCE,
            id=upload_id,
            received=len(data),
            expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1),
            small=0,
            lease=None,
        )

    reads = []
    fetch = Sql.fetch

    async def counted(self, statement, **values):  # the real fetch, counted
        if statement is q.PARTS_FROM:
            reads.append(values)
        return await fetch(self, statement, **values)

    monkeypatch.setattr(Sql, "fetch", counted)
    r = await b.head(url)
    assert r.status_code == 200 and "motcua-file-seal" in r.headers, r.text
    await assert_stored(a, data)
    assert len(reads) <= -(-len(data) // FINISH_BATCH_BYTES), len(reads)  # rounded up


class PausingStore:
    """The host's real blob store, which stops after storing a file until let go: the
    moment between a finish storing the bytes and recording them."""

    def __init__(self, store) -> None:
        self.store = store
        self.stored = asyncio.Event()
        self.go_on = asyncio.Event()

    def __getattr__(self, name: str):
        return getattr(self.store, name)

    async def put_file(self, key, source) -> None:
        await self.store.put_file(key, source)
        self.stored.set()
        await self.go_on.wait()


async def test_a_terminate_and_the_cleanup_between_storing_and_recording(
    hosts: tuple[Host, Host], other_device: SyncDevice
) -> None:
    """A finishes an upload: it has stored the bytes and not yet recorded them when
    the client terminates the upload (on B) and the cleanup runs (on B). Were the
    upload removed at once, the stored object would have no row and no open upload,
    the cleanup would remove it, and A would then record a blob whose bytes are gone:
    whoever sends the same file later is told the server has it already, and their
    file is lost. The terminate waits for the finish instead."""
    from server.attachments.gc import collect

    a, b = hosts
    data = samples.pdf(2 * CHUNK, seed=85)
    sha = samples.sha(data)
    url = await a.create(data)
    await commit_all_but_finish(a, url, data)
    uploads = a.app.state.uploads
    pausing = PausingStore(uploads.store)
    uploads.store = pausing
    finishing = asyncio.create_task(a.head(url))
    await asyncio.wait_for(pausing.stored.wait(), 30)
    terminating = asyncio.create_task(b.http.delete(url))
    await asyncio.wait({terminating}, timeout=1)  # done at once, before the fix
    await collect(b.app.state.engine, b.settings, b.app.state.blob_store)
    pausing.go_on.set()
    finished, terminated = await finishing, await terminating
    uploads.store = pausing.store
    no_5xx(finished, terminated)
    assert terminated.status_code == 204, terminated.text
    assert not await Upload.exists().where(Upload.id == url.rsplit("/", 1)[-1])
    assert await parts_of(url.rsplit("/", 1)[-1]) == 0
    # Another account sends the same file: the server has its bytes, for both.
    other = Host("A, another account", a.app, other_device)
    try:
        again = await other.create(data)
        assert (await other.patch(again, 0, data[:CHUNK])).status_code == 204
        r = await other.patch(again, CHUNK, data[CHUNK:])
        assert r.status_code == 204 and "motcua-file-seal" in r.headers, r.text
        for host in (a, other):
            r = await host.http.get(f"/api/blobs/{sha}")
            assert r.status_code == 200, (host.name, r.status_code, r.text)
    finally:
        await other.http.aclose()


async def test_the_cleanup_leaves_an_upload_being_finished(hosts: tuple[Host, Host]) -> None:
    """An upload whose every byte arrived just before it expired is being finished on
    A when the cleanup runs on B: it stays until it is finished (removed, its stored
    object would have no row and no open upload, and the cleanup would take it)."""
    a, b = hosts
    data = samples.pdf(CHUNK, seed=86)
    url = await a.create(data)
    upload_id = url.rsplit("/", 1)[-1]
    await commit_all_but_finish(a, url, data)
    now = dt.datetime.now(dt.UTC)
    await Upload.update(
        {
            Upload.expires_at: now - dt.timedelta(seconds=1),
            Upload.finishing_until: now + dt.timedelta(seconds=60),  # A's live claim
        }
    ).where(Upload.id == upload_id)
    await remove_expired_uploads(b.uploads_dir)
    assert await Upload.exists().where(Upload.id == upload_id)
    assert await parts_of(upload_id) == 1
    # Once the claim lapses (A died), the cleanup takes it.
    await Upload.update({Upload.finishing_until: now - dt.timedelta(seconds=1)}).where(
        Upload.id == upload_id
    )
    await remove_expired_uploads(b.uploads_dir)
    assert not await Upload.exists().where(Upload.id == upload_id)
    assert await parts_of(upload_id) == 0


async def test_a_finish_outrun_by_another_host_leaves_the_finished_upload(
    hosts: tuple[Host, Host], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A is reading an upload's parts back when its finishing claim lapses (a slow
    disk, a long queue of file checks); B takes the finish over, stores and records
    the file and removes the parts. A then finds the parts gone: the upload is
    finished, not lost, and A must not remove it (the client's next HEAD would be a
    404 and it would send the whole file again)."""
    from server.attachments import upload_sql as q
    from server.attachments.uploads import FINISH_BATCH_BYTES
    from server.sql import Sql

    a, b = hosts
    data = samples.pdf(FINISH_BATCH_BYTES + 300_000, seed=87)
    url = await a.create(data)
    upload_id = url.rsplit("/", 1)[-1]
    await commit_all_but_finish(a, url, data)

    paused, go_on = asyncio.Event(), asyncio.Event()
    fetch = Sql.fetch

    async def fetch_pausing_once(self, statement, **values):  # the real fetch
        if statement is q.PARTS_FROM and values["start"] > 0 and not paused.is_set():
            paused.set()  # A, between its first batch and its second
            await go_on.wait()
        return await fetch(self, statement, **values)

    monkeypatch.setattr(Sql, "fetch", fetch_pausing_once)
    slow = asyncio.create_task(a.head(url))
    await asyncio.wait_for(paused.wait(), 30)
    lapsed = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    await Upload.update({Upload.finishing_until: lapsed}).where(Upload.id == upload_id)
    taken_over = await b.head(url)
    assert taken_over.status_code == 200 and "motcua-file-seal" in taken_over.headers
    go_on.set()
    late = await slow
    no_5xx(late)
    assert late.status_code == 200 and "motcua-file-seal" in late.headers, late.status_code
    for host in (a, b):
        r = await host.head(url)
        assert r.status_code == 200 and r.headers["upload-offset"] == str(len(data)), host.name
    await assert_stored(a, data)
