"""Conformance with the real tus-js-client (tests/tus_js, run under Node), over TCP,
directly and through a proxy that cuts the connection mid-chunk."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from pathlib import Path

import pytest

from harness import samples
from harness.cut_proxy import CuttingProxy
from harness.sync_client import SyncDevice
from server.attachments.tables import Blob, Upload

TUS_JS = Path(__file__).resolve().parent.parent / "tus_js"
CHUNK = 256 * 1024


@pytest.fixture(scope="module")
def node() -> str:
    node = shutil.which("node")
    problem = None
    if node is None:
        problem = "node is not installed"
    elif not (TUS_JS / "node_modules" / "tus-js-client").is_dir():
        problem = "tus-js-client is not installed: run `npm ci` in tests/tus_js (make test does)"
    if problem:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(problem)
        pytest.skip(problem)
    return node


async def tus_js(
    node: str, endpoint: str, data: bytes, tmp_path: Path, device: SyncDevice, **options
) -> dict:
    path = tmp_path / "file.bin"
    path.write_bytes(data)
    args = {
        "endpoint": endpoint,
        "file": str(path),
        "sha256": samples.sha(data),
        "chunkSize": CHUNK,
        "headers": device.auth,
        **options,
    }
    process = await asyncio.create_subprocess_exec(
        node,
        str(TUS_JS / "upload.mjs"),
        json.dumps(args),
        cwd=TUS_JS,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, err.decode()
    return json.loads(out.decode().strip().splitlines()[-1])


async def test_tus_js_client_uploads_a_photo(
    node: str, citizen: SyncDevice, live: int, tmp_path: Path
) -> None:
    photo = samples.jpeg(1600, 1200, seed=201)
    assert len(photo) > 2 * CHUNK
    result = await tus_js(
        node,
        f"http://127.0.0.1:{live}/api/uploads",
        photo,
        tmp_path,
        citizen,
        filename="IMG_0001.jpg",
        filetype="image/jpeg",
    )
    assert result["ok"], result
    assert result["patches"] == -(-len(photo) // CHUNK)
    row = await Blob.select().where(Blob.sha256 == samples.sha(photo)).first()
    assert row["media_type"] == "image/jpeg" and (row["width"], row["height"]) == (1600, 1200)
    r = await citizen.http.get(f"/api/blobs/{samples.sha(photo)}", headers=citizen.auth)
    assert r.content == photo


async def test_tus_js_client_with_creation_with_upload(
    node: str, citizen: SyncDevice, live: int, tmp_path: Path
) -> None:
    data = samples.pdf(600_000, seed=202)
    result = await tus_js(
        node,
        f"http://127.0.0.1:{live}/api/uploads",
        data,
        tmp_path,
        citizen,
        uploadDataDuringCreation=True,
    )
    assert result["ok"], result
    assert await Blob.exists().where(Blob.sha256 == samples.sha(data))


async def test_tus_js_client_resumes_after_cuts_resending_at_most_a_chunk_each(
    node: str, citizen: SyncDevice, live: int, tmp_path: Path
) -> None:
    data = samples.pdf(1_500_000, seed=203)
    cuts = [CHUNK + 50_000, 3 * CHUNK + 200_000, 5 * CHUNK + 1]
    async with CuttingProxy(live, cut_at=cuts) as proxy:
        result = await tus_js(node, f"{proxy.url}/api/uploads", data, tmp_path, citizen)
    assert result["ok"], result
    assert proxy.cuts == 3
    assert proxy.body_bytes - len(data) <= 3 * CHUNK, proxy.body_bytes - len(data)
    r = await citizen.http.get(f"/api/blobs/{samples.sha(data)}", headers=citizen.auth)
    assert r.content == data


async def test_tus_js_client_reports_a_refused_file(
    node: str, citizen: SyncDevice, live: int, tmp_path: Path
) -> None:
    result = await tus_js(
        node,
        f"http://127.0.0.1:{live}/api/uploads",
        samples.exe_named_pdf(),
        tmp_path,
        citizen,
        filename="giay-khai-sinh.pdf",
    )
    assert not result["ok"]
    assert result["status"] == 415
    assert result["problem"]["type"] == "/problems/unsupported_file_type"
    assert "Windows" in result["problem"]["detail"]
    assert await Upload.count() == 0 and await Blob.count() == 0


async def test_tus_js_client_reports_a_hash_mismatch(
    node: str, citizen: SyncDevice, live: int, tmp_path: Path
) -> None:
    data = samples.pdf(400_000, seed=204)
    result = await tus_js(
        node,
        f"http://127.0.0.1:{live}/api/uploads",
        data,
        tmp_path,
        citizen,
        sha256=samples.sha(b"something else"),
    )
    assert not result["ok"] and result["status"] == 422
    assert result["problem"]["type"] == "/problems/hash_mismatch"
    assert await Blob.count() == 0
