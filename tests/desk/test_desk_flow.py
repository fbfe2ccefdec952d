"""The desk's work, and its round trip to the person's phone, on both databases."""

from __future__ import annotations

import datetime as dt
from contextlib import aclosing

import pytest

from harness.sync_client import SyncDevice, birth_answers, fake_sha256, uuid7
from server.clock import vn_today
from server.notify.tables import OutboxMessage
from tests.desk.conftest import DeskOfficial, official
from tests.sync.conftest import device_for, make_account


async def submitted_birth(person: SyncDevice, **answers) -> str:
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
    person.queue("submit", dossier, {}, 2)
    outcomes = await person.sync()
    assert outcomes[-1]["state"] == 1, outcomes
    return str(dossier)


async def test_round_trip_submit_receive_request_answer_complete_return_rate(
    person: SyncDevice, desk: DeskOfficial
) -> None:
    dossier = await submitted_birth(person)
    queue = (await desk.get("/api/desk/queue", view="new")).json()
    assert [i["id"] for i in queue["items"]] == [dossier]
    assert queue["items"][0]["subject"] == "Nguyễn Minh Khang"

    received = await desk.act(dossier, "receive", {"message": "Đã nhận hồ sơ."})
    assert received.status_code == 200, received.text
    assert received.json()["state"] == 2 and received.json()["appointment_date"]

    # The person's phone pulls the new state and the appointment.
    view = (await person.pull_all())[dossier]
    assert view["state"] == 2 and view["appointment_date"] == received.json()["appointment_date"]
    assert view["messages"][-1] == {
        **view["messages"][-1],
        "author": "official",
        "text": "Đã nhận hồ sơ.",
    }

    due = (vn_today() + dt.timedelta(days=3)).isoformat()
    asked = await desk.act(
        dossier,
        "request_documents",
        {
            "documents": ["Giấy chứng nhận kết hôn của cha mẹ"],
            "reason": "Cần đối chiếu.",
            "due_date": due,
        },
    )
    assert asked.json()["state"] == 5
    view = (await person.pull_all())[dossier]
    assert view["supplement"]["documents"] == ["Giấy chứng nhận kết hôn của cha mẹ"]

    # Answered from the phone, with the document attached.
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
    assert answer["status"] == "applied" and answer["state"] == 4, answer

    assert (await desk.act(dossier, "complete", {"register_number": "123/2026"})).json()[
        "state"
    ] == 9
    assert (await desk.act(dossier, "return_result", {"method": "desk"})).json()["state"] == 10
    view = (await person.pull_all())[dossier]
    person.queue("rate", dossier, {"stars": 5, "comment": "Nhanh, chu đáo"}, view["version"])
    assert (await person.sync())[0]["status"] == "applied"

    detail = (await desk.get(f"/api/desk/dossiers/{dossier}")).json()
    assert [h["action"] for h in detail["history"]] == [
        "create_draft",
        "attach",
        "submit",
        "receive",
        "request_documents",
        "answer_supplement",
        "complete",
        "return_result",
        "rate",
    ]
    report = (await desk.get("/api/desk/reports")).json()
    assert report["total"] == 1 and report["on_time"] == 1 and report["average_rating"] == 5
    csv = await desk.get("/api/desk/reports.csv")
    assert (
        csv.headers["content-type"].startswith("text/csv") and "procedure,khai-sinh,1" in csv.text
    )

    templates = [r["template"] for r in await OutboxMessage.select(OutboxMessage.template)]
    for expected in (
        "dossier_submitted",
        "dossier_received",
        "documents_requested",
        "dossier_result",
    ):
        assert expected in templates


@pytest.mark.parametrize(
    "action, body",
    [
        ("start", {}),
        ("complete", {"register_number": "1"}),
        ("return_result", {"method": "desk"}),
        ("record_payment", {"reference": "x"}),
        ("accept_withdrawal", {}),
    ],
)
async def test_actions_not_allowed_in_state_1_are_refused(person, desk, action, body) -> None:
    dossier = await submitted_birth(person)
    r = await desk.act(dossier, action, body)
    assert r.status_code == 409 and r.json()["type"] == "/problems/not_allowed_in_state"


async def test_refusal_needs_a_reason_and_reaches_the_person(person, desk) -> None:
    dossier = await submitted_birth(person)
    missing = await desk.act(dossier, "refuse", {"reason": "  "})
    assert missing.status_code == 422 and missing.json()["errors"][0]["path"] == "reason"
    assert (await desk.act(dossier, "refuse", {"reason": "Sai cơ quan tiếp nhận."})).json()[
        "state"
    ] == 3
    view = (await person.pull_all())[dossier]
    assert view["state"] == 3 and view["messages"][-1]["text"] == "Sai cơ quan tiếp nhận."


async def test_other_commune_and_other_roles_are_kept_out(app, person) -> None:
    dossier = await submitted_birth(person)
    elsewhere = await official(app, "desk", "00004")
    async with aclosing(elsewhere.http):
        assert (await elsewhere.act(dossier, "receive")).status_code == 404
        assert (await elsewhere.get(f"/api/desk/dossiers/{dossier}")).status_code == 404
        assert (await elsewhere.get("/api/desk/queue")).json()["total"] == 0
        assert (await elsewhere.get("/api/desk/queue", commune="00070")).status_code == 403
    outreach = await official(app, "outreach", "00070")
    async with aclosing(outreach.http):
        assert (await outreach.act(dossier, "receive")).status_code == 403


async def test_search_by_name_without_accents_and_by_code(person, desk) -> None:
    dossier = await submitted_birth(person)
    code = (await person.pull_all())[dossier]["code"]
    by_name = (await desk.get("/api/desk/queue", q="nguyen minh khang")).json()
    assert [i["id"] for i in by_name["items"]] == [dossier]
    spaced = " ".join(code[i : i + 4] for i in range(0, 16, 4)).lower()
    by_code = (await desk.get("/api/desk/queue", q=spaced)).json()
    assert [i["id"] for i in by_code["items"]] == [dossier]
    assert (await desk.get("/api/desk/queue", q="tran van b")).json()["total"] == 0


async def test_duplicates_side_by_side_and_marked(app, person, desk) -> None:
    first = await submitted_birth(person)
    other = await device_for(app, await make_account("citizen"))
    async with aclosing(other.http):
        second = await submitted_birth(other)
    pair = (await desk.get(f"/api/desk/dossiers/{second}/duplicate")).json()
    assert [d["id"] for d in pair] == [second, first]
    r = await desk.act(second, "mark_duplicate", {"of": first})
    assert r.json()["state"] == 3
    assert (await desk.get(f"/api/desk/dossiers/{second}")).json()[
        "duplicate_decision"
    ] == "duplicate"


async def test_receipt_pdf_for_the_desk_and_the_owner_only(app, person, desk) -> None:
    dossier = await submitted_birth(person)
    await desk.act(dossier, "receive")
    at_desk = await desk.get(f"/api/dossiers/{dossier}/receipt.pdf")
    assert at_desk.status_code == 200 and at_desk.content.startswith(b"%PDF")
    assert at_desk.headers["content-type"] == "application/pdf"
    mine = await person.http.get(f"/api/dossiers/{dossier}/receipt.pdf", headers=person.auth)
    assert mine.status_code == 200 and mine.content.startswith(b"%PDF")
    stranger = await device_for(app, await make_account("citizen"))
    async with aclosing(stranger.http):
        r = await stranger.http.get(f"/api/dossiers/{dossier}/receipt.pdf", headers=stranger.auth)
        assert r.status_code == 404
    code = (await person.pull_all())[dossier]["code"]
    link = await desk.http.get(f"/tra-cuu?code={code}", follow_redirects=False)
    assert (
        link.status_code in (301, 302, 303, 307)
        and link.headers["location"] == f"/#/tra-cuu?code={code}"
    )
