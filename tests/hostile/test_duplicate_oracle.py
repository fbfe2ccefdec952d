"""The duplicate flag names another dossier, so only the desk sees it. An outreach
official who submitted a birth with guessed details read, in their own pull, the id of
someone else's earlier dossier for that child (then its code and state by lookup).
Both engines."""

from __future__ import annotations

from contextlib import aclosing

from harness.sync_client import SyncDevice, uuid7
from server.dossiers.tables import Dossier
from tests.sync.conftest import app, citizen, device_for, make_account  # noqa: F401  (fixtures)
from tests.sync.test_push_pull import birth_draft

COMMUNE = "00070"


async def test_only_the_desk_is_shown_which_dossier_a_birth_may_duplicate(
    app, citizen: SyncDevice
) -> None:
    first = uuid7()
    birth_draft(citizen, first)
    citizen.queue("submit", first, {}, 2)
    await citizen.sync()

    outreach = await device_for(app, await make_account("outreach", COMMUNE))
    desk = await device_for(app, await make_account("desk", COMMUNE))
    async with aclosing(outreach.http), aclosing(desk.http):
        guessed = uuid7()
        birth_draft(outreach, guessed, **{"child.full_name": "NGUYEN minh  khang"})
        outreach.queue("submit", guessed, {}, 2)
        assert (await outreach.sync())[-1]["state"] == 1
        row = (
            await Dossier.select(Dossier.possible_duplicate_of).where(Dossier.id == guessed).first()
        )
        assert row["possible_duplicate_of"] == first  # the server did flag it

        assert (await outreach.pull_all())[str(guessed)]["possible_duplicate_of"] is None
        assert (await desk.pull_all())[str(guessed)]["possible_duplicate_of"] == str(first)
