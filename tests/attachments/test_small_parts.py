"""The bytes of an unfinished upload are rows of upload_part, one per committed chunk.
A client sending a 10 MiB file one byte a PATCH would make ten million of them: an
upload may hold at most MAX_SMALL_PARTS parts smaller than the smallest chunk size the
settings allow (the part that completes the upload aside). A cut chunk keeps what
arrived, so a phone on a link that drops now and then still finishes its upload; a
client that goes past the bound is refused, and its upload is gone."""

from __future__ import annotations

from contextlib import aclosing

from harness import samples
from harness.cut_proxy import CuttingProxy
from harness.sync_client import SyncDevice
from harness.tus_client import TusClient, metadata
from server.attachments.tables import Blob, Upload
from server.attachments.uploads import MAX_SMALL_PARTS
from server.settings import MIN_UPLOAD_CHUNK_SIZE
from tests.attachments.conftest import over_tcp
from tests.attachments.test_many_hosts import (  # noqa: F401  (fixtures)
    Host,
    assert_stored,
    hosts,
    s3_endpoint,
)
from tests.attachments.test_many_hosts_attacks import orphan_parts, parts_of

TINY = 10  # bytes a PATCH


def test_the_bound_is_256() -> None:
    assert MAX_SMALL_PARTS == 256  # the tests below count to it


async def send_tiny_chunks(hosts: tuple[Host, Host], url: str, data: bytes, count: int) -> int:
    """`count` PATCHes of TINY bytes each, on either host; the offset after them."""
    offset = 0
    for turn in range(count):
        host = hosts[turn % 2]
        r = await host.patch(url, offset, data[offset : offset + TINY])
        assert r.status_code == 204, (turn, r.status_code, r.text)
        offset += TINY
        assert r.headers["upload-offset"] == str(offset)
    return offset


async def small_parts_of(upload_id: str) -> int:
    row = await Upload.select(Upload.small_parts).where(Upload.id == upload_id).first()
    assert row is not None
    return row["small_parts"]


async def test_256_tiny_chunks_are_kept_and_the_257th_is_refused(
    hosts: tuple[Host, Host],
) -> None:
    a, b = hosts
    data = samples.pdf(40_000, seed=90)
    url = await a.create(data)
    upload_id = url.rsplit("/", 1)[-1]
    offset = await send_tiny_chunks(hosts, url, data, MAX_SMALL_PARTS)
    assert await parts_of(upload_id) == MAX_SMALL_PARTS
    assert await small_parts_of(upload_id) == MAX_SMALL_PARTS

    refused = await b.http.patch(
        url,
        content=data[offset : offset + TINY],
        headers={
            "Content-Type": "application/offset+octet-stream",
            "Upload-Offset": str(offset),
            "Accept-Language": "en",
        },
    )
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    problem = refused.json()
    assert problem["type"].endswith("/too_many_small_chunks"), problem
    assert problem["errors"][0]["path"] == "file"
    assert problem["errors"][0]["code"] == "too_many_small_chunks"
    assert "scan.pdf" in problem["detail"] and "too many small pieces" in problem["detail"]
    # Nothing of it is left: not the upload, not a part.
    assert not await Upload.exists().where(Upload.id == upload_id)
    assert await parts_of(upload_id) == 0
    assert await orphan_parts() == 0
    for host in (a, b):
        r = await host.head(url)
        assert r.status_code == 404, (host.name, r.status_code)
    # In Vietnamese by default, like every refusal of a file.
    again = await a.create(data)
    offset = await send_tiny_chunks(hosts, again, data, MAX_SMALL_PARTS)
    vi = await a.patch(again, offset, data[offset : offset + 1])
    assert vi.status_code == 422
    assert "quá nhiều đoạn nhỏ" in vi.json()["detail"], vi.json()


async def test_chunks_of_the_smallest_chunk_size_do_not_count(hosts: tuple[Host, Host]) -> None:
    """A client may send chunks as small as the server may be set to take; the
    part that completes the upload is as small as what is left, and never counts."""
    a, b = hosts
    data = samples.pdf(MAX_SMALL_PARTS * TINY + 300 * MIN_UPLOAD_CHUNK_SIZE + 7, seed=91)
    url = await a.create(data)
    upload_id = url.rsplit("/", 1)[-1]
    offset = await send_tiny_chunks(hosts, url, data, MAX_SMALL_PARTS)
    while len(data) - offset > MIN_UPLOAD_CHUNK_SIZE:
        r = await a.patch(url, offset, data[offset : offset + MIN_UPLOAD_CHUNK_SIZE])
        assert r.status_code == 204, r.text
        offset += MIN_UPLOAD_CHUNK_SIZE
    assert await small_parts_of(upload_id) == MAX_SMALL_PARTS
    last = await b.patch(url, offset, data[offset:])
    assert len(data) - offset == 7
    assert last.status_code == 204 and "motcua-file-seal" in last.headers, last.text
    assert await small_parts_of(upload_id) == MAX_SMALL_PARTS
    await assert_stored(a, data)


async def test_an_upload_whose_link_drops_a_few_times_completes(
    citizen: SyncDevice, live: int
) -> None:
    """Over a link that is cut a few times, a few kilobytes into a chunk: each cut
    leaves a small part, which counts, and the file arrives whole."""
    data = samples.pdf(1_300_000, seed=92)
    # Each pair: a cut well into a chunk (a large part), then one 4,000, 1,000 and
    # 10,000 bytes into the chunk resumed after it (small parts).
    cuts = [100_000, 104_000, 500_000, 501_000, 900_000, 910_000]
    async with (
        CuttingProxy(live, cut_at=cuts) as proxy,
        aclosing(over_tcp(citizen, proxy.url)) as http,
    ):
        report = await TusClient(http, citizen.auth).upload(data)
    assert report.ok, report.problem
    assert proxy.cuts == len(cuts)
    assert report.url is not None
    upload_id = report.url.rsplit("/", 1)[-1]
    assert 1 <= await small_parts_of(upload_id) <= 3
    assert await Blob.exists().where(Blob.sha256 == samples.sha(data))


async def test_the_chunk_a_creation_carries_counts_too(hosts: tuple[Host, Host]) -> None:
    a, _ = hosts
    data = samples.pdf(20_000, seed=93)
    r = await a.http.post(
        "/api/uploads",
        content=data[:TINY],
        headers={
            "Content-Type": "application/offset+octet-stream",
            "Upload-Length": str(len(data)),
            "Upload-Metadata": metadata({"sha256": samples.sha(data), "filename": "scan.pdf"}),
        },
    )
    assert r.status_code == 201 and r.headers["upload-offset"] == str(TINY), r.text
    assert await small_parts_of(r.headers["location"].rsplit("/", 1)[-1]) == 1
