"""Small files that decode to huge pictures (security review, hole 9): a 131 KB PNG of
6300×6300 pixels took a server process from 165 MiB to 808 MiB, four at once to 2.7 GiB.

A bomb is refused from its header, before any pixel is decoded, with a problem naming
its dimensions and the limit; what is accepted decodes within a fixed memory budget
(JPEGs at reduced scale), and a process decodes a bounded number of files at once.
Memory is read as the peak RSS of a separate process (ru_maxrss of a child, VmHWM of a
live server), never timed."""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from harness.samples import sha
from harness.sync_client import SyncDevice
from harness.tus_client import TusClient
from tests.hostile.conftest import LiveApi
from tests.sync.conftest import app, citizen  # noqa: F401  (fixtures)

MiB = 1024 * 1024
# What one check may add to a process's peak RSS. The decode budget is 96 MiB; before
# the fix the bomb cost 306 MiB, a 12 MP transparent PNG 250 MiB.
ONE_CHECK_GROWTH = 160 * MiB
# Four worst-case uploads at once to one server process (at most two decodes run at
# once by default): before the fix, about 1.2 GiB.
FOUR_UPLOADS_GROWTH = 320 * MiB


def flat_png(width: int, height: int, mode: str = "RGB", shade: int = 255) -> bytes:
    """A picture of one colour: a few hundred KB however large, as a bomb is."""
    from PIL import Image

    colour = shade if Image.getmodebands(mode) == 1 else (shade,) * Image.getmodebands(mode)
    out = io.BytesIO()
    Image.new(mode, (width, height), colour).save(out, "PNG")
    return out.getvalue()


def webp(width: int, height: int) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (90, 120, 150)).save(out, "WEBP", quality=80)
    return out.getvalue()


def jpeg(
    width: int, height: int, progressive: bool = False, subsampling: int = 2, shade: int = 200
) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (shade, shade - 10, shade - 20)).save(
        out, "JPEG", quality=90, progressive=progressive, subsampling=subsampling
    )
    return out.getvalue()


def bomb() -> bytes:
    """The review's bomb: 6300×6300, 40 megapixels in about 130 KB."""
    return flat_png(6300, 6300)


# A child process imports everything, notes its RSS, checks the file as the server
# does, and says what the check cost (its peak RSS, VmHWM, over the RSS before) and
# how it ended. VmHWM rather than ru_maxrss: Linux carries ru_maxrss across exec, so
# a child of a large pytest process would start with pytest's peak.
_CHILD = """
import json, sys
from pathlib import Path
from server.attachments.sniff import Refused, inspect
import PIL.Image, PIL.ImageOps, PIL.PngImagePlugin, PIL.JpegImagePlugin

def status(key):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024

Path("/proc/self/clear_refs").write_text("5")
before = status("VmRSS")
try:
    result = {"accepted": inspect(Path(sys.argv[1])).media_type}
except Refused as exc:
    result = {"refused": exc.code, "detail": exc.en}
result["growth"] = status("VmHWM") - before
print(json.dumps(result))
"""


def check_in_child(path: Path) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


async def test_the_bomb_png_is_refused_naming_its_size_and_the_limit(
    citizen: SyncDevice, settings
) -> None:
    from server.attachments.tables import Blob, Upload

    client = TusClient(citizen.http, {**citizen.auth, "Accept-Language": "en"})
    report = await client.upload(bomb(), filename="so-ho-khau.png")
    assert report.status == 422, report
    problem = report.problem
    assert problem["type"] == "/problems/image_dimensions"
    detail = problem["detail"]
    assert "so-ho-khau.png" in detail and "6300×6300" in detail and "megapixels" in detail, detail
    assert problem["errors"][0]["path"] == "file"
    assert await Blob.count() == 0 and await Upload.count() == 0
    assert list((settings.data_dir / "uploads").iterdir()) == []

    vi = await TusClient(citizen.http, citizen.auth).upload(bomb(), filename="so-ho-khau.png")
    assert vi.status == 422 and "triệu điểm ảnh" in vi.problem["detail"], vi.problem


async def test_a_bomb_stored_before_the_limits_gets_no_thumbnail_built(
    app, citizen: SyncDevice
) -> None:
    """The desk's thumbnail of a stored image is rebuilt when missing: under the same
    limits as an upload, so a bomb kept before they existed is not decoded now."""
    from server.attachments.store import blob_key, thumbnail_key
    from server.attachments.tables import Blob

    small = flat_png(800, 600, shade=33)
    report = await TusClient(citizen.http, citizen.auth).upload(small, filename="anh.png")
    assert report.ok, report.problem
    digest = sha(small)
    store = app.state.blob_store
    await store.put_bytes(blob_key(digest), bomb())  # as if kept before the limits
    await store.delete(thumbnail_key(digest))
    await Blob.update({Blob.has_thumbnail: False}).where(Blob.sha256 == digest)
    r = await citizen.http.get(f"/api/blobs/{digest}/thumbnail", headers=citizen.auth)
    assert r.status_code == 404 and r.json()["type"] == "/problems/no_thumbnail", r.text


@pytest.mark.parametrize(
    "name, make, outcome",
    [
        ("the review's bomb, 6300×6300 PNG", bomb, "refused"),
        ("a palette PNG bomb", lambda: flat_png(6300, 6300, "P", 3), "refused"),
        (
            "a 24 megapixel PNG (an A4 page scanned at 400 dpi)",
            lambda: flat_png(4896, 4896),
            "accepted",
        ),
        (
            "a transparent PNG of 12 megapixels",
            lambda: flat_png(4000, 3000, "RGBA", 200),
            "accepted",
        ),
        ("a palette PNG of 12 megapixels", lambda: flat_png(4000, 3000, "P", 7), "accepted"),
        ("a WebP bomb, 16000×2500", lambda: webp(16000, 2500), "refused"),
        ("a WebP of 5.8 megapixels", lambda: webp(2400, 2400), "accepted"),
        ("a 50 megapixel phone photo (8160×6120 JPEG)", lambda: jpeg(8160, 6120), "accepted"),
        (
            "a progressive 36 megapixel JPEG, full-colour resolution",
            lambda: jpeg(6000, 6000, True, 0),
            "refused",
        ),
        (
            "a progressive 24 megapixel JPEG, as a photo editor saves it",
            lambda: jpeg(6000, 4000, True, 2),
            "accepted",
        ),
    ],
)
def test_one_check_stays_within_its_memory_budget(
    tmp_path: Path, name: str, make, outcome: str
) -> None:
    path = tmp_path / "upload"
    path.write_bytes(make())
    result = check_in_child(path)
    assert outcome in result, (name, result)
    if outcome == "refused":
        assert result["refused"] == "image_dimensions", (name, result)
        assert "megapixels" in result["detail"], (name, result)
    assert result["growth"] < ONE_CHECK_GROWTH, (name, f"{result['growth'] / MiB:.0f} MiB")


def _vm_hwm(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")


def _vm_rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


async def test_four_worst_case_uploads_at_once_stay_within_budget(live_api: LiveApi) -> None:
    assert live_api.process is not None and live_api.process.process is not None
    pid = live_api.process.process.pid
    auth = {"Authorization": f"Device {live_api.devices['citizen']}", "Accept-Language": "en"}
    files = [
        flat_png(6300, 6300, shade=250),
        flat_png(6300, 6301, shade=251),
        flat_png(4000, 3000, "RGBA", shade=201),
        flat_png(4896, 4896, shade=202),
    ]
    async with httpx.AsyncClient(base_url=live_api.url, timeout=300) as http:
        client = TusClient(http, auth, chunk_size=1024 * 1024)
        await client.upload(flat_png(800, 600), filename="khoi-dong.png")  # load everything once
        # VmHWM restarts from the RSS now.
        await asyncio.to_thread(Path(f"/proc/{pid}/clear_refs").write_text, "5")
        floor = _vm_rss(pid)
        reports = await asyncio.gather(
            *[client.upload(data, filename=f"giay-{i}.png") for i, data in enumerate(files)]
        )
        peak = _vm_hwm(pid)
        missing = await client.missing([sha(data) for data in files])
    assert [r.status for r in reports[:2]] == [422, 422], [r.problem for r in reports[:2]]
    assert all("megapixels" in r.problem["detail"] for r in reports[:2])
    assert all(r.ok for r in reports[2:]), [r.problem for r in reports[2:]]
    assert missing == [sha(files[0]), sha(files[1])]  # the bombs were not kept
    assert peak - floor < FOUR_UPLOADS_GROWTH, (
        f"peak {peak / MiB:.0f} MiB over a floor of {floor / MiB:.0f} MiB"
    )


def test_jpeg_scans_are_counted_to_the_first_image_end() -> None:
    """libjpeg buffers a multi-scan JPEG whole, progressive or not: the check counts
    the scans (start-of-scan markers) of the first image, skipping entropy-coded data."""
    from harness import samples
    from server.attachments.image_check import _jpeg_scans

    assert _jpeg_scans(samples.jpeg(640, 480)) == 1
    assert _jpeg_scans(samples.mpo()) == 1  # the appended frame is another image
    assert _jpeg_scans(jpeg(640, 480, progressive=True)) >= 5
