"""The desk's actions on the due date, on both databases: extending a marriage for
verification (5 working days, counted again from receipt with the calendar), and the
apology with a new date for an overdue dossier, with its letter. The person is told
by email (a real SMTP server) and SMS (a real HTTP gateway), and the phone pulls the
new dates.

The clock stands at Friday 20/11/2026 15:30 in Hà Nội: received after 15:00, a
marriage counts from Monday 23/11 (due that day); extended, 5 working days after
it, skipping Tuesday 24/11 (Ngày Văn hóa Việt Nam): Tuesday 1/12."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from collections.abc import AsyncIterator, Iterator
from contextlib import aclosing

import msgspec
import pytest
from asgi_lifespan import LifespanManager
from pypdf import PdfReader

from harness.sync_client import SyncDevice, birth_answers, uuid7
from server.app import create_app
from server.clock import VIETNAM, SettableClock
from server.settings import Settings
from sync.codes import display
from tests.desk.conftest import DeskOfficial, official
from tests.desk.test_desk_flow import submitted_birth
from tests.support.sms_gateway import Gateway
from tests.support.smtp import RecordingHandler, SmtpServer
from tests.sync.conftest import device_for, make_account

FRIDAY_AFTER_CUTOFF = dt.datetime(2026, 11, 20, 15, 30, tzinfo=VIETNAM)
EMAIL = "hoa.binh@example.vn"
PHONE = "0987 654 321"
REASON = "Cần xác minh tình trạng hôn nhân của bên nam tại nơi cư trú trước đây."


def marriage_answers() -> dict:
    return {
        "agency.province": "01",
        "agency.commune": "00070",
        "groom.full_name": "Nguyễn Văn Bình",
        "groom.birth_date": "1990-03-01",
        "groom.ethnicity": "01",
        "groom.nationality": "VN",
        "groom.residence": "Số 5 phố Hàng Bạc, phường Hoàn Kiếm, Hà Nội",
        "groom.id_number": "001090012345",
        "groom.marital_status": "chua_ket_hon",
        "bride.full_name": "Trần Thị Hòa",
        "bride.birth_date": "1995-06-01",
        "bride.ethnicity": "01",
        "bride.nationality": "VN",
        "bride.residence": "Số 7 phố Hàng Đào, phường Hoàn Kiếm, Hà Nội",
        "bride.id_number": "001195054321",
        "bride.marital_status": "chua_ket_hon",
        "declaration.consent": True,
        "contact.phone": PHONE,
        "contact.email": EMAIL,
    }


async def submitted_marriage(person: SyncDevice) -> str:
    dossier = uuid7()
    person.queue(
        "create_draft", dossier, {"procedure_code": "ket-hon", "fields": marriage_answers()}
    )
    person.queue("submit", dossier, {}, 1)
    outcomes = await person.sync()
    assert outcomes[-1]["state"] == 1, outcomes
    return str(dossier)


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(FRIDAY_AFTER_CUTOFF)


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer(RecordingHandler()).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    g = Gateway().start()
    try:
        yield g
    finally:
        g.stop()


@pytest.fixture
def notify_settings(settings: Settings, smtp: SmtpServer, gateway: Gateway) -> Settings:
    return msgspec.structs.replace(
        settings,
        demo_mode=True,
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        sms_gateway_url=gateway.url,
        sms_gateway_token="gateway-token",
    )


@pytest.fixture
async def app(notify_settings: Settings, clock: SettableClock) -> AsyncIterator[object]:
    app = create_app(notify_settings, clock=clock)
    async with LifespanManager(app):
        yield app


async def delivered(app, smtp: SmtpServer, gateway: Gateway, subject: str, sms: str):
    """The email whose subject has `subject` and the SMS with `sms`, once the
    application's own sender (woken by the action, on the application's clock) has
    sent them through the outbox."""
    for _ in range(400):
        mails = [
            r.message
            for r in smtp.handler.received
            if EMAIL in r.rcpt_tos and subject in str(r.message["Subject"])
        ]
        texts = [r.body for r in gateway.delivered if sms in r.body["text"]]
        if mails and texts:
            return mails, texts
        await asyncio.sleep(0.05)
    raise AssertionError(
        (
            [str(r.message["Subject"]) for r in smtp.handler.received],
            [r.body for r in gateway.requests],
        )
    )


async def received_and_started(desk: DeskOfficial, dossier: str) -> None:
    received = await desk.act(dossier, "receive")
    assert received.status_code == 200, received.text
    assert received.json()["due_date"] == "2026-11-23"
    assert (await desk.act(dossier, "start")).json()["state"] == 4


async def test_a_marriage_is_extended_once_and_the_person_and_the_phone_learn_the_new_date(
    app, person: SyncDevice, desk: DeskOfficial, smtp: SmtpServer, gateway: Gateway
) -> None:
    dossier = await submitted_marriage(person)
    await received_and_started(desk, dossier)
    before = (await desk.get(f"/api/desk/dossiers/{dossier}")).json()
    assert before["extended_days"] == 5 and before["extended_at"] is None
    assert before["extended_when"]["vi"].startswith("cần xác minh")

    extended = await desk.act(dossier, "extend_for_verification", {"reason": f"  {REASON} "})
    assert extended.status_code == 200, extended.text
    assert extended.json()["state"] == 4
    assert extended.json()["due_date"] == "2026-12-01"
    assert extended.json()["appointment_date"] == "2026-12-01"

    detail = (await desk.get(f"/api/desk/dossiers/{dossier}")).json()
    assert detail["extended_at"] is not None
    last = detail["history"][-1]
    assert last["action"] == "extend_for_verification"
    assert last["actor_role"] == "desk" and (last["from_state"], last["to_state"]) == (4, 4)
    assert last["detail"]["reason"] == REASON
    assert last["detail"]["old_due_date"] == "2026-11-23"
    assert last["detail"]["new_due_date"] == "2026-12-01"
    assert last["detail"]["official"] == "Người Dùng Thử"

    # At most once.
    again = await desk.act(dossier, "extend_for_verification", {"reason": "Xác minh thêm."})
    assert again.status_code == 409 and again.json()["type"] == "/problems/already_extended"

    # The phone pulls the new dates and the official's message.
    view = (await person.pull_all())[dossier]
    assert view["due_date"] == view["appointment_date"] == "2026-12-01"
    assert REASON in view["messages"][-1]["text"] and "01/12/2026" in view["messages"][-1]["text"]

    [mail], [sms] = await delivered(app, smtp, gateway, "gia hạn", "01/12/2026")
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert REASON in body and "01/12/2026" in body
    assert sms["to"] == "+84987654321"
    assert display(view["code"]) in sms["text"]


async def test_extension_refusals(app, person: SyncDevice, desk: DeskOfficial) -> None:
    dossier = await submitted_marriage(person)
    # Not before the dossier is received.
    early = await desk.act(dossier, "extend_for_verification", {"reason": REASON})
    assert early.status_code == 409 and early.json()["type"] == "/problems/not_allowed_in_state"
    await received_and_started(desk, dossier)

    for body, path, code in (
        ({"reason": "   "}, "reason", "required"),
        ({"reason": "x" * 2001}, "reason", "too_long"),
    ):
        r = await desk.act(dossier, "extend_for_verification", body)
        assert r.status_code == 422, r.text
        assert (r.json()["errors"][0]["path"], r.json()["errors"][0]["code"]) == (path, code)
    missing = await desk.act(dossier, "extend_for_verification", {})
    assert missing.status_code == 422
    assert (missing.json()["errors"][0]["path"], missing.json()["errors"][0]["code"]) == (
        "reason",
        "required",
    )
    unknown = await desk.act(dossier, "extend_for_verification", {"reason": REASON, "days": 9})
    assert unknown.status_code == 422 and "days" in unknown.json()["errors"][0]["message"]

    # Another commune's official does not see it; a citizen may not act at the desk.
    elsewhere = await official(app, "desk", "00004")
    async with aclosing(elsewhere.http):
        r = await elsewhere.act(dossier, "extend_for_verification", {"reason": REASON})
        assert r.status_code == 404
    citizen = await official(app, "citizen", "")
    async with aclosing(citizen.http):
        r = await citizen.act(dossier, "extend_for_verification", {"reason": REASON})
        assert r.status_code == 403
    # Nothing stored by the refusals.
    detail = (await desk.get(f"/api/desk/dossiers/{dossier}")).json()
    assert detail["due_date"] == "2026-11-23" and detail["extended_at"] is None
    assert detail["history"][-1]["action"] == "start"

    # A procedure without an extended time (birth registration) cannot be extended.
    birth = await submitted_birth(person, **birth_answers(FRIDAY_AFTER_CUTOFF.date()))
    await desk.act(birth, "receive")
    r = await desk.act(birth, "extend_for_verification", {"reason": REASON})
    assert r.status_code == 409 and r.json()["type"] == "/problems/no_extended_time"
    assert (await desk.get(f"/api/desk/dossiers/{birth}")).json()["extended_days"] is None


async def test_an_overdue_dossier_gets_an_apology_a_new_date_and_a_letter(
    app,
    clock: SettableClock,
    person: SyncDevice,
    desk: DeskOfficial,
    smtp: SmtpServer,
    gateway: Gateway,
) -> None:
    dossier = await submitted_marriage(person)
    await received_and_started(desk, dossier)
    body = {"reason": "Chưa nhận được kết quả xác minh từ nơi cư trú.", "new_date": "2026-11-27"}
    early = await desk.act(dossier, "apologise", body)
    assert early.status_code == 409 and early.json()["type"] == "/problems/not_overdue"

    # Wednesday 25/11: due on Monday 23/11, still being processed.
    clock.set(dt.datetime(2026, 11, 25, 10, 0, tzinfo=VIETNAM))
    # Signed in again: the session of five days ago has lapsed.
    desk = await official(app)
    try:
        await _apologise_when_overdue(app, clock, person, desk, smtp, gateway, dossier, body)
    finally:
        await desk.http.aclose()


async def _apologise_when_overdue(app, clock, person, desk, smtp, gateway, dossier, body) -> None:
    answer = await desk.get("/api/desk/queue", view="overdue")
    assert answer.status_code == 200, answer.text
    overdue = answer.json()
    assert [(i["id"], i["overdue"]) for i in overdue["items"]] == [(dossier, True)]

    for wrong, path, code in (
        ({**body, "new_date": "2026-11-25"}, "new_date", "not_after_today"),
        ({**body, "new_date": "2026-11-28"}, "new_date", "not_a_working_day"),  # Saturday
        ({**body, "new_date": "2028-01-03"}, "new_date", "too_far"),
        ({**body, "reason": " "}, "reason", "required"),
    ):
        r = await desk.act(dossier, "apologise", wrong)
        assert r.status_code == 422, r.text
        assert (r.json()["errors"][0]["path"], r.json()["errors"][0]["code"]) == (path, code)
    r = await desk.act(dossier, "apologise", {"reason": "x"})
    assert r.status_code == 422 and "new_date" in r.text
    elsewhere = await official(app, "desk", "00004")
    async with aclosing(elsewhere.http):
        assert (await elsewhere.act(dossier, "apologise", body)).status_code == 404

    done = await desk.act(dossier, "apologise", body)
    assert done.status_code == 200, done.text
    assert done.json()["appointment_date"] == "2026-11-27"
    assert done.json()["due_date"] == "2026-11-23"  # the legal date stays: it was late

    detail = (await desk.get(f"/api/desk/dossiers/{dossier}")).json()
    assert detail["apology_letters"] == [1] and detail["overdue"] is False
    last = detail["history"][-1]
    assert last["action"] == "apologise"
    assert last["detail"]["original_date"] == "2026-11-23"
    assert last["detail"]["new_date"] == "2026-11-27"
    assert last["detail"]["reason"] == body["reason"]
    # No longer past the date promised: out of the overdue view until 27/11 passes.
    assert (await desk.get("/api/desk/queue", view="overdue")).json()["total"] == 0

    # The letter, for the desk and for the owner, and for nobody else.
    letter = await desk.get(f"/api/dossiers/{dossier}/apology/1")
    assert letter.status_code == 200 and letter.headers["content-type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(letter.content)).pages)
    code = (await person.pull_all())[dossier]["code"]
    for expected in (
        "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
        "Trần Thị Hòa",  # no requester: the subject, the two partners
        display(code),
        "Đăng ký kết hôn",
        "23/11/2026",
        "27/11/2026",
        body["reason"],
    ):
        assert expected in " ".join(text.split()), (expected, text)
    mine = await person.http.get(f"/api/dossiers/{dossier}/apology/1", headers=person.auth)
    assert mine.status_code == 200 and mine.content == letter.content
    assert (await desk.get(f"/api/dossiers/{dossier}/apology/2")).status_code == 404
    stranger = await device_for(app, await make_account("citizen"))
    async with aclosing(stranger.http):
        r = await stranger.http.get(f"/api/dossiers/{dossier}/apology/1", headers=stranger.auth)
        assert r.status_code == 404

    view = (await person.pull_all())[dossier]
    assert view["appointment_date"] == "2026-11-27"
    assert "27/11/2026" in view["messages"][-1]["text"]
    [mail], [sms] = await delivered(app, smtp, gateway, "xin lỗi", "27/11/2026")
    content = mail.get_body(preferencelist=("plain",)).get_content()
    assert "23/11/2026" in content and "27/11/2026" in content and body["reason"] in content
    assert sms["to"] == "+84987654321"

    # Once 27/11 has passed too, a second apology with a second letter.
    clock.set(dt.datetime(2026, 11, 30, 9, 0, tzinfo=VIETNAM))
    desk = await official(app)
    await _second_apology(desk, dossier, body)
    await desk.http.aclose()


async def _second_apology(desk: DeskOfficial, dossier: str, body: dict) -> None:
    second = await desk.act(dossier, "apologise", {**body, "new_date": "2026-12-02"})
    assert second.status_code == 200, second.text
    assert (await desk.get(f"/api/desk/dossiers/{dossier}")).json()["apology_letters"] == [1, 2]
    assert (await desk.get(f"/api/dossiers/{dossier}/apology/2")).status_code == 200


async def test_the_pull_carries_the_apology_letters_of_each_dossier_to_its_owner_alone(
    app, clock: SettableClock, person: SyncDevice, desk: DeskOfficial
) -> None:
    """Each view carries its own dossier's letters (number, when issued, the new date),
    so the phone can offer them; another dossier of the same person has none, and
    another person's pull never has the dossier."""
    apologised = await submitted_marriage(person)
    other_mine = await submitted_marriage(person)
    stranger = await device_for(app, await make_account("citizen"))
    async with aclosing(stranger.http):
        theirs = await submitted_marriage(stranger)
        for dossier in (apologised, other_mine, theirs):
            await received_and_started(desk, dossier)
        assert (await person.pull_all())[apologised]["apology_letters"] == []

        clock.set(dt.datetime(2026, 11, 25, 10, 0, tzinfo=VIETNAM))
        desk = await official(app)
        async with aclosing(desk.http):
            body = {"reason": "Chưa nhận được kết quả xác minh.", "new_date": "2026-11-27"}
            assert (await desk.act(apologised, "apologise", body)).status_code == 200
            mine = await person.pull_all()
            assert mine[apologised]["apology_letters"] == [
                {"number": 1, "at": "2026-11-25T03:00:00Z", "new_date": "2026-11-27"}
            ]
            assert mine[other_mine]["apology_letters"] == []
            seen = await stranger.pull_all()
            assert apologised not in seen and other_mine not in seen
            assert seen[theirs]["apology_letters"] == []

            clock.set(dt.datetime(2026, 11, 30, 9, 0, tzinfo=VIETNAM))
        desk = await official(app)
        async with aclosing(desk.http):
            body = {**body, "new_date": "2026-12-02"}
            assert (await desk.act(apologised, "apologise", body)).status_code == 200
        view = (await person.pull_all())[apologised]
        assert [(a["number"], a["new_date"]) for a in view["apology_letters"]] == [
            (1, "2026-11-27"),
            (2, "2026-12-02"),
        ]
        assert view["appointment_date"] == "2026-12-02"
        # The letter the view names is the one the owner's device reads.
        letter = await person.http.get(f"/api/dossiers/{apologised}/apology/2", headers=person.auth)
        assert letter.status_code == 200 and letter.headers["content-type"] == "application/pdf"
