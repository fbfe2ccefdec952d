"""What the desk's answers say to the official: a refusal's detail in the reader's
language, and who did each step of the history, on both databases."""

from __future__ import annotations

import datetime as dt
import hashlib

from harness import samples
from harness.sync_client import SyncDevice, birth_answers, uuid7
from harness.tus_client import TusClient
from server.attachments.gc import remove_expired_uploads
from server.attachments.tables import Upload
from server.clock import vn_today
from tests.desk.conftest import DeskOfficial
from tests.desk.test_desk_flow import submitted_birth


async def act_in(desk: DeskOfficial, language: str, dossier: str, action: str):
    return await desk.http.post(
        f"/api/desk/dossiers/{dossier}/actions/{action}",
        json={},
        headers={"X-CSRF-Token": desk.csrf, "Accept-Language": language},
    )


async def submitted_with_photo(person: SyncDevice, photo: bytes, name: str) -> tuple[str, str]:
    """A birth submitted with `photo`, sent under `name`, as its birth certificate."""
    report = await TusClient(person.http, person.auth).upload_if_missing(photo, name)
    assert report.ok, report
    sha = hashlib.sha256(photo).hexdigest()
    dossier = uuid7()
    person.queue(
        "create_draft",
        dossier,
        {"procedure_code": "khai-sinh", "fields": birth_answers(vn_today())},
    )
    person.queue("attach", dossier, {"path": "attachments.birth_certificate", "sha256": sha}, 1)
    person.queue("submit", dossier, {}, 2)
    outcomes = await person.sync()
    assert [o["status"] for o in outcomes] == ["applied"] * 3, outcomes
    return str(dossier), sha


async def test_a_refusal_is_explained_in_the_readers_language(
    person: SyncDevice, desk: DeskOfficial
) -> None:
    dossier = await submitted_birth(person)
    assert (await desk.act(dossier, "receive")).status_code == 200
    vi = await act_in(desk, "vi", dossier, "receive")
    assert vi.status_code == 409, vi.text
    assert vi.json()["title"] == "Không thực hiện được ở trạng thái hiện tại của hồ sơ"
    assert vi.json()["detail"] == "Hồ sơ đang ở trạng thái “Được tiếp nhận”."
    en = await act_in(desk, "en", dossier, "receive")
    assert en.json()["detail"] == "The dossier's state is “Received”.", en.text


async def test_a_missing_field_is_named_with_a_code_not_only_msgspecs_words(
    person: SyncDevice, desk: DeskOfficial
) -> None:
    dossier = await submitted_birth(person)
    assert (await desk.act(dossier, "receive")).status_code == 200
    r = await act_in(desk, "vi", dossier, "request_documents")
    assert r.status_code == 422, r.text
    [error] = r.json()["errors"]
    assert (error["path"], error["code"]) == ("documents", "required")


async def test_the_history_says_who_acted(person: SyncDevice, desk: DeskOfficial) -> None:
    dossier = await submitted_birth(person)
    assert (await desk.act(dossier, "receive")).status_code == 200
    detail = (await desk.get(f"/api/desk/dossiers/{dossier}")).json()
    actors = {h["action"]: (h["actor_role"], h["actor_id"]) for h in detail["history"]}
    assert actors["create_draft"][0] == "citizen" and actors["receive"][0] == "desk"
    assert actors["create_draft"][1] == actors["submit"][1] != actors["receive"][1]
    assert all(a[1] for a in actors.values())
    # Files the server has no upload record of have no name: the screen says "a file".
    assert detail["file_names"] == {}


async def test_the_files_are_named_as_the_person_sent_them(
    person: SyncDevice, desk: DeskOfficial
) -> None:
    dossier, sha = await submitted_with_photo(person, samples.jpeg(800, 600), "giấy chứng sinh.jpg")
    detail = (await desk.get(f"/api/desk/dossiers/{dossier}")).json()
    assert detail["file_names"] == {sha: "giấy chứng sinh.jpg"}


async def test_the_files_keep_their_names_after_the_upload_record_expires(
    person: SyncDevice, desk: DeskOfficial, tmp_path
) -> None:
    """A dossier waits days at the desk; the upload's record is gone after a day, and
    the name the person gave the file must outlive it."""
    dossier, sha = await submitted_with_photo(person, samples.jpeg(640, 480), "sổ hộ khẩu.jpg")
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
    removed, _ = await remove_expired_uploads(tmp_path, now=later)
    assert removed >= 1 and not await Upload.exists().where(Upload.sha256 == sha)
    detail = (await desk.get(f"/api/desk/dossiers/{dossier}")).json()
    assert detail["file_names"] == {sha: "sổ hộ khẩu.jpg"}


async def test_a_database_from_before_m0027_gets_the_names_its_uploads_still_hold(
    person: SyncDevice, desk: DeskOfficial
) -> None:
    """A database restored from before the names were kept: m0027 fills each sender's
    name from their own upload record still held, and leaves the rest empty."""
    import importlib

    from server.attachments.tables import BlobUploader

    m0027 = importlib.import_module("migrations.m0027_blob_uploader_filename")
    photo, other = samples.jpeg(320, 240), samples.jpeg(300, 200)
    tus = TusClient(person.http, person.auth)
    assert (await tus.upload_if_missing(photo, "khai sinh.jpg")).ok
    assert (await tus.upload_if_missing(other, "cccd.jpg")).ok
    sha, other_sha = hashlib.sha256(photo).hexdigest(), hashlib.sha256(other).hexdigest()
    # As before m0027: no names on the rights; one upload record already gone.
    await BlobUploader.update({BlobUploader.filename: ""}).where(BlobUploader.id.is_not_null())
    await Upload.delete().where(Upload.sha256 == other_sha)
    engine = BlobUploader._meta.db
    for statement in m0027.STATEMENTS[1:]:
        await engine.run_ddl(statement)
    names = {
        r["sha256"]: r["filename"]
        for r in await BlobUploader.select(BlobUploader.sha256, BlobUploader.filename)
    }
    assert names == {sha: "khai sinh.jpg", other_sha: ""}
