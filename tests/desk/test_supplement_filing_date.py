"""A dossier is judged as filed: answering a supplement request later validates the
answers as of the day of filing, so a child under 6 then (the under-6 health-insurance
card) is not refused because the 6th birthday came while the commune was asking for a
document. Both databases."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

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
