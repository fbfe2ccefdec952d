"""What the desk's answers say to the official: a refusal's detail in the reader's
language, and who did each step of the history, on both databases."""

from __future__ import annotations

from harness.sync_client import SyncDevice
from tests.desk.conftest import DeskOfficial
from tests.desk.test_desk_flow import submitted_birth


async def act_in(desk: DeskOfficial, language: str, dossier: str, action: str):
    return await desk.http.post(
        f"/api/desk/dossiers/{dossier}/actions/{action}",
        json={},
        headers={"X-CSRF-Token": desk.csrf, "Accept-Language": language},
    )


async def test_a_refusal_is_explained_in_the_readers_language(
    person: SyncDevice, desk: DeskOfficial
) -> None:
    dossier = await submitted_birth(person)
    assert (await desk.act(dossier, "receive")).status_code == 200
    vi = await act_in(desk, "vi", dossier, "receive")
    assert vi.status_code == 409, vi.text
    assert vi.json()["title"] == "Không thực hiện được ở trạng thái hiện tại của hồ sơ"
    assert vi.json()["detail"] == "Hồ sơ đang ở trạng thái “Được tiếp nhận”."
    en = await act_in(desk, "en", dossier, "receive")
    assert en.json()["detail"] == "The dossier is received.", en.text


async def test_a_missing_field_is_named_with_a_code_not_only_msgspecs_words(
    person: SyncDevice, desk: DeskOfficial
) -> None:
    dossier = await submitted_birth(person)
    assert (await desk.act(dossier, "receive")).status_code == 200
    r = await act_in(desk, "vi", dossier, "request_documents")
    assert r.status_code == 422, r.text
    [error] = r.json()["errors"]
    assert (error["path"], error["code"]) == ("documents", "required")


async def test_the_history_says_who_acted(person: SyncDevice, desk: DeskOfficial) -> None:
    dossier = await submitted_birth(person)
    assert (await desk.act(dossier, "receive")).status_code == 200
    detail = (await desk.get(f"/api/desk/dossiers/{dossier}")).json()
    actors = {h["action"]: (h["actor_role"], h["actor_id"]) for h in detail["history"]}
    assert actors["create_draft"][0] == "citizen" and actors["receive"][0] == "desk"
    assert actors["create_draft"][1] == actors["submit"][1] != actors["receive"][1]
    assert all(a[1] for a in actors.values())
    # Files the server has no upload record of have no name: the screen says "a file".
    assert detail["file_names"] == {}
