"""Every pull answer carries the server's generation (sync/README.md §9.1): a phone
that meets a restored server on a pull puts back before it applies any view, and once
it has, the pull must say the generation the put-back answered, or the phone would
take every pull for another restore."""

from __future__ import annotations

from pathlib import Path

from harness.sync_client import uuid7
from server.settings import Settings
from tests.recovery import snapshots
from tests.recovery.test_put_back import serving
from tests.sync.conftest import device_for, make_account
from tests.sync.test_push_pull import birth_draft


async def test_the_pull_says_the_generation_before_and_after_a_restore(
    settings: Settings, tmp_path: Path
) -> None:
    async with serving(settings) as app:
        phone = await device_for(app, await make_account("citizen"))
        dossier = uuid7()
        birth_draft(phone, dossier)
        await phone.sync()
        await phone.pull_all()  # the phone holds the dossier as the server showed it
        assert phone.generation == 1
        copy = await snapshots.take(settings, tmp_path / "backup")
    await snapshots.put_back(settings, copy, declare=True)

    async with serving(settings, phone):
        r = await phone.http.get("/api/sync/pull", headers=phone.auth)
        assert r.status_code == 200 and r.json()["generation"] == 2, r.text
        answer = await phone.recover([phone.held(str(dossier))])
        assert answer.json()["generation"] == 2
        r = await phone.http.get("/api/sync/pull", headers=phone.auth)
        assert r.json()["generation"] == 2, r.text
