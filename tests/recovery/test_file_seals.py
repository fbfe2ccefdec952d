"""Files after a restore (sync/README.md §9.2): a file uploaded after the backup is
still in the blob store, but the restored database forgot that it holds it and who
sent it. The device puts it back by its hash and the server's seal, without sending
the bytes again (a phone that freed space no longer has them)."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

from harness import samples
from harness.sync_client import SyncDevice, birth_answers, uuid7
from harness.tus_client import TusClient
from server.attachments.gc import collect
from server.attachments.store import blob_key, build_blob_store
from server.attachments.tables import Blob, BlobUploader, Upload
from server.clock import utcnow, vn_today
from server.recovery.generation import generation_started_at
from server.settings import Settings
from tests.desk.conftest import official
from tests.recovery import snapshots
from tests.recovery.test_put_back import engine, serving
from tests.sync.conftest import device_for, make_account

SLOT = "attachments.birth_certificate"


async def upload(device: SyncDevice, data: bytes) -> str:
    """Sends the file with tus; the seal of the answer that completed it."""
    tus = TusClient(device.http, device.auth)
    report = await tus.upload(data, filename="giay-chung-sinh.jpg")
    assert report.ok, report.problem
    assert report.seal, "the final PATCH answer carries the file's seal"
    assert report.url is not None
    # A device that lost that answer learns it from where the upload stands.
    head = await device.http.head(report.url, headers=tus.headers)
    assert head.headers["motcua-file-seal"] == report.seal
    return report.seal


async def ask_missing(device: SyncDevice, *hashes: str) -> dict:
    r = await device.http.post(
        "/api/blobs/missing", json={"hashes": list(hashes)}, headers=device.auth
    )
    assert r.status_code == 200, r.text
    return r.json()


async def submitted_with(phone: SyncDevice, sha: str) -> uuid.UUID:
    """A birth drafted, given the file, and submitted in one push: all applied."""
    dossier = uuid7()
    phone.queue(
        "create_draft",
        dossier,
        {"procedure_code": "khai-sinh", "fields": birth_answers(vn_today())},
    )
    phone.queue("attach", dossier, {"path": SLOT, "sha256": sha}, 1)
    phone.queue("submit", dossier, {}, 2)
    outcomes = await phone.sync()
    assert [o["status"] for o in outcomes] == ["applied"] * 3, outcomes
    assert outcomes[-1]["state"] == 1
    return dossier


async def recorded(sha: str) -> tuple[int, int]:
    """(blob rows, uploader rows) of a hash."""
    return (
        await Blob.count().where(Blob.sha256 == sha),
        await BlobUploader.count().where(BlobUploader.sha256 == sha),
    )


async def test_a_file_sent_after_the_backup_comes_back_by_its_seal_without_its_bytes(
    settings: Settings, tmp_path: Path
) -> None:
    before, after = samples.jpeg(seed=71), samples.jpeg(seed=72)
    sha_before, sha_after = samples.sha(before), samples.sha(after)
    async with serving(settings) as app:
        phone = await device_for(app, await make_account("citizen"))
        seal_before = await upload(phone, before)
        copy = await snapshots.take(settings, tmp_path / "backup")
        seal_after = await upload(phone, after)
        answer = await ask_missing(phone, sha_before, sha_after)
        assert answer["missing"] == []
        # The seals of /api/blobs/missing are those the uploads answered with.
        assert answer["seals"] == {sha_before: seal_before, sha_after: seal_after}
    await snapshots.put_back(settings, copy, declare=True)

    async with serving(settings, phone):
        # The restored database forgot the second file (its bytes are still stored).
        assert (await ask_missing(phone, sha_after))["missing"] == [sha_after]
        assert await recorded(sha_after) == (0, 0)
        r = await phone.recover(
            [],
            files=[
                {"sha256": sha_before, "seal": seal_before},
                {"sha256": sha_after, "seal": seal_after},
            ],
        )
        assert r.status_code == 200, r.text
        assert r.json()["files_restored"] == 1  # the first one the database still held
        assert r.json().get("files_missing", []) == []
        blob = await Blob.select().where(Blob.sha256 == sha_after).first()
        assert blob is not None
        assert blob["size"] == len(after) and blob["media_type"] == "image/jpeg"
        assert (blob["width"], blob["height"]) == (640, 480)
        assert await Upload.count().where(Upload.sha256 == sha_after) == 0  # no bytes sent
        answer = await ask_missing(phone, sha_before, sha_after)
        assert answer["missing"] == []
        assert answer["seals"] == {sha_before: seal_before, sha_after: seal_after}

        # A dossier naming it is attached and submitted as if nothing had happened.
        await submitted_with(phone, sha_after)

        # Put back again: nothing more to record, nor to send, whatever the seal.
        again = await phone.recover(
            [],
            files=[
                {"sha256": sha_after, "seal": seal_after},
                {"sha256": sha_before, "seal": "A" * 22},
            ],
        )
        assert again.status_code == 200, again.text
        assert again.json().get("files_restored", 0) == 0
        assert again.json().get("files_missing", []) == []
        assert await recorded(sha_after) == (1, 1)
        assert (await phone.http.get(f"/api/blobs/{sha_after}", headers=phone.auth)).content == (
            after
        )


async def test_a_file_another_account_sent_before_the_backup_comes_back_to_its_second_sender(
    settings: Settings, tmp_path: Path
) -> None:
    """The blob row survived the restore; only that this account sent it too was lost."""
    photo = samples.jpeg(seed=78)
    sha = samples.sha(photo)
    async with serving(settings) as app:
        first = await device_for(app, await make_account("citizen"))
        second = await device_for(app, await make_account("citizen"))
        await upload(first, photo)
        copy = await snapshots.take(settings, tmp_path / "backup")
        seal = await upload(second, photo)
    await snapshots.put_back(settings, copy, declare=True)

    async with serving(settings, first, second):
        assert (await ask_missing(second, sha))["missing"] == [sha]
        r = await second.recover([], files=[{"sha256": sha, "seal": seal}])
        assert r.status_code == 200, r.text
        assert r.json()["files_restored"] == 1
        assert await recorded(sha) == (1, 2)
        assert (await ask_missing(second, sha))["missing"] == []


async def test_a_forged_seal_or_another_accounts_seal_takes_nothing_back(
    settings: Settings, tmp_path: Path
) -> None:
    photo = samples.jpeg(seed=73)
    sha = samples.sha(photo)
    async with serving(settings) as app:
        owner = await device_for(app, await make_account("citizen"))
        other = await device_for(app, await make_account("citizen"))
        copy = await snapshots.take(settings, tmp_path / "backup")
        seal = await upload(owner, photo)
    await snapshots.put_back(settings, copy, declare=True)

    async with serving(settings, owner, other):
        # Another account holding the owner's seal learns nothing and gains no right.
        r = await other.recover([], files=[{"sha256": sha, "seal": seal}])
        assert r.status_code == 200, r.text
        assert r.json()["files_missing"] == [sha]
        assert r.json().get("files_restored", 0) == 0
        assert await recorded(sha) == (0, 0)
        assert (await other.http.get(f"/api/blobs/{sha}", headers=other.auth)).status_code in (
            403,
            404,
        )

        forged = "A" * 22
        r = await owner.recover([], files=[{"sha256": sha, "seal": forged}])
        assert r.status_code == 200, r.text
        assert r.json()["files_missing"] == [sha]
        assert await recorded(sha) == (0, 0)

        # A hash that is not one is refused whole, naming the field.
        r = await owner.recover([], files=[{"sha256": "not-a-hash", "seal": seal}])
        assert r.status_code in (400, 422), r.text
        assert "files" in r.text

        r = await owner.recover([], files=[{"sha256": sha, "seal": seal}])
        assert r.json()["files_restored"] == 1


async def test_a_file_whose_bytes_the_store_lost_or_spoilt_must_be_sent_again(
    settings: Settings, tmp_path: Path
) -> None:
    gone, spoilt = samples.jpeg(seed=74), samples.jpeg(seed=75)
    sha_gone, sha_spoilt = samples.sha(gone), samples.sha(spoilt)
    async with serving(settings) as app:
        phone = await device_for(app, await make_account("citizen"))
        copy = await snapshots.take(settings, tmp_path / "backup")
        seal_gone = await upload(phone, gone)
        seal_spoilt = await upload(phone, spoilt)
    await snapshots.put_back(settings, copy, declare=True)
    store = build_blob_store(settings)
    await store.delete(blob_key(sha_gone))
    # Bytes under the name that are not the named file's: the name is never trusted.
    await store.delete(blob_key(sha_spoilt))
    await store.put_bytes(blob_key(sha_spoilt), samples.jpeg(seed=76))
    await store.close()

    async with serving(settings, phone):
        r = await phone.recover(
            [],
            files=[
                {"sha256": sha_gone, "seal": seal_gone},
                {"sha256": sha_spoilt, "seal": seal_spoilt},
            ],
        )
        assert r.status_code == 200, r.text
        assert r.json()["files_missing"] == [sha_gone, sha_spoilt]
        assert r.json().get("files_restored", 0) == 0
        assert await recorded(sha_gone) == (0, 0)
        assert await recorded(sha_spoilt) == (0, 0)
        # The device sends the bytes again, as for any file the server lacks.
        assert await upload(phone, gone) == seal_gone
        assert (await ask_missing(phone, sha_gone))["missing"] == []


async def test_gc_keeps_unrecorded_files_a_put_back_may_still_claim(
    settings: Settings, tmp_path: Path
) -> None:
    photo = samples.jpeg(seed=77)
    sha = samples.sha(photo)
    async with serving(settings) as app:
        phone = await device_for(app, await make_account("citizen"))
        copy = await snapshots.take(settings, tmp_path / "backup")
        await upload(phone, photo)
    await snapshots.put_back(settings, copy, declare=True)
    store = build_blob_store(settings)
    async with serving(settings):
        started = await generation_started_at(engine(), 2)
        assert started is not None
        # Soon after the restore, the file no row records is kept for its phone.
        report = await collect(engine(), settings, store, now=utcnow())
        assert report.stray_objects_removed == 0
        assert await store.exists(blob_key(sha))
        # Once the grace is over, nobody came back for it: it goes, as any stray object.
        later = started + dt.timedelta(days=settings.blob_retention_days, hours=1)
        report = await collect(engine(), settings, store, now=later)
        assert report.stray_objects_removed >= 1
        assert not await store.exists(blob_key(sha))
    await store.close()


async def test_the_desk_reads_the_files_of_a_dossier_put_back_after_a_restore(
    settings: Settings, tmp_path: Path
) -> None:
    """The desk reads a dossier's file only when its owner sent the bytes (the rule
    that keeps a named hash from opening anyone's file). A dossier submitted after the
    backup, with a photo sent after it, comes back by the phone's put-back: the file by
    its seal, recorded for the phone's account before the dossier that names it, so the
    commune's desk reads it as before the restore."""
    photo = samples.jpeg(seed=73)
    sha = samples.sha(photo)
    async with serving(settings) as app:
        phone = await device_for(app, await make_account("citizen"))
        copy = await snapshots.take(settings, tmp_path / "backup")
        seal = await upload(phone, photo)
        dossier = await submitted_with(phone, sha)
        await phone.pull_all()
        held = phone.held(str(dossier))
        assert held["fields"][SLOT] == [sha] and held["state"] == 1
    await snapshots.put_back(settings, copy, declare=True)

    async with serving(settings, phone) as app:
        assert await recorded(sha) == (0, 0)  # the restored database forgot the photo
        r = await phone.recover([held], files=[{"sha256": sha, "seal": seal}])
        assert r.status_code == 200, r.text
        assert [x["status"] for x in r.json()["results"]] == ["restored"], r.text
        desk = await official(app, commune="00070")
        try:
            served = await desk.http.get(f"/api/blobs/{sha}")
            assert served.status_code == 200 and served.content == photo
        finally:
            await desk.http.aclose()
