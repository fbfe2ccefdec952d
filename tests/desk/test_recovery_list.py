"""GET /api/desk/recovery: after a restore, the agency administrator sees the window
that may have been lost and the dossiers of their commune whose phones saw more than
the restored database holds; an administrator sees every commune; nobody else sees it.
The put-back rows are inserted directly (the put-back itself is tested in tests/sync)."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from contextlib import aclosing

import httpx
import pytest

from server.recovery.tables import PutBack, ServerGeneration
from tests.desk.conftest import official
from tests.sync.conftest import device_for, make_account

HOME, OTHER = "00070", "00071"
T0 = dt.datetime(2026, 11, 20, 1, 0, tzinfo=dt.UTC)
BACKUP = dt.datetime(2026, 11, 19, 17, 0, tzinfo=dt.UTC)


async def _generations() -> None:
    await ServerGeneration.insert(
        ServerGeneration(number=2, started_at=T0, cause="restore", backup_taken_at=BACKUP),
        ServerGeneration(
            number=3, started_at=T0 + dt.timedelta(days=2), cause="detected", backup_taken_at=None
        ),
    )


async def _put_back(
    commune: str,
    note: str,
    at: dt.datetime,
    device_id: uuid.UUID,
    *,
    phone_state: int | None = 4,
    server_state: int | None = 1,
    detail: dict | None = None,
    code: str | None = "C1",
) -> uuid.UUID:
    row_id = uuid.uuid4()
    await PutBack.insert(
        PutBack(
            id=row_id,
            generation=2,
            device_id=device_id,
            account_id=uuid.uuid4(),
            dossier_id=uuid.uuid4(),
            commune_code=commune,
            code=code,
            status="kept",
            note=note,
            phone_state=phone_state,
            phone_version=7 if phone_state is not None else None,
            server_state=server_state,
            server_version=3 if server_state is not None else None,
            detail=json.dumps(detail or {}),
            outcome="{}",
            at=at,
        )
    )
    return row_id


@pytest.fixture
async def phone(app):
    device = await device_for(app, await make_account("citizen"))
    async with aclosing(device.http):
        yield device


@pytest.fixture
async def rows(app, phone) -> dict[str, uuid.UUID]:
    """Two noted put-backs in the home commune, one without a note, one elsewhere."""
    await _generations()
    return {
        "lost": await _put_back(
            HOME, "desk_work_lost", T0 + dt.timedelta(hours=3), phone.device_id
        ),
        "held": await _put_back(
            HOME,
            "answers_held",
            T0 + dt.timedelta(hours=2),
            phone.device_id,
            phone_state=1,
            detail={"answers": {"child.full_name": "Nguyễn Văn A"}},
        ),
        "quiet": await _put_back(HOME, "", T0 + dt.timedelta(hours=4), phone.device_id),
        "other": await _put_back(
            OTHER,
            "code_taken",
            T0 + dt.timedelta(hours=1),
            uuid.uuid4(),
            server_state=None,
        ),
    }


async def _get(app, role: str, home: str = HOME, **params):
    who = await official(app, role, home)
    async with aclosing(who.http):
        return await who.get("/api/desk/recovery", **params)


async def test_agency_admin_sees_the_window_and_their_communes_dossiers_newest_first(
    app, rows, phone
) -> None:
    r = await _get(app, "agency_admin")
    assert r.status_code == 200, r.text
    body = r.json()
    assert [(g["generation"], g["cause"]) for g in body["generations"]] == [
        (3, "detected"),
        (2, "restore"),
    ]
    restored = body["generations"][1]
    assert dt.datetime.fromisoformat(restored["backup_taken_at"]) == BACKUP
    assert dt.datetime.fromisoformat(restored["started_at"]) == T0
    assert body["generations"][0]["backup_taken_at"] is None

    assert body["total"] == 2
    lost, held = body["put_backs"]
    assert (lost["id"], held["id"]) == (str(rows["lost"]), str(rows["held"]))
    assert lost["note"] == "desk_work_lost"
    assert (lost["phone_state"], lost["phone_version"]) == (4, 7)
    assert lost["phone_state_label"] == {"vi": "Đang xử lý", "en": "Processing"}
    assert (lost["server_state"], lost["server_version"]) == (1, 3)
    assert lost["server_state_label"] == {"vi": "Mới đăng ký", "en": "Submitted"}
    assert (lost["device_id"], lost["device_name"]) == (str(phone.device_id), "test phone")
    assert lost["commune_code"] == HOME and lost["code"] == "C1"
    assert held["detail"] == {"answers": {"child.full_name": "Nguyễn Văn A"}}


async def test_the_agency_admin_of_another_commune_sees_only_theirs(app, rows) -> None:
    r = await _get(app, "agency_admin", OTHER)
    assert r.status_code == 200, r.text
    [entry] = r.json()["put_backs"]
    assert entry["id"] == str(rows["other"])
    # The server has no such dossier: no state, no label; an unknown device has no name.
    assert (entry["server_state"], entry["server_state_label"], entry["device_name"]) == (
        None,
        None,
        "",
    )
    # Asking for another commune is refused, not quietly narrowed.
    r = await _get(app, "agency_admin", OTHER, commune=HOME)
    assert r.status_code == 403, r.text


async def test_an_administrator_sees_every_commune_or_the_one_asked_for(app, rows) -> None:
    r = await _get(app, "admin", "")
    assert r.status_code == 200, r.text
    assert [e["id"] for e in r.json()["put_backs"]] == [
        str(rows["lost"]),
        str(rows["held"]),
        str(rows["other"]),
    ]
    r = await _get(app, "admin", "", commune=OTHER)
    assert [e["id"] for e in r.json()["put_backs"]] == [str(rows["other"])]


@pytest.mark.parametrize("role", ["desk", "outreach", "citizen"])
async def test_other_roles_are_refused(app, rows, role: str) -> None:
    r = await _get(app, role)
    assert r.status_code == 403, r.text
    assert r.json()["type"].endswith("/forbidden")


async def test_signed_out_is_401(app) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost:8000") as http:
        r = await http.get("/api/desk/recovery")
    assert r.status_code == 401, r.text


async def test_the_desk_screens_device_credential_is_accepted(app, rows) -> None:
    device = await device_for(app, await make_account("agency_admin", HOME))
    async with aclosing(device.http):
        r = await device.http.get("/api/desk/recovery", headers=device.auth)
    assert r.status_code == 200, r.text
    assert r.json()["total"] == 2


async def test_limit_and_offset_page_through_newest_first(app, rows) -> None:
    r = await _get(app, "agency_admin", limit=1)
    assert r.status_code == 200, r.text
    assert ([e["id"] for e in r.json()["put_backs"]], r.json()["total"]) == ([str(rows["lost"])], 2)
    r = await _get(app, "agency_admin", limit=1, offset=1)
    assert [e["id"] for e in r.json()["put_backs"]] == [str(rows["held"])]
    r = await _get(app, "agency_admin", limit=500, offset=2)
    assert (r.json()["put_backs"], r.json()["total"]) == ([], 2)


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 501},
        {"limit": "many"},
        {"offset": -1},
        {"offset": 2**31},
        {"commune": "7"},
    ],
)
async def test_bad_parameters_are_400_naming_them(app, params: dict) -> None:
    r = await _get(app, "agency_admin", **params)
    assert r.status_code == 400, r.text
    [name] = params
    assert name in r.text


async def test_a_server_never_restored_lists_nothing(app) -> None:
    r = await _get(app, "agency_admin")
    assert r.status_code == 200, r.text
    assert r.json() == {"generations": [], "put_backs": [], "total": 0}
