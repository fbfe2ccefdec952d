"""A client that races itself through nginx, against three real `motcua serve` hosts
on one PostgreSQL database and one bucket: the same chunk sent twice at once, HEADs and
a DELETE while chunks are in flight, the last chunk and a DELETE together. Every
answer is a 2xx or a clear 4xx, and afterwards nothing is half-stored: no part
without its upload, no part of a terminated upload, and every recorded blob's
bytes are in the bucket."""

from __future__ import annotations

import asyncio
import hashlib

import httpx
import pytest

from harness import samples
from harness.deployment import Deployment
from harness.tus_client import TUS, metadata
from server.attachments.tables import Blob, Upload
from tests.deployment.conftest import device_credential

pytestmark = pytest.mark.slow
CHUNK = 256 * 1024
OFFSET = {"Content-Type": "application/offset+octet-stream"}


async def test_a_client_racing_itself_across_hosts(deployment: Deployment) -> None:
    _, credential = await device_credential()
    auth = {"Authorization": f"Device {credential}", **TUS}
    answers: list[httpx.Response] = []
    files = [samples.pdf(size=2 * CHUNK + 999 + k, seed=90 + k) for k in range(6)]
    async with httpx.AsyncClient(base_url=deployment.url, timeout=60, headers=auth) as http:

        async def patch(url: str, offset: int, data: bytes) -> httpx.Response:
            r = await http.patch(
                url,
                content=data[offset : offset + CHUNK],
                headers={**OFFSET, "Upload-Offset": str(offset)},
            )
            answers.append(r)
            return r

        async def other(method: str, url: str) -> httpx.Response:
            r = await http.request(method, url)
            answers.append(r)
            return r

        terminated: list[str] = []
        for k, data in enumerate(files):
            r = await http.post(
                "/api/uploads",
                headers={
                    "Upload-Length": str(len(data)),
                    "Upload-Metadata": metadata({"sha256": samples.sha(data), "filename": "x.pdf"}),
                },
            )
            assert r.status_code == 201, r.text
            url = r.headers["location"]
            # The first chunk twice at once, with HEADs beside it.
            await asyncio.gather(
                patch(url, 0, data), patch(url, 0, data), other("HEAD", url), other("HEAD", url)
            )
            await asyncio.gather(patch(url, CHUNK, data), other("HEAD", url))
            # The last chunk, and (for every other file) a DELETE with it.
            racers = [patch(url, 2 * CHUNK, data), other("HEAD", url)]
            if k % 2:
                racers.append(other("DELETE", url))
                terminated.append(url.rsplit("/", 1)[-1])
            await asyncio.gather(*racers)

        for r in answers:
            assert r.status_code < 500, (r.request.method, r.request.url, r.status_code, r.text)

        for k, data in enumerate(files):
            sha = samples.sha(data)
            if await Blob.exists().where(Blob.sha256 == sha):
                r = await http.get(f"/api/blobs/{sha}")
                assert r.status_code == 200, (k, r.status_code, r.text)
                assert hashlib.sha256(r.content).hexdigest() == sha
            else:
                assert k % 2, f"file {k} was never terminated yet is not stored"

    rows = await Upload.raw(
        "SELECT COUNT(*) AS n FROM upload_part p "
        "WHERE NOT EXISTS (SELECT 1 FROM upload u WHERE u.id = p.upload_id) "
        "OR p.upload_id = ANY({})",
        terminated,
    )
    assert rows[0]["n"] == 0
    assert not await Upload.exists().where(Upload.id.is_in(terminated))
