"""Every bad file is refused with a clear message, and nothing of it is kept."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest

from harness import samples
from harness.sync_client import SyncDevice
from harness.tus_client import TusClient
from server.attachments.sniff import Refused, inspect, sniff
from server.attachments.tables import Blob, Upload


def _gif() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (400, 300), (200, 10, 10)).save(out, "GIF")
    return out.getvalue()


def _truncated_jpeg() -> bytes:
    data = samples.jpeg(800, 600)
    return data[: len(data) // 2]


BAD_FILES = {
    "exe named .pdf": (samples.exe_named_pdf, 415, "unsupported_file_type", "chương trình Windows"),
    "heic photo": (samples.heic, 415, "heic_not_accepted", "HEIC"),
    "gif": (_gif, 415, "unsupported_file_type", "GIF"),
    "html page": (
        lambda: b"<!DOCTYPE html><html><script>alert(1)</script></html>" * 10,
        415,
        "unsupported_file_type",
        "trang web",
    ),
    "zip": (lambda: b"PK\x03\x04" + bytes(2000), 415, "unsupported_file_type", "ZIP"),
    "unknown bytes": (lambda: bytes(range(256)) * 8, 415, "unsupported_file_type", "không nhận ra"),
    "tiny image": (lambda: samples.jpeg(120, 90), 422, "image_dimensions", "120×90"),
    "truncated jpeg": (_truncated_jpeg, 422, "file_damaged", "hỏng"),
    "png that lies": (lambda: b"\x89PNG\r\n\x1a\n" + bytes(5000), 422, "file_damaged", "hỏng"),
    "pdf without end": (lambda: samples.pdf(20_000)[:-8], 422, "file_damaged", "PDF"),
    "pdf with script": (
        lambda: samples.pdf(20_000).replace(b"/Root 1 0 R", b"/OpenAction << /S /JavaScript >>"),
        422,
        "pdf_active_content",
        "mã lệnh",
    ),
    "encrypted pdf": (samples.encrypted_pdf, 422, "pdf_encrypted", "mật khẩu"),
}


async def test_every_bad_file_is_refused_with_a_clear_message(
    citizen: SyncDevice, settings
) -> None:
    # One app and one device for all of them: each case is independent of the others.
    client = TusClient(citizen.http, citizen.auth, chunk_size=64 * 1024)
    for name, (make, status, code, words) in BAD_FILES.items():
        report = await client.upload(make(), filename="giay-to.pdf")
        assert report.status == status, (name, report)
        problem = report.problem
        assert problem["type"] == f"/problems/{code}", name
        assert words in problem["detail"], (name, problem["detail"])
        assert problem["errors"][0]["path"] == "file" and problem["errors"][0]["code"] == code, name
        assert problem["title"], name  # Vietnamese by default
        # Nothing half-stored: no blob, no upload, no partial file, nothing in the store.
        assert await Blob.count() == 0 and await Upload.count() == 0, name
        assert list((settings.data_dir / "uploads").iterdir()) == [], name
        blobs = settings.data_dir / "blobs"
        assert not blobs.exists() or [p for p in blobs.rglob("*") if p.is_file()] == [], name


async def test_a_disguised_file_is_refused_before_the_rest_is_sent(citizen: SyncDevice) -> None:
    data = samples.exe_named_pdf() + bytes(600_000)  # a 600 KB "PDF" that is a program
    client = TusClient(citizen.http, citizen.auth, chunk_size=64 * 1024)
    report = await client.upload(data, filename="giay-khai-sinh.pdf")
    assert report.status == 415
    assert report.body_bytes_sent == 64 * 1024  # one chunk, not 600 KB over 2G


async def test_refusals_speak_english_when_asked(citizen: SyncDevice) -> None:
    client = TusClient(citizen.http, {**citizen.auth, "Accept-Language": "en"})
    report = await client.upload(samples.heic())
    assert report.status == 415
    assert report.problem["title"] == "HEIC photos are not accepted"
    assert "Most Compatible" in report.problem["detail"]


async def test_too_large_and_empty_files_are_refused_at_creation(citizen: SyncDevice) -> None:
    h = {**citizen.auth, "Tus-Resumable": "1.0.0"}
    from harness.tus_client import metadata

    r = await citizen.http.post(
        "/api/uploads",
        headers={
            **h,
            "Upload-Length": str(10 * 1024 * 1024 + 1),
            "Upload-Metadata": metadata({"sha256": "a" * 64}),
        },
    )
    assert r.status_code == 413 and r.json()["type"] == "/problems/file_too_large"
    assert "10 MB" in r.json()["detail"]
    r = await citizen.http.post(
        "/api/uploads",
        headers={**h, "Upload-Length": "0", "Upload-Metadata": metadata({"sha256": "a" * 64})},
    )
    assert r.status_code == 422 and r.json()["type"] == "/problems/file_empty"


async def test_the_clients_filename_is_never_a_path(citizen: SyncDevice, settings) -> None:
    data = samples.pdf(30_000)
    client = TusClient(citizen.http, citizen.auth)
    report = await client.upload(data, filename="../../../../tmp/evil.sh")
    assert report.ok, report.problem
    sha = samples.sha(data)
    stored = [
        p
        for p in settings.data_dir.rglob("*")
        if p.is_file()
        and p.suffix != ".db"
        and "mail" not in str(p)
        and not p.name.startswith("motcua.db")
    ]
    assert stored == [settings.data_dir / "blobs" / sha[:2] / sha[2:4] / sha]
    assert not await asyncio.to_thread(Path("/tmp/evil.sh").exists)
    row = await Upload.select(Upload.filename).first()
    assert row["filename"] == "evil.sh"  # kept for display only
    r = await citizen.http.get(f"/api/blobs/{sha}", headers=citizen.auth)
    assert r.headers["content-disposition"] == f'inline; filename="{sha[:16]}.pdf"'


@pytest.mark.parametrize(
    "make, media_type",
    [
        (samples.jpeg, "image/jpeg"),
        (samples.mpo, "image/jpeg"),
        (samples.png, "image/png"),
        (samples.webp, "image/webp"),
        (samples.pdf, "application/pdf"),
    ],
)
def test_accepted_types_are_known_from_their_bytes(tmp_path: Path, make, media_type: str) -> None:
    data = make()
    assert sniff(data[:32]) == media_type
    path = tmp_path / "upload"
    path.write_bytes(data)
    inspected = inspect(path)
    assert inspected.media_type == media_type
    if media_type.startswith("image/"):
        assert (
            inspected.width and inspected.height and inspected.thumbnail.startswith(b"\xff\xd8\xff")
        )


def test_huge_dimensions_are_refused_before_decoding(tmp_path: Path) -> None:
    from PIL import Image

    path = tmp_path / "wide.png"
    Image.new("L", (20000, 300)).save(path, "PNG")
    with pytest.raises(Refused) as caught:
        inspect(path)
    assert caught.value.code == "image_dimensions"
