"""No code is handed out twice after a restore (sync/README.md §9.1–9.2), even when an
outreach phone puts back, beside the dossier that used it, the reservation of its code."""

from __future__ import annotations

from pathlib import Path

from harness.sync_client import uuid7
from server.dossiers.tables import CodeReservation, Dossier
from server.settings import Settings
from tests.recovery import snapshots
from tests.recovery.test_put_back import serving
from tests.sync.conftest import device_for, make_account
from tests.sync.test_push_pull import birth_draft


async def test_a_used_reservation_put_back_does_not_give_its_code_to_a_second_family(
    settings: Settings, tmp_path: Path
) -> None:
    async with serving(settings) as app:
        field = await device_for(app, await make_account("outreach", "00070"))
        await field.sync()
        copy = await snapshots.take(settings, tmp_path / "backup")
        r = await field.http.post("/api/sync/codes/reserve", json={"count": 1}, headers=field.auth)
        [reserved] = r.json()["codes"]
        first_family = uuid7()
        birth_draft(field, first_family)
        field.queue("submit", first_family, {"reserved_code": reserved["code"]}, 2)
        assert (await field.sync())[-1]["code"] == reserved["code"]
        await field.pull_all()
        held = field.held(str(first_family))
    await snapshots.put_back(settings, copy, declare=True)

    async with serving(settings, field):
        # A phone whose bookkeeping lost that the code was used sends its reservation too.
        r = await field.recover([held], reservations=[reserved])
        assert r.status_code == 200, r.text
        assert r.json()["results"][0]["status"] == "restored"
        assert [x["code"] for x in r.json()["reservations_refused"]] == ["code_used"]
        # The second family's submission must not get (or crash on) the first's code.
        second_family = uuid7()
        birth_draft(field, second_family)
        field.queue("submit", second_family, {"reserved_code": reserved["code"]}, 2)
        r = await field.push()
        assert r.status_code == 200, r.text
        outcome = r.json()["outcomes"][-1]
        assert outcome["status"] == "rejected", outcome
        holders = await Dossier.select(Dossier.id).where(Dossier.code == reserved["code"])
        assert [h["id"] for h in holders] == [first_family]
        # No open reservation of it is left for a third.
        assert not await CodeReservation.exists().where(
            (CodeReservation.code == reserved["code"]) & CodeReservation.dossier_id.is_null()
        )


async def test_a_reservation_taken_back_before_its_dossier_by_another_device_is_used_up(
    settings: Settings, tmp_path: Path
) -> None:
    """The outreach phone puts back its reservations first; the official's tablet, which
    pulled the family's dossier, puts that back afterwards. The code is used: the phone's
    next submission with it is refused, never a 5xx that wedges its outbox."""
    async with serving(settings) as app:
        email = await make_account("outreach", "00070")
        field, tablet = await device_for(app, email), await device_for(app, email)
        await field.sync()
        await tablet.sync()
        copy = await snapshots.take(settings, tmp_path / "backup")
        r = await field.http.post("/api/sync/codes/reserve", json={"count": 1}, headers=field.auth)
        [reserved] = r.json()["codes"]
        family = uuid7()
        birth_draft(field, family)
        field.queue("submit", family, {"reserved_code": reserved["code"]}, 2)
        assert (await field.sync())[-1]["code"] == reserved["code"]
        await tablet.pull_all()
        held = tablet.held(str(family))
    await snapshots.put_back(settings, copy, declare=True)

    async with serving(settings, field, tablet):
        r = await field.recover([], reservations=[reserved])
        assert r.json()["reservations_restored"] == 1
        r = await tablet.recover([held])
        assert r.json()["results"][0]["status"] == "restored"
        assert not await CodeReservation.exists().where(
            (CodeReservation.code == reserved["code"]) & CodeReservation.dossier_id.is_null()
        )
        second = uuid7()
        birth_draft(field, second)
        field.queue("submit", second, {"reserved_code": reserved["code"]}, 2)
        r = await field.push()
        assert r.status_code == 200, r.text
        assert r.json()["outcomes"][-1]["status"] == "rejected"
