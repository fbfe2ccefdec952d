"""A deleted draft keeps nothing the person typed: its answers go, and so do the
conflicts that held two of its values (what each device had typed), open or settled.
Both databases."""

from __future__ import annotations

from contextlib import aclosing

from harness.sync_client import uuid7
from server.dossiers.tables import Dossier, DossierConflict
from tests.sync.conftest import app, device_for, make_account  # noqa: F401  (fixtures)
from tests.sync.test_push_pull import birth_draft


async def test_deleting_a_draft_forgets_the_answers_its_conflicts_held(app) -> None:
    email = await make_account("citizen")
    phone, tablet = await device_for(app, email), await device_for(app, email)
    async with aclosing(phone.http), aclosing(tablet.http):
        dossier = uuid7()
        birth_draft(phone, dossier)
        await phone.sync()
        # Both devices change the same field from version 2: one conflict is settled, a
        # second one stays open.
        phone.queue("edit_draft", dossier, {"changes": {"child.hometown": "Thôn Đông, Huế"}}, 2)
        phone.queue("edit_draft", dossier, {"changes": {"child.birth_place": "Nhà riêng số 9"}}, 2)
        assert [o["status"] for o in await phone.sync()] == ["applied", "merged"]
        tablet.queue("edit_draft", dossier, {"changes": {"child.hometown": "Xóm Bến, Đà Nẵng"}}, 2)
        tablet.queue("edit_draft", dossier, {"changes": {"child.birth_place": "Trạm y tế xã"}}, 2)
        outcomes = await tablet.sync()
        assert [o["status"] for o in outcomes] == ["conflict", "conflict"], outcomes
        first = outcomes[0]["conflicts"][0]["conflict_id"]
        tablet.queue(
            "resolve_conflict",
            dossier,
            {"conflict_id": first, "choice": "device"},
            outcomes[-1]["version"],
        )
        [resolved] = await tablet.sync()
        assert resolved["status"] == "applied", resolved

        phone.queue("delete_draft", dossier, {}, resolved["version"])
        [deleted] = await phone.sync()
        assert deleted["status"] == "applied", deleted

        row = await Dossier.select(Dossier.fields).where(Dossier.id == dossier).first()
        assert row["fields"] == "{}"
        # No copy of what was typed stays behind in the conflicts.
        assert await DossierConflict.count().where(DossierConflict.dossier_id == dossier) == 0
