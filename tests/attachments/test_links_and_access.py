"""Blobs and dossiers: attach, submission needing verified files, the dossier size
limit, who may read a file, and garbage collection."""

from __future__ import annotations

import datetime as dt
import uuid
from contextlib import AsyncExitStack, aclosing

from click.testing import CliRunner

from harness import samples
from harness.sync_client import SyncDevice, birth_answers, uuid7
from harness.tus_client import TusClient, metadata
from server.attachments.gc import collect
from server.attachments.tables import Blob, BlobRef, BlobUploader, Upload
from server.clock import vn_today
from server.dossiers.tables import Dossier
from tests.sync.conftest import device_for, make_account

SLOT = "attachments.birth_certificate"


async def upload(device: SyncDevice, data: bytes) -> str:
    report = await TusClient(device.http, device.auth).upload(data, filename="giay-chung-sinh.jpg")
    assert report.ok, report.problem
    return samples.sha(data)


def draft_with(device: SyncDevice, dossier: uuid.UUID, *hashes: str) -> None:
    device.queue(
        "create_draft",
        dossier,
        {"procedure_code": "khai-sinh", "fields": birth_answers(vn_today())},
    )
    for i, h in enumerate(hashes):
        device.queue("attach", dossier, {"path": SLOT, "sha256": h}, 1 + i)


async def test_a_file_is_attached_only_once_its_bytes_are_uploaded(citizen: SyncDevice) -> None:
    photo = samples.jpeg(seed=11)
    sha = samples.sha(photo)
    dossier = uuid7()
    draft_with(citizen, dossier, sha)  # pushed before the file travelled: the app holds it back
    citizen.queue("submit", dossier, {}, 1)
    _created, attached, submitted = await citizen.sync()
    assert attached["status"] == "rejected"
    assert attached["reasons"][0]["code"] == "attachment_not_uploaded"
    assert attached["reasons"][0]["path"] == "payload.sha256"
    assert submitted["status"] == "rejected"  # the form's birth certificate is missing
    assert not await BlobRef.exists().where(BlobRef.dossier_id == dossier)

    await upload(citizen, photo)
    citizen.queue("attach", dossier, {"path": SLOT, "sha256": sha}, 1)
    citizen.queue("submit", dossier, {}, 2)
    attached, submitted = await citizen.sync()
    assert attached["status"] == "applied", attached
    assert submitted["status"] == "applied" and submitted["state"] == 1, submitted
    assert (
        await BlobRef.count().where((BlobRef.dossier_id == dossier) & (BlobRef.sha256 == sha)) == 1
    )


async def test_attach_and_detach_keep_references_in_step(citizen: SyncDevice) -> None:
    a, b = (
        await upload(citizen, samples.jpeg(seed=21)),
        await upload(citizen, samples.jpeg(seed=22)),
    )
    dossier = uuid7()
    draft_with(citizen, dossier, a, b)
    citizen.queue("detach", dossier, {"path": SLOT, "sha256": a}, 3)
    outcomes = await citizen.sync()
    assert [o["status"] for o in outcomes] == ["applied"] * 4
    refs = {
        r["sha256"]
        for r in await BlobRef.select(BlobRef.sha256).where(BlobRef.dossier_id == dossier)
    }
    assert refs == {b}
    released = {
        r["sha256"]: r["released_at"] for r in await Blob.select(Blob.sha256, Blob.released_at)
    }
    assert released[a] is not None and released[b] is None


async def test_a_dossier_may_not_hold_more_than_its_limit(make_app) -> None:
    app = await make_app(max_file_bytes=400_000, max_dossier_bytes=500_000)
    device = await device_for(app, await make_account("citizen"))
    async with aclosing(device.http):
        first = await upload(device, samples.pdf(300_000, seed=31))
        second = await upload(device, samples.pdf(300_000, seed=32))
        dossier = uuid7()
        draft_with(device, dossier, first, second)
        _created, ok, too_much = await device.sync()
        assert ok["status"] == "applied"
        assert too_much["status"] == "rejected"
        assert too_much["reasons"][0]["code"] == "dossier_too_large"
        assert too_much["reasons"][0]["path"] == SLOT
        assert (
            "500" in too_much["reasons"][0]["message"] or "0.5" in too_much["reasons"][0]["message"]
        )
        row = await Dossier.select(Dossier.fields).where(Dossier.id == dossier).first()
        assert second not in row["fields"]  # nothing of the refused attach was written
        r = await device.http.post(
            "/api/blobs/missing", json={"hashes": [first]}, headers=device.auth
        )
        assert r.json()["max_dossier_bytes"] == 500_000 and r.json()["max_file_bytes"] == 400_000


async def test_missing_names_only_what_the_server_lacks(citizen: SyncDevice) -> None:
    have = await upload(citizen, samples.pdf(10_000, seed=41))
    lack = samples.sha(b"not uploaded")
    r = await citizen.http.post(
        "/api/blobs/missing", json={"hashes": [lack, have, lack]}, headers=citizen.auth
    )
    assert r.status_code == 200
    body = r.json()
    assert body["missing"] == [lack]
    assert body["upload_url"] == "/api/uploads" and body["chunk_size"] == 256 * 1024
    r = await citizen.http.post(
        "/api/blobs/missing", json={"hashes": ["../etc", have.upper()]}, headers=citizen.auth
    )
    assert r.status_code == 422
    assert [e["path"] for e in r.json()["errors"]] == ["hashes[0]", "hashes[1]"]
    r = await citizen.http.post("/api/blobs/missing", json={"hashes": [have]})
    assert r.status_code == 401


async def _reader(app, role: str, commune: str = "") -> SyncDevice:
    return await device_for(app, await make_account(role, commune))


async def test_who_may_read_a_file(app, citizen: SyncDevice) -> None:
    photo = samples.jpeg(seed=51)
    sha = await upload(citizen, photo)

    async with AsyncExitStack() as stack:
        readers = {}
        for name, role, commune in [
            ("stranger", "citizen", ""),
            ("desk here", "desk", "00070"),
            ("desk elsewhere", "desk", "26734"),
            ("admin", "admin", ""),
        ]:
            device = await _reader(app, role, commune)
            await stack.enter_async_context(aclosing(device.http))
            readers[name] = device

        async def status(device: SyncDevice, path: str = "") -> int:
            return (
                await device.http.get(f"/api/blobs/{sha}{path}", headers=device.auth)
            ).status_code

        # Uploaded, attached nowhere: the uploader and administrators only.
        assert await status(citizen) == 200
        assert await status(readers["admin"]) == 200
        for name in ("stranger", "desk here", "desk elsewhere"):
            assert await status(readers[name]) == 404, name

        # In a draft: still the owner's business alone.
        dossier = uuid7()
        draft_with(citizen, dossier, sha)
        await citizen.sync()
        assert await status(readers["desk here"]) == 404

        # Submitted to commune 00070: its officials may read it, others may not.
        citizen.queue("submit", dossier, {}, 2)
        [submitted] = await citizen.sync()
        assert submitted["status"] == "applied", submitted
        assert await status(readers["desk here"]) == 200
        assert await status(readers["desk here"], "/thumbnail") == 200
        assert await status(readers["desk elsewhere"]) == 404
        assert await status(readers["stranger"]) == 404

        # Anyone may know the hash; only those allowed learn the file exists.
        assert await status(readers["stranger"], "/thumbnail") == 404
        r = await readers["stranger"].http.get(
            f"/api/blobs/{'0' * 64}", headers=readers["stranger"].auth
        )
        assert r.status_code == 404
    r = await citizen.http.get(f"/api/blobs/{sha}")
    assert r.status_code == 401


async def test_a_file_is_served_safely(citizen: SyncDevice) -> None:
    photo = samples.png(seed=61)
    sha = await upload(citizen, photo)
    r = await citizen.http.get(
        f"/api/blobs/{sha}", headers={**citizen.auth, "Accept-Encoding": "gzip"}
    )
    assert r.status_code == 200 and r.content == photo
    assert r.headers["content-type"] == "image/png"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["content-disposition"] == f'inline; filename="{sha[:16]}.png"'
    assert "sandbox" in r.headers["content-security-policy"]
    assert "content-encoding" not in r.headers  # a photo is not gzipped again
    r = await citizen.http.get(
        f"/api/blobs/{sha}", headers={**citizen.auth, "If-None-Match": f'"{sha}"'}
    )
    assert r.status_code == 304

    r = await citizen.http.get(f"/api/blobs/{sha}/thumbnail", headers=citizen.auth)
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
    import io

    from PIL import Image

    with Image.open(io.BytesIO(r.content)) as thumb:
        assert thumb.format == "JPEG" and max(thumb.size) <= 320

    pdf = await upload(citizen, samples.pdf(20_000, seed=62))
    r = await citizen.http.get(f"/api/blobs/{pdf}/thumbnail", headers=citizen.auth)
    assert r.status_code == 404 and r.json()["type"] == "/problems/no_thumbnail"
    r = await citizen.http.get(f"/api/blobs/{pdf}", headers=citizen.auth)
    assert r.headers["content-type"] == "application/pdf"


async def test_gc_removes_what_no_dossier_held_for_30_days(
    app, citizen: SyncDevice, settings
) -> None:
    kept = await upload(citizen, samples.jpeg(seed=71))
    stale = await upload(citizen, samples.jpeg(seed=72))
    young = await upload(citizen, samples.pdf(10_000, seed=73))
    released = await upload(citizen, samples.pdf(10_000, seed=74))
    dossier = uuid7()
    draft_with(citizen, dossier, kept, released)
    citizen.queue("detach", dossier, {"path": SLOT, "sha256": released}, 3)
    await citizen.sync()
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=31)
    await Blob.update({Blob.created_at: long_ago}).where(Blob.sha256.is_in([kept, stale, released]))
    await Blob.update({Blob.released_at: long_ago}).where(Blob.sha256 == released)
    # An abandoned upload, and a finished one whose receipt is no longer needed.
    report = await TusClient(citizen.http, citizen.auth).upload(samples.pdf(10_000, seed=75))
    assert report.ok
    abandoned = samples.pdf(300_000, seed=76)
    client = TusClient(citizen.http, citizen.auth)
    r = await citizen.http.post(
        "/api/uploads",
        headers={
            **client.headers,
            "Upload-Length": str(len(abandoned)),
            "Upload-Metadata": metadata({"sha256": samples.sha(abandoned)}),
        },
    )
    assert r.status_code == 201
    await Upload.update({Upload.expires_at: long_ago}).where(Upload.id.is_not_null())

    result = await collect(app.state.engine, settings, app.state.blob_store)
    assert result.blobs_removed == 2 and result.uploads_removed == 6
    remaining = {r["sha256"] for r in await Blob.select(Blob.sha256)}
    assert (
        kept in remaining
        and young in remaining
        and stale not in remaining
        and released not in remaining
    )
    store = app.state.blob_store
    from server.attachments.store import blob_key, thumbnail_key

    assert await store.exists(blob_key(kept)) and await store.exists(thumbnail_key(kept))
    assert not await store.exists(blob_key(stale)) and not await store.exists(thumbnail_key(stale))
    assert not await BlobUploader.exists().where(BlobUploader.sha256 == stale)
    assert await Upload.count() == 0 and list((settings.data_dir / "uploads").iterdir()) == []
    r = await citizen.http.post(
        "/api/blobs/missing", json={"hashes": [stale, kept]}, headers=citizen.auth
    )
    assert r.json()["missing"] == [stale]  # the device will send it again if it needs it


async def test_gc_keeps_a_blob_a_dossier_names_outside_its_references(
    app, citizen: SyncDevice, settings
) -> None:
    sha = await upload(citizen, samples.pdf(10_000, seed=81))
    dossier = uuid7()
    draft_with(citizen, dossier, sha)
    await citizen.sync()
    await BlobRef.delete().where(
        BlobRef.sha256 == sha
    )  # as if written by a path that skipped the index
    await Blob.update({Blob.created_at: dt.datetime.now(dt.UTC) - dt.timedelta(days=90)}).where(
        Blob.sha256 == sha
    )
    result = await collect(app.state.engine, settings, app.state.blob_store)
    assert result.blobs_removed == 0 and result.blobs_kept_mentioned == 1


async def test_gc_removes_objects_a_crash_left_without_a_record(app, settings) -> None:
    store = app.state.blob_store
    from server.attachments.store import blob_key

    orphan = samples.sha(b"orphan")
    await store.put_bytes(blob_key(orphan), b"orphan")
    dry = await collect(app.state.engine, settings, store, dry_run=True)
    assert dry.stray_objects_removed == 1 and await store.exists(blob_key(orphan))
    result = await collect(app.state.engine, settings, store)
    assert result.stray_objects_removed == 1 and not await store.exists(blob_key(orphan))


def test_motcua_gc_command(settings, monkeypatch) -> None:
    from server.cli import main

    for name, value in {
        "MOTCUA_DATABASE_URL": settings.database_url,
        "MOTCUA_DATA_DIR": str(settings.data_dir),
    }.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(main, ["gc", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "blobs: would remove 0" in result.output and "uploads:" in result.output


async def test_gc_keeps_a_scan_kept_on_a_persons_page(app, citizen: SyncDevice, settings) -> None:
    sha = await upload(citizen, samples.jpeg(seed=91))
    r = await citizen.http.post(
        "/api/me/documents",
        headers=citizen.auth,
        json={"kind": "id_card", "label": "Căn cước", "sha256": sha},
    )
    assert r.status_code == 201, r.text
    await Blob.update({Blob.created_at: dt.datetime.now(dt.UTC) - dt.timedelta(days=90)}).where(
        Blob.sha256 == sha
    )
    result = await collect(app.state.engine, settings, app.state.blob_store)
    assert result.blobs_removed == 0 and await Blob.exists().where(Blob.sha256 == sha)
