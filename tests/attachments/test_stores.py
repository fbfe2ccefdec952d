"""The blob store interface, on the local directory and on an S3-compatible server
(moto's, started on 127.0.0.1 from PyPI), and a whole upload with the S3 backend."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import msgspec
import pytest

from harness import samples
from harness.tus_client import TusClient
from server.attachments.store import BlobMissing, BlobStore, blob_key, thumbnail_key
from server.attachments.store.local import LocalBlobStore
from server.attachments.tables import Blob
from server.settings import Settings
from tests.sync.conftest import device_for, make_account


@pytest.fixture(scope="session")
def s3_endpoint() -> str:
    try:
        from moto.server import ThreadedMotoServer
    except ImportError as exc:  # moto[server] is a test dependency
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"moto is required under CI: {exc}")
        pytest.skip(f"moto not installed: {exc}")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def s3_settings(base: Settings, endpoint: str) -> Settings:
    bucket = "motcua-" + secrets.token_hex(4)
    httpx.put(f"{endpoint}/{bucket}").raise_for_status()  # moto takes unsigned requests
    return msgspec.structs.replace(
        base,
        blob_backend="s3",
        s3_bucket=bucket,
        s3_endpoint=endpoint,
        s3_region="us-east-1",
        s3_access_key_id="testing",
        s3_secret_access_key="testing",
        s3_prefix="blobs",
    )


@pytest.fixture(params=["local", "s3"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[BlobStore]:
    if request.param == "local":
        yield LocalBlobStore(tmp_path / "blobs")
        return
    from server.attachments.store.s3 import S3BlobStore

    endpoint = request.getfixturevalue("s3_endpoint")
    base = Settings(database_url="sqlite:////tmp/unused.db", data_dir=tmp_path)
    s3 = S3BlobStore.from_settings(s3_settings(base, endpoint))
    yield s3
    await s3.close()


async def test_store_contract(store: BlobStore, tmp_path: Path) -> None:
    data = samples.pdf(200_000, seed=301)
    sha = samples.sha(data)
    key = blob_key(sha)
    assert key == f"{sha[:2]}/{sha[2:4]}/{sha}"
    assert not await store.exists(key)
    with pytest.raises(BlobMissing):
        await store.size(key)
    with pytest.raises(BlobMissing):
        await store.read(key)

    source = tmp_path / "partial"
    source.write_bytes(data)
    await store.put_file(key, source)
    assert await store.exists(key) and await store.size(key) == len(data)
    assert await store.read(key) == data
    chunks = [c async for c in store.stream(key)]
    assert b"".join(chunks) == data and len(chunks) >= 1

    # The same key again changes nothing (content-addressed, idempotent).
    again = tmp_path / "again"
    again.write_bytes(data)
    await store.put_file(key, again)
    assert await store.read(key) == data

    await store.put_bytes(thumbnail_key(sha), b"\xff\xd8\xff thumbnail")
    keys = sorted([k async for k in store.keys()])  # noqa: SIM118 - an async listing, not a dict
    assert keys == sorted([key, thumbnail_key(sha)])
    assert [k async for k in store.keys("thumbnails/")] == [thumbnail_key(sha)]

    await store.delete(key)
    await store.delete(key)  # already gone: no error
    assert not await store.exists(key)


def test_keys_come_from_digests_only(tmp_path: Path) -> None:
    for bad in ("../../etc/passwd", "A" * 64, "abc"):
        with pytest.raises(ValueError):
            blob_key(bad)
    store = LocalBlobStore(tmp_path / "blobs")
    with pytest.raises(ValueError):
        store.path("../outside")


async def test_local_writes_are_atomic_and_leave_no_temporary_files(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    sha = samples.sha(b"x")
    await store.put_bytes(thumbnail_key(sha), b"thumb")
    await store.put_bytes(thumbnail_key(sha), b"thumb")
    files = [p for p in (tmp_path / "blobs").rglob("*") if p.is_file()]
    assert files == [tmp_path / "blobs" / thumbnail_key(sha)]


async def test_an_upload_lands_in_the_s3_backend(
    make_app, s3_endpoint: str, settings: Settings
) -> None:
    changes = msgspec.structs.asdict(s3_settings(settings, s3_endpoint))
    app = await make_app(
        **{
            k: changes[k]
            for k in (
                "blob_backend",
                "s3_bucket",
                "s3_endpoint",
                "s3_region",
                "s3_access_key_id",
                "s3_secret_access_key",
                "s3_prefix",
            )
        }
    )
    device = await device_for(app, await make_account("citizen"))
    photo = samples.jpeg(seed=302)
    sha = samples.sha(photo)
    report = await TusClient(device.http, device.auth).upload(photo)
    assert report.ok, report.problem
    assert await Blob.exists().where(Blob.sha256 == sha)
    bucket = changes["s3_bucket"]
    async with httpx.AsyncClient() as http:
        listing = (await http.get(f"{s3_endpoint}/{bucket}?list-type=2")).text
    assert f"blobs/{blob_key(sha)}" in listing and f"blobs/{thumbnail_key(sha)}" in listing
    assert not (settings.data_dir / "blobs").exists()  # nothing on local disk
    r = await device.http.get(f"/api/blobs/{sha}", headers=device.auth)
    assert r.status_code == 200 and r.content == photo
    r = await device.http.get(f"/api/blobs/{sha}/thumbnail", headers=device.auth)
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
    await device.http.aclose()
