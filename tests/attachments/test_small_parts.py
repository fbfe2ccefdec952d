"""The bytes of an unfinished upload are rows of upload_part, one per committed chunk.
A client sending a 10 MiB file one byte a PATCH would make ten million of them: an
upload may hold at most MAX_SMALL_PARTS parts smaller than the smallest chunk size the
settings allow (the part that completes the upload aside). A cut chunk keeps what
arrived, so a phone on a link that drops now and then still finishes its upload; a
client that goes past the bound is refused, and its upload is gone."""

from __future__ import annotations

from harness import samples
from harness.tus_client import metadata
from server.attachments.tables import Upload
from server.attachments.uploads import MAX_SMALL_PARTS
from server.settings import MIN_UPLOAD_CHUNK_SIZE
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
    data = samples.pdf(MAX_SMALL_PARTS * TINY + 40 * MIN_UPLOAD_CHUNK_SIZE + 7, seed=91)
    url = await a.create(data)
    upload_id = url.rsplit("/", 1)[-1]
    offset = await send_tiny_chunks(hosts, url, data, MAX_SMALL_PARTS)
    while len(data) - offset > MIN_UPLOAD_CHUNK_SIZE:
        r = await a.patch(url, offset, data[offset : offset + MIN_UPLOAD_CHUNK_SIZE])
        assert r.status_code == 204, r.text
        offset += MIN_UPLOAD_CHUNK_SIZE
    assert await small_parts_of(upload_id) == MAX_SMALL_PARTS
    last = await b.patch(url, offset, data[offset:])
    assert 0 < len(data) - offset < MIN_UPLOAD_CHUNK_SIZE
    assert last.status_code == 204 and "motcua-file-seal" in last.headers, last.text
    assert await small_parts_of(upload_id) == MAX_SMALL_PARTS
    await assert_stored(a, data)


async def cut_patch(host: Host, url: str, offset: int, chunk: bytes, delivered: int) -> None:
    """A PATCH of `chunk` whose connection drops after `delivered` bytes of it: what
    the server's ASGI app sees of a request cut on the way (its answer goes nowhere)."""
    headers = {
        **host.http.headers,
        "Content-Type": "application/offset+octet-stream",
        "Upload-Offset": str(offset),
        "Content-Length": str(len(chunk)),
    }
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "PATCH",
        "scheme": "http",
        "path": url,
        "raw_path": url.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("198.51.100.9", 40001),
        "server": ("localhost", 8000),
    }
    messages = [
        {"type": "http.request", "body": chunk[:delivered], "more_body": True},
        {"type": "http.disconnect"},
    ]

    async def receive():
        return messages.pop(0) if len(messages) > 1 else messages[0]

    async def send(_message) -> None:
        pass

    await host.app(scope, receive, send)


async def test_an_upload_whose_link_drops_a_few_times_completes(
    hosts: tuple[Host, Host],
) -> None:
    """Chunks of 256 KiB (the app's) over a link cut four times: 100,000 bytes into a
    chunk (a large part, not counted), then 4,000, 1,000 and 10,000 bytes into one
    (small parts, counted). Each time the client asks where the upload stands and goes
    on from there; the file arrives whole."""
    a = hosts[0]
    chunk_size = 256 * 1024
    data = samples.pdf(1_300_000, seed=92)
    url = await a.create(data)
    upload_id = url.rsplit("/", 1)[-1]
    cuts = [100_000, 4_000, 1_000, 10_000]
    offset, turn = 0, 0
    while offset < len(data):
        host = hosts[turn % 2]
        turn += 1
        chunk = data[offset : offset + chunk_size]
        if cuts and turn % 2 == 0:
            await cut_patch(host, url, offset, chunk, cuts.pop(0))
            r = await hosts[turn % 2].head(url)
            assert r.status_code == 200, r.text
            offset = int(r.headers["upload-offset"])
            continue
        r = await host.patch(url, offset, chunk)
        assert r.status_code == 204, r.text
        offset = int(r.headers["upload-offset"])
    assert not cuts
    assert "motcua-file-seal" in r.headers
    assert await small_parts_of(upload_id) == 3
    await assert_stored(a, data)


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
