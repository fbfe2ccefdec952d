"""Uploads over a link that breaks, through a proxy on 127.0.0.1 that cuts the
connection after N bytes: they resume where the server stands and re-send at
most one chunk; a file the server has already crosses no bytes at all; two
devices sending the same file at once leave one blob."""

from __future__ import annotations

import asyncio
import random
from contextlib import aclosing

import pytest

from harness import samples
from harness.cut_proxy import CuttingProxy
from harness.sync_client import SyncDevice
from harness.tus_client import TusClient
from server.attachments.tables import Blob, BlobUploader
from server.identity.tables import Account, Device
from tests.attachments.conftest import over_tcp
from tests.sync.conftest import device_for, make_account

CHUNK = 256 * 1024


@pytest.mark.parametrize("checksum", [True, False], ids=["chunk-checksums", "no-checksums"])
async def test_a_cut_upload_resumes_and_resends_at_most_one_chunk(
    citizen: SyncDevice, live: int, checksum: bool
) -> None:
    data = samples.pdf(1_300_000, seed=101)
    cut = 3 * CHUNK + 100_000  # in the middle of the fourth chunk
    async with (
        CuttingProxy(live, cut_at=[cut]) as proxy,
        aclosing(over_tcp(citizen, proxy.url)) as http,
    ):
        client = TusClient(http, citizen.auth, chunk_size=CHUNK, checksum=checksum)
        report = await client.upload(data)
    assert report.ok, report.problem
    assert proxy.cuts == 1 and report.resumes == 1
    resent = proxy.body_bytes - len(data)
    assert 0 <= resent <= CHUNK, resent
    if checksum:
        # A checksummed chunk is kept whole or not at all: the cut chunk starts again.
        assert report.offsets.count(3 * CHUNK) == 2
    else:
        # What the server received before the cut is kept: the next PATCH starts there.
        assert any(3 * CHUNK < o < 4 * CHUNK for o in report.offsets), report.offsets
    assert await Blob.exists().where(Blob.sha256 == samples.sha(data))


async def test_many_cuts_still_deliver_the_file_intact(citizen: SyncDevice, live: int) -> None:
    data = samples.pdf(2_000_000, seed=102)
    rng = random.Random(7)
    cuts = sorted(rng.sample(range(10_000, len(data) - 10_000), 8))
    async with (
        CuttingProxy(live, cut_at=cuts) as proxy,
        aclosing(over_tcp(citizen, proxy.url)) as http,
    ):
        report = await TusClient(http, citizen.auth, chunk_size=CHUNK).upload(data)
    assert report.ok and proxy.cuts == 8
    assert proxy.body_bytes - len(data) <= 8 * CHUNK
    r = await citizen.http.get(f"/api/blobs/{samples.sha(data)}", headers=citizen.auth)
    assert r.content == data


async def account_of(device: SyncDevice):
    row = await Device.select(Device.account_id).where(Device.id == device.device_id).first()
    return row["account_id"]


async def test_a_file_the_server_has_sends_no_content_bytes(
    app, citizen: SyncDevice, live: int
) -> None:
    photo = samples.jpeg(1024, 768, seed=103)
    report = await TusClient(citizen.http, citizen.auth).upload_if_missing(photo)
    assert report.ok and report.body_bytes_sent == len(photo)

    # The same photo from the same person's other phone, over the network.
    email = (
        await Account.select(Account.email).where(Account.id == await account_of(citizen)).first()
    )["email"]
    tablet = await device_for(app, email)
    async with (
        aclosing(tablet.http),
        CuttingProxy(live) as proxy,
        aclosing(over_tcp(tablet, proxy.url)) as http,
    ):
        again = await TusClient(http, tablet.auth).upload_if_missing(photo)
    assert again.ok and again.body_bytes_sent == 0
    assert proxy.body_bytes < 200  # the JSON list of one hash; no file content
    assert proxy.requests == 1  # POST /api/blobs/missing, nothing else

    # Another person who only knows the hash must send the bytes (proof that they
    # hold the file); the server still keeps one copy.
    other = await device_for(app, await make_account("citizen"))
    async with aclosing(other.http):
        theirs = await TusClient(other.http, other.auth).upload_if_missing(photo)
        assert theirs.ok and theirs.body_bytes_sent == len(photo)
    assert await Blob.count().where(Blob.sha256 == samples.sha(photo)) == 1


async def test_two_devices_sending_the_same_file_at_once_store_one_blob(
    app, citizen: SyncDevice, live: int, settings
) -> None:
    data = samples.pdf(900_000, seed=104)
    other = await device_for(app, await make_account("citizen"))
    async with (
        aclosing(other.http),
        aclosing(over_tcp(citizen, f"http://127.0.0.1:{live}")) as a,
        aclosing(over_tcp(other, f"http://127.0.0.1:{live}")) as b,
    ):
        # Both asked before either had sent it, so both send it, chunk by chunk, interleaved.
        first, second = await asyncio.gather(
            TusClient(a, citizen.auth, chunk_size=64 * 1024).upload(data),
            TusClient(b, other.auth, chunk_size=64 * 1024).upload(data),
        )
        assert first.ok and second.ok
        sha = samples.sha(data)
        assert await Blob.count().where(Blob.sha256 == sha) == 1
        assert await BlobUploader.count().where(BlobUploader.sha256 == sha) == 2  # both may read it
        files = [p for p in (settings.data_dir / "blobs").rglob("*") if p.is_file()]
        assert [p.name for p in files] == [sha]
        assert (await other.http.get(f"/api/blobs/{sha}", headers=other.auth)).content == data
