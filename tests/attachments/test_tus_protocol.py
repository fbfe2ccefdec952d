"""The tus 1.0 endpoint from Python: creation, offsets, checksums, expiry,
termination, and the whole file's SHA-256 checked on completion."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib

from harness import samples
from harness.sync_client import SyncDevice
from harness.tus_client import TUS, TusClient, metadata
from server.attachments.tables import Blob, Upload

OFFSET = {"Content-Type": "application/offset+octet-stream"}


async def create(device: SyncDevice, data: bytes, sha256: str | None = None, **extra) -> str:
    r = await device.http.post(
        "/api/uploads",
        headers={
            **device.auth,
            **TUS,
            "Upload-Length": str(len(data)),
            "Upload-Metadata": metadata(
                {"sha256": sha256 or samples.sha(data), "filename": "giay-chung-sinh.pdf"}
            ),
            **extra,
        },
    )
    assert r.status_code == 201, r.text
    assert r.headers["tus-resumable"] == "1.0.0"
    assert "upload-expires" in r.headers
    return r.headers["location"]


def checksum(chunk: bytes) -> str:
    return "sha256 " + base64.b64encode(hashlib.sha256(chunk).digest()).decode()


async def test_discovery_names_version_extensions_and_limits(client) -> None:
    r = await client.options("/api/uploads")
    assert r.status_code == 204
    assert r.headers["tus-version"] == "1.0.0" and r.headers["tus-resumable"] == "1.0.0"
    assert set(r.headers["tus-extension"].split(",")) == {
        "creation",
        "creation-with-upload",
        "expiration",
        "checksum",
        "termination",
    }
    assert r.headers["tus-checksum-algorithm"] == "sha256"
    assert r.headers["tus-max-size"] == str(10 * 1024 * 1024)
    assert r.headers["motcua-chunk-size"] == str(256 * 1024)


async def test_upload_resumes_by_offset_and_checks_chunks(citizen: SyncDevice) -> None:
    data = samples.pdf(700_000)
    url = await create(citizen, data)
    h = {**citizen.auth, **TUS}

    r = await citizen.http.head(url, headers=h)
    assert r.status_code == 200
    assert (r.headers["upload-offset"], r.headers["upload-length"]) == ("0", str(len(data)))
    assert r.headers["cache-control"] == "no-store" and "upload-expires" in r.headers
    assert "sha256" in r.headers["upload-metadata"]

    first = data[:200_000]
    r = await citizen.http.patch(
        url,
        content=first,
        headers={**h, **OFFSET, "Upload-Offset": "0", "Upload-Checksum": checksum(first)},
    )
    assert r.status_code == 204 and r.headers["upload-offset"] == "200000", r.text

    # A stale offset: 409 carrying where the upload really stands.
    r = await citizen.http.patch(url, content=first, headers={**h, **OFFSET, "Upload-Offset": "0"})
    assert r.status_code == 409 and r.headers["upload-offset"] == "200000"
    assert r.headers["tus-resumable"] == "1.0.0"

    # A chunk damaged in transit: 460, nothing kept.
    second = data[200_000:400_000]
    r = await citizen.http.patch(
        url,
        content=second,
        headers={
            **h,
            **OFFSET,
            "Upload-Offset": "200000",
            "Upload-Checksum": checksum(second[:-1] + b"x"),
        },
    )
    assert r.status_code == 460 and r.json()["type"] == "/problems/checksum_mismatch"
    assert (await citizen.http.head(url, headers=h)).headers["upload-offset"] == "200000"

    # Unsupported checksum algorithm, wrong content type, no version, oversize chunk.
    r = await citizen.http.patch(
        url,
        content=second,
        headers={**h, **OFFSET, "Upload-Offset": "200000", "Upload-Checksum": "md5 AAAA"},
    )
    assert r.status_code == 400 and "Upload-Checksum" in r.json()["detail"]
    r = await citizen.http.patch(
        url,
        content=second,
        headers={**h, "Content-Type": "application/pdf", "Upload-Offset": "200000"},
    )
    assert r.status_code == 415
    r = await citizen.http.patch(
        url, content=second, headers={**citizen.auth, **OFFSET, "Upload-Offset": "200000"}
    )
    assert r.status_code == 412 and r.headers["tus-version"] == "1.0.0"
    r = await citizen.http.patch(
        url, content=data[200_000:], headers={**h, **OFFSET, "Upload-Offset": "200000"}
    )
    assert r.status_code == 413  # more than one chunk (256 KiB) in one PATCH

    rest = data[200_000:]
    offset = 200_000
    while offset < len(data):
        piece = data[offset : offset + 256 * 1024]
        r = await citizen.http.patch(
            url,
            content=piece,
            headers={
                **h,
                **OFFSET,
                "Upload-Offset": str(offset),
                "Upload-Checksum": checksum(piece),
            },
        )
        assert r.status_code == 204, r.text
        offset = int(r.headers["upload-offset"])
    assert offset == len(data) == 200_000 + len(rest)
    assert "upload-expires" not in r.headers  # finished: it no longer expires
    r = await citizen.http.head(url, headers=h)
    assert r.headers["upload-offset"] == r.headers["upload-length"] == str(len(data))
    blob = await Blob.select().where(Blob.sha256 == samples.sha(data)).first()
    assert blob["size"] == len(data) and blob["media_type"] == "application/pdf"


async def test_creation_with_upload_sends_the_first_chunk_in_the_post(citizen: SyncDevice) -> None:
    data = samples.jpeg(320, 240)
    assert len(data) < 256 * 1024
    r = await citizen.http.post(
        "/api/uploads",
        content=data,
        headers={
            **citizen.auth,
            **TUS,
            **OFFSET,
            "Upload-Length": str(len(data)),
            "Upload-Metadata": metadata({"sha256": samples.sha(data)}),
        },
    )
    assert r.status_code == 201, r.text
    assert r.headers["upload-offset"] == str(len(data))
    assert await Blob.exists().where(Blob.sha256 == samples.sha(data))


async def test_whole_file_hash_mismatch_is_discarded(citizen: SyncDevice, settings) -> None:
    data = samples.pdf(300_000)
    declared = samples.sha(b"some other file")
    report = await TusClient(citizen.http, citizen.auth).upload(data, sha256=declared)
    assert report.status == 422
    assert report.problem["type"] == "/problems/hash_mismatch"
    assert samples.sha(data) in report.problem["detail"] or "SHA-256" in report.problem["detail"]
    assert not await Blob.exists().where(Blob.sha256.is_in([declared, samples.sha(data)]))
    assert await Upload.count() == 0
    assert list((settings.data_dir / "uploads").iterdir()) == []
    r = await citizen.http.head(report.url, headers={**citizen.auth, **TUS})
    assert r.status_code == 404


async def test_bad_creation_requests_are_refused_clearly(citizen: SyncDevice) -> None:
    h = {**citizen.auth, **TUS}
    r = await citizen.http.post("/api/uploads", headers={**h, "Upload-Length": "10"})
    assert r.status_code == 400 and "sha256" in r.json()["detail"]
    r = await citizen.http.post(
        "/api/uploads", headers={**h, "Upload-Length": "10", "Upload-Metadata": "sha256 not*base64"}
    )
    assert r.status_code == 400 and r.json()["errors"][0]["path"] == "Upload-Metadata"
    r = await citizen.http.post(
        "/api/uploads",
        headers={**h, "Upload-Length": "ten", "Upload-Metadata": metadata({"sha256": "0" * 64})},
    )
    assert r.status_code == 400 and "Upload-Length" in r.json()["detail"]
    r = await citizen.http.post(
        "/api/uploads",
        headers={
            **h,
            "Upload-Defer-Length": "1",
            "Upload-Metadata": metadata({"sha256": "0" * 64}),
        },
    )
    assert r.status_code == 400
    r = await citizen.http.post(
        "/api/uploads",
        headers={
            **citizen.auth,
            "Upload-Length": "10",
            "Upload-Metadata": metadata({"sha256": "0" * 64}),
        },
    )
    assert r.status_code == 412
    r = await citizen.http.post(
        "/api/uploads", headers={**h, "Upload-Length": "10"} | {"Authorization": ""}
    )
    assert r.status_code == 401


async def test_termination_and_other_accounts(
    citizen: SyncDevice, other_citizen: SyncDevice
) -> None:
    data = samples.pdf(100_000)
    url = await create(citizen, data)
    # Someone else's upload does not exist for them.
    for call in (
        other_citizen.http.head(url, headers={**other_citizen.auth, **TUS}),
        other_citizen.http.patch(
            url, content=b"x", headers={**other_citizen.auth, **TUS, **OFFSET, "Upload-Offset": "0"}
        ),
        other_citizen.http.delete(url, headers={**other_citizen.auth, **TUS}),
    ):
        assert (await call).status_code == 404
    r = await citizen.http.delete(url, headers={**citizen.auth, **TUS})
    assert r.status_code == 204 and r.headers["tus-resumable"] == "1.0.0"
    assert (await citizen.http.head(url, headers={**citizen.auth, **TUS})).status_code == 404
    assert await Upload.count() == 0
    r = await citizen.http.head("/api/uploads/../../etc/passwd", headers={**citizen.auth, **TUS})
    assert r.status_code == 404


async def test_expired_upload_is_gone(citizen: SyncDevice) -> None:
    data = samples.pdf(100_000)
    url = await create(citizen, data)
    upload_id = url.rsplit("/", 1)[-1]
    await Upload.update(
        {Upload.expires_at: dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)}
    ).where(Upload.id == upload_id)
    h = {**citizen.auth, **TUS}
    assert (await citizen.http.head(url, headers=h)).status_code == 410
    r = await citizen.http.patch(url, content=data, headers={**h, **OFFSET, "Upload-Offset": "0"})
    assert r.status_code == 410 and r.json()["type"] == "/problems/upload_expired"


async def test_head_finishes_an_upload_whose_last_request_died(app, citizen: SyncDevice) -> None:
    """Every byte committed, then the process stopped before checking the file: the
    next HEAD finishes the job instead of leaving it half done."""
    data = samples.pdf(50_000)
    url = await create(citizen, data)
    upload_id = url.rsplit("/", 1)[-1]
    uploads = app.state.uploads
    principal_row = await Upload.select().where(Upload.id == upload_id).first()

    class Who:  # the parts of a Principal that commit() reads
        account_id = principal_row["account_id"]

    await uploads.commit(Who, upload_id, 0, data)  # no after_commit: "the process stopped"
    assert not await Blob.exists().where(Blob.sha256 == samples.sha(data))
    r = await citizen.http.head(url, headers={**citizen.auth, **TUS})
    assert r.status_code == 200 and r.headers["upload-offset"] == str(len(data))
    assert await Blob.exists().where(Blob.sha256 == samples.sha(data))


async def test_concurrent_patches_at_one_offset_commit_once(citizen: SyncDevice) -> None:
    import asyncio

    data = samples.pdf(200_000)
    url = await create(citizen, data)
    h = {**citizen.auth, **TUS, **OFFSET, "Upload-Offset": "0"}
    answers = await asyncio.gather(
        *[citizen.http.patch(url, content=data[:100_000], headers=h) for _ in range(4)]
    )
    statuses = sorted(r.status_code for r in answers)
    assert statuses == [204, 409, 409, 409], statuses
    assert all(r.headers["upload-offset"] == "100000" for r in answers)
