"""Bugs the sync property and process tests found, each pinned by a plain example.

1. SQLite reused a deleted change-feed id: a dossier's second change took the id of
   its first (deleted) feed row, behind a cursor already standing there, so another
   device never pulled it.
2. Resolving a conflict overwrote a newer edit of the field the resolver never saw,
   and a second resolution of an already settled conflict was silently dropped.
3. The first submissions a fresh server process handled at once could be refused
   with "unknown_province": the form context cache looked loaded before it was.
4. A choice for a conflict another device had meanwhile settled into a new conflict
   (its choice kept beside a newer edit) was answered "applied" and dropped: that
   settlement left the field as it was, so the later choice looked already seen."""

from __future__ import annotations

import asyncio
from contextlib import aclosing

import msgspec

from harness.sync_client import SyncDevice, birth_answers, uuid7
from server.clock import vn_today
from server.dossiers import store as dossier_store
from server.dossiers.tables import DossierConflict
from tests.sync.conftest import device_for, make_account


def draft(device: SyncDevice) -> str:
    dossier = uuid7()
    device.queue(
        "create_draft",
        dossier,
        {"procedure_code": "khai-sinh", "fields": birth_answers(vn_today())},
    )
    return str(dossier)


async def test_a_dossiers_next_change_reaches_a_device_that_pulled_the_last_one(app) -> None:
    email = await make_account("citizen")
    phone, tablet = await device_for(app, email), await device_for(app, email)
    async with aclosing(phone.http), aclosing(tablet.http):
        dossier = draft(phone)
        await phone.sync()
        for version, town in enumerate(["Huế", "Nam Định", "Hải Phòng"], start=2):
            assert (await tablet.pull_all())[dossier]["version"] == version - 1
            phone.queue("edit_draft", dossier, {"changes": {"child.hometown": town}}, version - 1)
            await phone.sync()
        view = (await tablet.pull_all())[dossier]
        assert (view["version"], view["fields"]["child.hometown"]) == (4, "Hải Phòng")


async def conflict_values(dossier: str) -> set[str]:
    rows = await DossierConflict.select().where(DossierConflict.dossier_id == dossier)
    return {msgspec.json.decode(r[k]) for r in rows for k in ("server_value", "device_value")}


async def test_resolving_does_not_overwrite_an_edit_the_resolver_never_saw(app) -> None:
    email = await make_account("citizen")
    phone, tablet = await device_for(app, email), await device_for(app, email)
    async with aclosing(phone.http), aclosing(tablet.http):
        dossier = draft(phone)
        await phone.sync()
        await tablet.pull_all()
        phone.queue("edit_draft", dossier, {"changes": {"child.hometown": "A"}}, 1)
        await phone.sync()
        tablet.queue("edit_draft", dossier, {"changes": {"child.hometown": "B"}}, 1)
        [outcome] = await tablet.sync()
        conflict = outcome["conflicts"][0]["conflict_id"]
        seen = (await tablet.pull_all())[dossier]["version"]

        # The phone, having seen the conflict, types a third value...
        phone_view = (await phone.pull_all())[dossier]
        phone.queue(
            "edit_draft", dossier, {"changes": {"child.hometown": "C"}}, phone_view["version"]
        )
        assert (await phone.sync())[0]["status"] == "applied"
        # ...and the tablet settles the conflict without having seen it.
        tablet.queue(
            "resolve_conflict", dossier, {"conflict_id": conflict, "choice": "device"}, seen
        )
        [resolved] = await tablet.sync()
        assert resolved["status"] == "conflict"
        [again] = resolved["conflicts"]
        assert (again["server_value"], again["device_value"]) == ("C", "B")

        view = (await tablet.pull_all())[dossier]
        assert view["fields"]["child.hometown"] == "C"  # nothing overwritten blindly
        assert [c["id"] for c in view["conflicts"]] == [again["conflict_id"]]
        assert {"A", "B", "C"} <= await conflict_values(dossier)

        # Settled with both values in sight, the choice applies.
        tablet.queue(
            "resolve_conflict",
            dossier,
            {"conflict_id": again["conflict_id"], "choice": "device"},
            view["version"],
        )
        assert (await tablet.sync())[0]["status"] == "applied"
        final = (await phone.pull_all())[dossier]
        assert final["fields"]["child.hometown"] == "B" and final["conflicts"] == []


async def test_a_second_resolution_of_a_settled_conflict_is_kept(app) -> None:
    email = await make_account("citizen")
    phone, tablet = await device_for(app, email), await device_for(app, email)
    async with aclosing(phone.http), aclosing(tablet.http):
        dossier = draft(phone)
        await phone.sync()
        await tablet.pull_all()
        phone.queue("edit_draft", dossier, {"changes": {"child.birth_place": "Nhà"}}, 1)
        await phone.sync()
        tablet.queue("edit_draft", dossier, {"changes": {"child.birth_place": "Trạm y tế"}}, 1)
        conflict = (await tablet.sync())[0]["conflicts"][0]["conflict_id"]
        for device in (phone, tablet):
            await device.pull_all()
        base = phone.dossiers[dossier]["version"]

        # Both settle it at once, each its own way; the second choice is not dropped.
        phone.queue(
            "resolve_conflict", dossier, {"conflict_id": conflict, "choice": "server"}, base
        )
        tablet.queue(
            "resolve_conflict",
            dossier,
            {"conflict_id": conflict, "choice": "value", "value": "Bệnh viện"},
            base,
        )
        assert (await phone.sync())[0]["status"] == "applied"
        [second] = await tablet.sync()
        assert second["status"] == "conflict"
        assert (second["conflicts"][0]["server_value"], second["conflicts"][0]["device_value"]) == (
            "Nhà",
            "Bệnh viện",
        )

        # A replay of a resolution already applied changes nothing.
        phone.queue(
            "resolve_conflict",
            dossier,
            {"conflict_id": conflict, "choice": "server"},
            (await phone.pull_all())[dossier]["version"],
        )
        assert (await phone.sync())[0]["status"] == "applied"
        assert "Bệnh viện" in await conflict_values(dossier)


async def test_a_choice_for_a_conflict_settled_into_another_is_kept(app) -> None:
    email = await make_account("citizen")
    phone, tablet = await device_for(app, email), await device_for(app, email)
    async with aclosing(phone.http), aclosing(tablet.http):
        dossier = draft(phone)
        await phone.sync()
        await tablet.pull_all()
        phone.queue("edit_draft", dossier, {"changes": {"child.hometown": "A"}}, 1)
        await phone.sync()
        tablet.queue("edit_draft", dossier, {"changes": {"child.hometown": "B"}}, 1)
        conflict = (await tablet.sync())[0]["conflicts"][0]["conflict_id"]
        before = (await phone.pull_all())[dossier]["version"]
        # The phone edits the field again (it has seen the conflict; the field is its own).
        phone.queue("edit_draft", dossier, {"changes": {"child.hometown": "C"}}, before)
        await phone.sync()

        # Offline, the tablet settles the conflict on the view before "C" ...
        tablet.queue(
            "resolve_conflict",
            dossier,
            {"conflict_id": conflict, "choice": "value", "value": "X"},
            before,
        )
        # ... while the phone, seeing "C" and the conflict still open, settles it too.
        seen = (await phone.pull_all())[dossier]
        assert [c["id"] for c in seen["conflicts"]] == [conflict]
        phone.queue(
            "resolve_conflict",
            dossier,
            {"conflict_id": conflict, "choice": "value", "value": "Y"},
            seen["version"],
        )

        # The tablet's choice never saw "C": both are kept in a new conflict.
        [first] = await tablet.sync()
        assert first["status"] == "conflict"
        assert [(c["server_value"], c["device_value"]) for c in first["conflicts"]] == [("C", "X")]
        # The phone's choice must not vanish behind an "applied" that changed nothing.
        [second] = await phone.sync()
        assert second["status"] == "conflict", second
        assert [(c["server_value"], c["device_value"]) for c in second["conflicts"]] == [("C", "Y")]
        view = (await phone.pull_all())[dossier]
        assert view["fields"]["child.hometown"] == "C"
        held = {(c["server_value"], c["device_value"]) for c in view["conflicts"]}
        assert held == {("C", "X"), ("C", "Y")}


async def test_form_context_is_never_half_loaded(app) -> None:
    cache = dossier_store.StoreCaches()  # as in a freshly started application
    store = dossier_store.PiccoloStore(app.state.engine, "http://localhost:8000", cache)
    first = asyncio.create_task(store.form_context())
    # A second request arrives while the first is still loading: as soon as the cache
    # looks loaded, it must be loaded.
    contexts = []
    for _ in range(100_000):
        if first.done():
            break
        if cache.communes is not None:
            contexts.append(await store.form_context())
            break
        await asyncio.sleep(0)
    contexts.append(await first)
    assert all("01" in c.provinces and c.communes.get("00070") == "01" for c in contexts)
