"""A dossier is judged as filed: answering a supplement request later validates the
answers as of the day of filing, so a child under 6 then (the under-6 health-insurance
card) is not refused because the 6th birthday came while the commune was asking for a
document. Both databases."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from typing import Any

import msgspec
import pytest
from asgi_lifespan import LifespanManager

from harness.sync_client import SyncDevice, birth_answers, fake_sha256, uuid7
from server.app import create_app
from server.clock import SettableClock, vn_date
from server.settings import Settings
from tests.desk.conftest import DeskOfficial


@pytest.fixture
def clock() -> SettableClock:
    now = dt.datetime.now(dt.UTC)
    if (vn_date(now).month, vn_date(now).day) == (2, 29):
        now += dt.timedelta(days=1)  # a 29 February has no 6th birthday six years before
    return SettableClock(now)


@pytest.fixture
async def app(settings: Settings, clock: SettableClock) -> AsyncIterator[object]:
    app = create_app(msgspec.structs.replace(settings, demo_mode=True), clock=clock)
    async with LifespanManager(app):
        yield app


async def test_a_supplement_after_the_6th_birthday_keeps_the_card_asked_for_before(
    person: SyncDevice, desk: DeskOfficial, clock: SettableClock
) -> None:
    filed = vn_date(clock.now())
    sixth_birthday_eve = filed.replace(year=filed.year - 6) + dt.timedelta(days=1)
    fields = {
        **birth_answers(filed),
        "child.birth_date": sixth_birthday_eve.isoformat(),
        "extras.bhyt": True,
        "extras.kcb_facility": "Trạm y tế phường Hoàn Kiếm",
    }
    del fields["child.birth_date_words"]  # the server writes them from the date
    dossier = uuid7()
    person.queue("create_draft", dossier, {"procedure_code": "khai-sinh", "fields": fields})
    person.queue(
        "attach",
        dossier,
        {"path": "attachments.birth_certificate", "sha256": fake_sha256("gcs")},
        1,
    )
    person.queue("submit", dossier, {}, 2)
    outcomes = await person.sync()
    assert outcomes[-1]["status"] == "applied", outcomes[-1]
    assert (await desk.act(dossier, "receive", {"message": "Đã nhận."})).status_code == 200
    due = (filed + dt.timedelta(days=5)).isoformat()
    asked = await desk.act(
        dossier,
        "request_documents",
        {"documents": ["Giấy chứng nhận kết hôn"], "reason": "Cần đối chiếu.", "due_date": due},
    )
    assert asked.status_code == 200, asked.text

    clock.advance(dt.timedelta(days=2))  # the child is 6 now
    view = (await person.pull_all())[str(dossier)]
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
    assert answer["status"] == "applied", answer["reasons"]


def _death_answers(died: dt.date) -> dict[str, Any]:
    """A complete death registration, the wife asking."""
    return {
        "agency.province": "01",
        "agency.commune": "00070",
        "requester.full_name": "Lê Thị Hoa",
        "requester.id_number": "001155012345",
        "requester.residence": "Số 5 phố Hàng Bạc, phường Hoàn Kiếm, Hà Nội",
        "requester.relationship": "vo_chong",
        "deceased.full_name": "Phạm Văn Bình",
        "deceased.sex": "male",
        "deceased.birth_date": "1950-03-02",
        "deceased.ethnicity": "01",
        "deceased.nationality": "VN",
        "deceased.residence": "Số 5 phố Hàng Bạc, phường Hoàn Kiếm, Hà Nội",
        "deceased.id_number": "001050012345",
        "death.date": died.isoformat(),
        "death.time": "14:30",
        "death.place": "Bệnh viện Bạch Mai",
        "death.cause": "Suy tim",
        "death.notice_number": "123/GBT",
        "death.notice_issuer": "Bệnh viện Bạch Mai",
        "death.notice_date": died.isoformat(),
        "contact.phone": "0912345678",
    }


async def _death_dossier_asked_for_a_paper(
    person: SyncDevice, desk: DeskOfficial, filed: dt.date
) -> uuid.UUID:
    """A death registered on the 14th day (the limit is 15), then the desk asks for the
    paper that replaces the death notice."""
    dossier = uuid7()
    fields = _death_answers(filed - dt.timedelta(days=14))
    person.queue("create_draft", dossier, {"procedure_code": "khai-tu", "fields": fields})
    person.queue(
        "attach", dossier, {"path": "attachments.death_notice", "sha256": fake_sha256("gbt")}, 1
    )
    person.queue("submit", dossier, {}, 2)
    outcomes = await person.sync()
    assert outcomes[-1]["status"] == "applied", outcomes[-1]
    assert (await desk.act(dossier, "receive", {"message": "Đã nhận."})).status_code == 200
    asked = await desk.act(
        dossier,
        "request_documents",
        {
            "documents": ["Giấy tờ thay giấy báo tử"],
            "reason": "Giấy báo tử không rõ.",
            "due_date": (filed + dt.timedelta(days=10)).isoformat(),
        },
    )
    assert asked.status_code == 200, asked.text
    return dossier


async def _answer_with_notice_dated(
    person: SyncDevice, dossier: uuid.UUID, notice_date: dt.date
) -> dict[str, Any]:
    view = (await person.pull_all())[str(dossier)]
    person.queue(
        "answer_supplement",
        dossier,
        {
            "message": "Đã bổ sung giấy tờ thay giấy báo tử.",
            "changes": {
                "attachments.death_notice": [fake_sha256("gbt"), fake_sha256("thay-gbt")],
                "death.notice_number": "45/XN",
                "death.notice_issuer": "UBND phường Hoàn Kiếm",
                "death.notice_date": notice_date.isoformat(),
            },
        },
        view["version"],
    )
    [answer] = await person.sync()
    return answer


async def test_a_supplement_may_carry_a_paper_issued_after_filing_and_before_today(
    person: SyncDevice, desk: DeskOfficial, clock: SettableClock
) -> None:
    # The paper the desk asked for was issued yesterday, after the day of filing: "not in
    # the future" is today's rule, while the 15-day limit still counts to the filing day
    # (the death is 17 days old today).
    filed = vn_date(clock.now())
    dossier = await _death_dossier_asked_for_a_paper(person, desk, filed)

    clock.advance(dt.timedelta(days=3))
    answer = await _answer_with_notice_dated(person, dossier, filed + dt.timedelta(days=2))
    assert answer["status"] == "applied", answer["reasons"]
    fields = (await person.pull_all())[str(dossier)]["fields"]
    assert fields["death.notice_date"] == (filed + dt.timedelta(days=2)).isoformat()


async def test_a_supplement_may_not_carry_a_date_after_today(
    person: SyncDevice, desk: DeskOfficial, clock: SettableClock
) -> None:
    filed = vn_date(clock.now())
    dossier = await _death_dossier_asked_for_a_paper(person, desk, filed)

    clock.advance(dt.timedelta(days=3))
    answer = await _answer_with_notice_dated(person, dossier, filed + dt.timedelta(days=4))
    assert answer["status"] == "rejected"
    assert [(r["path"], r["code"]) for r in answer["reasons"]] == [
        ("death.notice_date", "date_in_future")
    ]
