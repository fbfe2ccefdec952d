"""A field a fill rule takes from the requester, emptied by the person, stays empty on the
server: stored as `""` through drafts, submission and a supplement, and a required one
stops the submission with "required" instead of taking the requester's value. Both
databases."""

from __future__ import annotations

import datetime as dt

from harness.sync_client import SyncDevice, birth_answers, fake_sha256, uuid7
from server.clock import vn_today
from tests.desk.conftest import DeskOfficial


def birth_draft(person: SyncDevice, **answers) -> str:
    """The mother asking: her name, ID and residence fill the mother's section."""
    dossier = uuid7()
    person.queue(
        "create_draft",
        dossier,
        {"procedure_code": "khai-sinh", "fields": {**birth_answers(vn_today()), **answers}},
    )
    person.queue(
        "attach",
        dossier,
        {"path": "attachments.birth_certificate", "sha256": fake_sha256("gcs")},
        1,
    )
    return str(dossier)


async def test_an_emptied_required_target_is_kept_empty_and_required(person: SyncDevice) -> None:
    dossier = birth_draft(person)
    person.queue("edit_draft", dossier, {"changes": {"mother.residence": ""}}, 2)
    person.queue("submit", dossier, {}, 3)
    outcomes = await person.sync()
    assert [o["status"] for o in outcomes] == ["applied", "applied", "applied", "rejected"], (
        outcomes
    )
    assert {(r["code"], r["path"]) for r in outcomes[-1]["reasons"]} == {
        ("required", "mother.residence")
    }
    view = (await person.pull_all())[dossier]
    assert view["fields"]["mother.residence"] == ""  # the person's empty, not "no answer"
    assert "mother.full_name" not in view["fields"]  # never answered: still filled at submission

    # Typed in the end, the dossier goes through with the person's value.
    person.queue(
        "edit_draft",
        dossier,
        {"changes": {"mother.residence": "Thôn Đông, xã Yên Sở"}},
        view["version"],
    )
    person.queue("submit", dossier, {}, view["version"] + 1)
    outcomes = await person.sync()
    assert [o["status"] for o in outcomes] == ["applied", "applied"], outcomes
    fields = (await person.pull_all())[dossier]["fields"]
    assert fields["mother.residence"] == "Thôn Đông, xã Yên Sở"
    assert fields["mother.full_name"] == "Trần Thị Mai"


async def test_an_emptied_optional_target_stays_empty_after_submission_and_a_supplement(
    person: SyncDevice, desk: DeskOfficial
) -> None:
    # A mother of another nationality need not give an ID number: she leaves hers out.
    dossier = birth_draft(person, **{"mother.nationality": "LA", "mother.id_number": ""})
    person.queue("submit", dossier, {}, 2)
    outcomes = await person.sync()
    assert outcomes[-1]["state"] == 1, outcomes[-1]["reasons"]
    view = (await person.pull_all())[dossier]
    assert view["fields"]["mother.id_number"] == ""
    assert view["fields"]["mother.full_name"] == "Trần Thị Mai"

    # Validated again when a supplement is answered: still not the requester's ID.
    assert (await desk.act(dossier, "receive", {"message": "Đã nhận."})).status_code == 200
    due = (vn_today() + dt.timedelta(days=3)).isoformat()
    asked = await desk.act(
        dossier,
        "request_documents",
        {"documents": ["Giấy chứng nhận kết hôn"], "reason": "Cần đối chiếu.", "due_date": due},
    )
    assert asked.status_code == 200, asked.text
    view = (await person.pull_all())[dossier]
    person.queue(
        "answer_supplement",
        dossier,
        {
            "message": "Đã bổ sung.",
            "changes": {"attachments.marriage_certificate": [fake_sha256("gckh")]},
        },
        view["version"],
    )
    [answer] = await person.sync()
    assert answer["status"] == "applied", answer
    fields = (await person.pull_all())[dossier]["fields"]
    assert fields["mother.id_number"] == ""
    detail = (await desk.get(f"/api/desk/dossiers/{dossier}")).json()
    assert detail["fields"]["mother.id_number"] == ""  # what the official reads


async def test_an_empty_string_is_an_answer_in_a_field_of_any_type(person: SyncDevice) -> None:
    dossier = birth_draft(person)
    person.queue(
        "edit_draft", dossier, {"changes": {"extras.extract_copies": "", "child.sex": ""}}, 2
    )
    outcomes = await person.sync()
    assert outcomes[-1]["status"] == "applied", outcomes
    fields = (await person.pull_all())[dossier]["fields"]
    assert fields["extras.extract_copies"] == "" and fields["child.sex"] == ""
