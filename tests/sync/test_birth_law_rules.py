"""Submitting a birth registration: the date of birth in words is the server's to write
when the person left it, is refused with the words it should read when it names another
date, and the under-6 health-insurance card is refused from the 6th birthday on, the day
of filing being the server's today (Asia/Ho_Chi_Minh)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Any

import msgspec
import pytest
from asgi_lifespan import LifespanManager

from harness.sync_client import SyncDevice, birth_answers, fake_sha256, uuid7
from server.app import create_app
from server.clock import SettableClock, vn_date
from server.dossiers.tables import Dossier
from server.settings import Settings
from tests.sync.conftest import device_for, make_account


@pytest.fixture
def clock() -> SettableClock:
    # Standing still: the test and the server agree on "today" even across midnight.
    now = dt.datetime.now(dt.UTC)
    if (vn_date(now).month, vn_date(now).day) == (2, 29):
        now += dt.timedelta(days=1)  # a 29 February has no 6th birthday six years before
    return SettableClock(now)


@pytest.fixture
async def citizen(settings: Settings, clock: SettableClock) -> AsyncIterator[SyncDevice]:
    app = create_app(msgspec.structs.replace(settings, demo_mode=True), clock=clock)
    async with LifespanManager(app):
        device = await device_for(app, await make_account("citizen"))
        async with aclosing(device.http):
            yield device


async def submit(device: SyncDevice, procedure: str, fields: dict[str, Any]) -> dict[str, Any]:
    dossier = uuid7()
    device.queue("create_draft", dossier, {"procedure_code": procedure, "fields": fields})
    device.queue(
        "attach",
        dossier,
        {"path": "attachments.birth_certificate", "sha256": fake_sha256(str(dossier))},
        1,
    )
    device.queue("submit", dossier, {}, 2)
    outcomes = await device.sync()
    assert [o["status"] for o in outcomes[:2]] == ["applied", "applied"], outcomes
    return {"id": dossier, **outcomes[2]}


def without_words(fields: dict[str, Any]) -> dict[str, Any]:
    """The answers with the date of birth in words left for the server to write."""
    return {p: v for p, v in fields.items() if p != "child.birth_date_words"}


def sixth_birthday_eve(today: dt.date) -> dt.date:
    """Born on this day, a child is 6 tomorrow: still under 6 today."""
    return today.replace(year=today.year - 6) + dt.timedelta(days=1)


async def test_words_left_empty_are_written_by_the_server(citizen: SyncDevice, clock) -> None:
    today = vn_date(clock.now())
    fields = without_words(birth_answers(today))
    outcome = await submit(citizen, "khai-sinh", fields)
    assert outcome["status"] == "applied", outcome
    row = await Dossier.select(Dossier.fields).where(Dossier.id == outcome["id"]).first()
    words = msgspec.json.decode(row["fields"])["child.birth_date_words"]
    assert words.startswith("Ngày ") and " tháng " in words and " năm hai nghìn " in words


async def test_words_of_another_date_are_refused_naming_the_field(
    citizen: SyncDevice, clock
) -> None:
    today = vn_date(clock.now())
    fields = {**birth_answers(today), "child.birth_date_words": "Ngày một tháng một năm 2020"}
    outcome = await submit(citizen, "khai-sinh", fields)
    assert outcome["status"] == "rejected"
    [reason] = outcome["reasons"]
    assert (reason["code"], reason["path"]) == ("date_words_mismatch", "child.birth_date_words")
    assert "cần ghi" in reason["message"] and "Ngày " in reason["message"]


@pytest.mark.parametrize(("age", "refused"), [("eve", False), ("sixth_birthday", True)])
async def test_bhyt_card_for_a_child_of_6_is_refused(
    citizen: SyncDevice, clock, age: str, refused: bool
) -> None:
    today = vn_date(clock.now())
    birth = sixth_birthday_eve(today) - dt.timedelta(days=0 if age == "eve" else 1)
    fields = {
        **without_words(birth_answers(today)),
        "child.birth_date": birth.isoformat(),
        "extras.bhyt": True,
        "extras.kcb_facility": "Trạm y tế phường Hoàn Kiếm",
    }
    outcome = await submit(citizen, "khai-sinh", fields)
    if not refused:
        assert outcome["status"] == "applied", outcome
        return
    assert outcome["status"] == "rejected"
    [reason] = outcome["reasons"]
    assert (reason["code"], reason["path"]) == ("bhyt_child_too_old", "extras.bhyt")
    assert "Thẻ bảo hiểm y tế" in reason["message"] and "6 tuổi" in reason["message"]


async def test_interlinked_bundle_for_a_child_of_6_is_refused(citizen: SyncDevice, clock) -> None:
    today = vn_date(clock.now())
    birth = sixth_birthday_eve(today) - dt.timedelta(days=1)
    fields = {
        **without_words(birth_answers(today)),
        "child.birth_date": birth.isoformat(),
        "thuong_tru.address": "Số 5 phố Hàng Bạc, phường Hoàn Kiếm, Hà Nội",
        "bhyt.kcb_facility": "Trạm y tế phường Hoàn Kiếm",
    }
    outcome = await submit(citizen, "lien-thong-khai-sinh", fields)
    assert outcome["status"] == "rejected"
    assert [(r["code"], r["path"]) for r in outcome["reasons"]] == [
        ("bundle_child_too_old", "child.birth_date")
    ]
