"""Put-backs sent at once (sync/README.md §9.2): the same page twice from one device
(a phone retrying before its first answer came), and one dossier from two devices of
its account. Each answers 200, the dossier exists once, each put-back is recorded once."""

from __future__ import annotations

import asyncio
from typing import Any

from harness.sync_client import uuid7
from server.clock import vn_today
from server.dossiers.tables import Dossier
from server.recovery.tables import PutBack
from server.settings import Settings
from tests.recovery.test_put_back import serving
from tests.sync.conftest import device_for, make_account
from tests.sync.test_push_pull import birth_answers


def _draft() -> dict[str, Any]:
    return {
        "id": str(uuid7()),
        "procedure_code": "khai-sinh",
        "schema_version": 1,
        "state": 0,
        "version": 4,
        "fields": birth_answers(vn_today()),
    }


async def test_one_page_sent_twice_at_once_is_put_back_once(settings: Settings) -> None:
    async with serving(settings) as app:
        phone = await device_for(app, await make_account("citizen"))
        page = [_draft() for _ in range(20)]
        first, second = await asyncio.gather(
            phone.recover(page, done=False), phone.recover(page, done=False)
        )
        assert first.status_code == second.status_code == 200, (first.text, second.text)
        assert first.json()["results"] == second.json()["results"]
        assert await Dossier.count() == 20
        assert await PutBack.count() == 20


async def test_one_dossier_from_two_devices_at_once_exists_once(settings: Settings) -> None:
    async with serving(settings) as app:
        email = await make_account("citizen")
        phone, tablet = await device_for(app, email), await device_for(app, email)
        page = [_draft() for _ in range(20)]
        first, second = await asyncio.gather(
            phone.recover(page, done=False), tablet.recover(page, done=False)
        )
        assert first.status_code == second.status_code == 200, (first.text, second.text)
        statuses = sorted(r["status"] for a in (first, second) for r in a.json()["results"])
        assert statuses.count("restored") == 20 and statuses.count("rejected") == 0
        assert await Dossier.count() == 20
        assert await PutBack.count() == 40
