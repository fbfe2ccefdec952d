"""A request for two documents is answered document by document: the answer says which
requested document each new file is for, the desk's history keeps it, and the desk's
view also holds each file in the field the person chose. A document the desk did not
ask for, or a file the answer does not put in the dossier, is refused by name."""

from __future__ import annotations

import datetime as dt
import uuid

from harness import samples
from harness.sync_client import SyncDevice, birth_answers, uuid7
from harness.tus_client import TusClient
from server.clock import vn_today
from tests.desk.conftest import DeskOfficial, desk, person  # noqa: F401  (fixtures)
from tests.sync.conftest import app  # noqa: F401  (fixture)

MARRIAGE = "Giấy chứng nhận kết hôn của cha mẹ"
RESIDENCE = "Giấy xác nhận nơi cư trú của mẹ"


async def _sent(person: SyncDevice, photo: bytes, name: str) -> str:
    report = await TusClient(person.http, person.auth).upload(photo, filename=name)
    assert report.ok, report.problem
    return samples.sha(photo)


async def _two_documents_requested(person: SyncDevice, desk: DeskOfficial) -> tuple[uuid.UUID, int]:
    dossier = uuid7()
    certificate = await _sent(person, samples.jpeg(seed=401), "giay-chung-sinh.jpg")
    person.queue(
        "create_draft",
        dossier,
        {"procedure_code": "khai-sinh", "fields": birth_answers(vn_today())},
    )
    person.queue(
        "attach", dossier, {"path": "attachments.birth_certificate", "sha256": certificate}, 1
    )
    person.queue("submit", dossier, {}, 2)
    assert (await person.sync())[-1]["state"] == 1
    assert (await desk.act(dossier, "receive", {"message": "Đã nhận."})).status_code == 200
    due = (vn_today() + dt.timedelta(days=3)).isoformat()
    asked = await desk.act(
        dossier,
        "request_documents",
        {"documents": [MARRIAGE, RESIDENCE], "reason": "Cần đối chiếu.", "due_date": due},
    )
    assert asked.status_code == 200, asked.text
    return dossier, asked.json()["version"]


async def test_each_file_of_an_answer_names_the_document_it_answers(
    person: SyncDevice, desk: DeskOfficial
) -> None:
    dossier, version = await _two_documents_requested(person, desk)
    marriage = await _sent(person, samples.jpeg(seed=402), "ket-hon.jpg")
    residence = [
        await _sent(person, samples.jpeg(seed=403), "cu-tru-1.jpg"),
        await _sent(person, samples.jpeg(seed=404), "cu-tru-2.jpg"),
    ]
    answer = {
        "message": "Em gửi đủ hai giấy ạ.",
        "changes": {
            "attachments.marriage_certificate": [marriage],
            "attachments.residence_documents": residence,
        },
        "documents": [
            {"document": MARRIAGE, "files": [marriage]},
            {"document": RESIDENCE, "files": residence},
        ],
    }

    # A document nobody asked for, or a file left out of the dossier: refused, by name.
    wrong = {**answer, "documents": [{"document": "Sổ hộ khẩu", "files": [marriage]}]}
    person.queue("answer_supplement", dossier, wrong, version)
    [outcome] = await person.sync()
    assert outcome["status"] == "rejected", outcome
    assert [(r["code"], r["path"]) for r in outcome["reasons"]] == [
        ("unknown_document", "payload.documents[0].document")
    ]
    stray = await _sent(person, samples.jpeg(seed=405), "khac.jpg")
    left_out = {**answer, "documents": [{"document": MARRIAGE, "files": [stray]}]}
    person.queue("answer_supplement", dossier, left_out, version)
    [outcome] = await person.sync()
    assert [(r["code"], r["path"]) for r in outcome["reasons"]] == [
        ("file_not_in_answer", "payload.documents[0].files[0]")
    ]

    person.queue("answer_supplement", dossier, answer, version)
    [outcome] = await person.sync()
    assert outcome["status"] == "applied" and outcome["state"] == 4, outcome

    seen = (await desk.get(f"/api/desk/dossiers/{dossier}")).json()
    assert seen["fields"]["attachments.marriage_certificate"] == [marriage]
    assert seen["fields"]["attachments.residence_documents"] == residence
    last = seen["history"][-1]
    assert last["action"] == "answer_supplement"
    assert last["detail"]["documents"] == [
        {"document": MARRIAGE, "files": [marriage]},
        {"document": RESIDENCE, "files": residence},
    ]

    # Completed, the dossier's register number reaches the person's phones.
    assert (await person.pull_all())[str(dossier)].get("register_number") is None
    done = await desk.act(dossier, "complete", {"register_number": "123/2026"})
    assert done.json()["state"] == 9, done.text
    assert (await person.pull_all())[str(dossier)]["register_number"] == "123/2026"
