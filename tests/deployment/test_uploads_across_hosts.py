"""tus uploads through nginx in front of three hosts: every chunk may reach another
host (round robin sends each request to the next), and a host may die in the middle
of a chunk. The upload must end whole, under its hash, whichever host took which
part. Needs the partial uploads in the shared database (not in a host's directory)."""

from __future__ import annotations

import asyncio
import hashlib
import itertools
from collections.abc import AsyncIterator

import httpx
import pytest

from harness import samples
from harness.deployment import Deployment
from harness.tus_client import TUS, TusClient, UploadReport, metadata
from tests.deployment.conftest import device_credential

pytestmark = pytest.mark.slow  # three server processes and nginx: seconds
CHUNK = 256 * 1024  # MOTCUA_UPLOAD_CHUNK_SIZE's default, as deployed
BROKE = (502, 504)  # nginx's answers when the host behind it broke


async def _auth() -> dict[str, str]:
    _, credential = await device_credential()
    return {"Authorization": f"Device {credential}"}


async def _stored_whole(http: httpx.AsyncClient, auth: dict[str, str], data: bytes) -> None:
    sha = hashlib.sha256(data).hexdigest()
    r = await http.get(f"/api/blobs/{sha}", headers=auth)
    assert r.status_code == 200, r.text
    assert hashlib.sha256(r.content).hexdigest() == sha


async def _access_lines(deployment: Deployment, count: int):
    """The access log once it holds `count` lines (nginx writes a line after answering)."""
    for _ in range(200):
        lines = deployment.nginx.access()
        if len(lines) >= count:
            return lines
        await asyncio.sleep(0.01)
    return deployment.nginx.access()


async def test_each_chunk_on_another_host(deployment: Deployment) -> None:
    auth = await _auth()
    files = [samples.pdf(size=3 * CHUNK + 5_000 + k, seed=40 + k) for k in range(3)]
    async with httpx.AsyncClient(base_url=deployment.url, timeout=60) as http:
        client = TusClient(http, auth, chunk_size=CHUNK)
        reports = [
            await client.upload(data, filename=f"giấy {k}.pdf") for k, data in enumerate(files)
        ]
        assert [(r.status, r.problem) for r in reports] == [(204, None)] * 3
        for data in files:
            await _stored_whole(http, auth, data)

    # The chunks really went around: each upload's PATCHes were answered by every host,
    # one after the other, none twice in a row.
    lines = await _access_lines(deployment, 3 * 5)
    for report in reports:
        assert report.url is not None
        hosts = [
            deployment.host_named(line.upstream)
            for line in lines
            if line.method == "PATCH" and report.url.endswith(line.path)
        ]
        assert len(hosts) == 4 and set(hosts) == {0, 1, 2}, hosts
        assert all(a != b for a, b in itertools.pairwise(hosts)), hosts


async def _chunk_killing(
    data: bytes, deployment: Deployment, victim: int, killed: asyncio.Event
) -> AsyncIterator[bytes]:
    """A chunk's body that stops halfway while the host receiving it is killed."""
    half = len(data) // 2
    yield data[:half]
    await asyncio.sleep(0.3)  # nginx has passed the first half on to the host
    deployment.servers[victim].kill9()
    killed.set()
    yield data[half:]


async def test_a_host_killed_mid_chunk_and_the_upload_goes_on_at_another(
    deployment: Deployment,
) -> None:
    auth = {**(await _auth()), **TUS}
    data = samples.pdf(size=4 * CHUNK, seed=7)
    sha = hashlib.sha256(data).hexdigest()
    async with httpx.AsyncClient(base_url=deployment.url, timeout=60) as http:
        r = await http.post(
            "/api/uploads",
            headers={
                **auth,
                "Upload-Length": str(len(data)),
                "Upload-Metadata": metadata({"sha256": sha, "filename": "giấy khai sinh.pdf"}),
            },
        )
        assert r.status_code == 201, r.text
        url = r.headers["location"]
        chunk_headers = {**auth, "Content-Type": "application/offset+octet-stream"}
        r = await http.patch(
            url, content=data[:CHUNK], headers={**chunk_headers, "Upload-Offset": "0"}
        )
        assert r.status_code == 204, r.text

        # The next request goes to the host after the one that took the first chunk.
        lines = await _access_lines(deployment, 2)
        victim = (deployment.host_named(lines[-1].upstream) + 1) % len(deployment.servers)
        killed = asyncio.Event()
        try:
            r = await http.patch(
                url,
                content=_chunk_killing(data[CHUNK : 2 * CHUNK], deployment, victim, killed),
                headers={
                    **chunk_headers,
                    "Upload-Offset": str(CHUNK),
                    "Content-Length": str(CHUNK),
                },
            )
            broken = r.status_code in BROKE
        except httpx.TransportError:
            broken = True
        assert killed.is_set() and broken, "the chunk was meant to break with its host"

        # The phone carries on as after any cut: where does the upload stand, then the rest.
        client = TusClient(http, auth, chunk_size=CHUNK, resume_on=BROKE)
        report = await client.upload(data, sha256=sha, report=UploadReport(url=url, resumes=1))
        assert (report.status, report.problem) == (204, None)
        assert report.offsets[0] == CHUNK  # the killed host's half chunk was never kept
        await _stored_whole(http, auth, data)

    lines = await _access_lines(deployment, 6)
    after = [line for line in lines if url.endswith(line.path)][2:]
    assert after and all(
        deployment.host_named(line.upstream.split(", ")[-1]) != victim for line in after
    ), after
