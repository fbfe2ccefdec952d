"""piccolo-admin at /admin: single sign-on through our own session, the admin role
only, and every edit checked and audited. Both engines."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from piccolo.apps.user.tables import BaseUser
from piccolo_api.session_auth.tables import SessionsBase

from server.audit.tables import AuditEvent
from server.calendar import service as calendar
from server.calendar.tables import CalendarOverride, CalendarVersion
from server.catalog.definition import Processing
from server.clock import VIETNAM
from server.communes.seed import seed_communes
from server.communes.tables import Commune
from server.identity.tables import Account, Session
from tests.admin.conftest import AdminClient
from tests.support.demo_accounts import client_for, signed_in

TABLES = "/admin/api/tables"


async def _audit(action: str) -> list[dict]:
    return await AuditEvent.select().where(AuditEvent.action == action).order_by(AuditEvent.id)


async def test_an_admin_gets_the_admin_without_its_login_page(admin: AdminClient) -> None:
    page = await admin.get("/admin/", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "<!DOCTYPE html>" in page.text
    r = await admin.get("/admin")
    assert r.status_code == 308 and r.headers["location"] == "/admin/"
    assert (
        await admin.get("/admin/assets/" + page.text.split("./assets/")[1].split('"')[0])
    ).status_code == 200

    user = (await admin.get("/admin/api/user/")).json()
    assert user["username"] == admin.email
    assert set((await admin.get(f"{TABLES}/")).json()) >= {
        "account",
        "commune",
        "provincial_fee",
        "calendar_override",
        "procedure",
    }
    # The mirror piccolo-admin signs in: ours, with a password nobody knows.
    mirror = await BaseUser.select().where(BaseUser.username == admin.email).first()
    assert mirror["admin"] and mirror["superuser"] and mirror["active"]
    assert mirror["password"].startswith("pbkdf2_sha256$")
    assert await BaseUser.login(admin.email, "") is None
    # piccolo's session token stays on the server: the browser never holds it.
    assert "id" not in admin.http.cookies
    assert await SessionsBase.count().where(SessionsBase.user_id == mirror["id"]) == 1
    await admin.get("/admin/api/user/")
    assert await SessionsBase.count().where(SessionsBase.user_id == mirror["id"]) == 1  # reused


async def test_an_admin_lists_accounts_through_piccolo_admin_without_password_hashes(
    admin: AdminClient,
) -> None:
    r = await admin.get(f"{TABLES}/account/", params={"__page_size": 100})
    assert r.status_code == 200, r.text
    rows = r.json()["rows"]
    assert admin.email in {row["email"] for row in rows}
    assert all(row.get("password_hash") is None for row in rows)
    r = await admin.get(f"{TABLES}/account/", params={"__visible_fields": "email,password_hash"})
    assert all(row.get("password_hash") is None for row in r.json().get("rows", []))
    one = await admin.get(f"{TABLES}/account/{admin.account_id}/")
    assert one.status_code == 200 and one.json().get("password_hash") is None
    schema = (await admin.get(f"{TABLES}/account/schema/")).json()
    assert "password_hash" not in schema["extra"]["visible_column_names"]


@pytest.mark.parametrize("role", ["anonymous", "citizen", "outreach", "desk", "agency_admin"])
async def test_everyone_but_an_admin_is_refused(app, role: str) -> None:
    if role == "anonymous":
        http = client_for(app)
    else:
        http, _, _ = await signed_in(app, role)
    expected = 401 if role == "anonymous" else 403
    problem = "/problems/not_signed_in" if role == "anonymous" else "/problems/forbidden"
    try:
        for path in (
            "/admin/api/tables/account/",
            "/admin/api/user/",
            "/admin/public/meta/",
            "/admin/",
        ):
            r = await http.get(path)
            assert r.status_code == expected, (path, r.status_code, r.text)
            assert r.json()["type"] == problem
        http.cookies.set("csrftoken", "x")
        r = await http.patch(
            f"{TABLES}/account/{uuid.uuid4()}/",
            json={"role": "admin"},
            headers={"X-CSRFToken": "x"},
        )
        assert r.status_code == expected
        page = await http.get("/admin/", headers={"Accept": "text/html"})
        if role == "anonymous":
            assert page.status_code == 303 and page.headers["location"] == "/"
        else:
            assert page.status_code == 403
    finally:
        await http.aclose()
    assert await BaseUser.count() == 0  # no mirror for anyone else


async def test_a_piccolo_session_cookie_alone_opens_nothing(app, admin: AdminClient) -> None:
    await admin.get("/admin/api/user/")
    token = (await SessionsBase.select(SessionsBase.token).first())["token"]
    http = client_for(app)
    try:
        http.cookies.set("id", token)
        r = await http.get(f"{TABLES}/account/")
        assert r.status_code == 401
    finally:
        await http.aclose()


async def test_an_admin_demoted_or_signed_out_loses_the_admin(admin: AdminClient) -> None:
    assert (await admin.get("/admin/api/user/")).status_code == 200
    # The mirror's flags are repaired from our account on every request.
    await BaseUser.update({BaseUser.admin: False, BaseUser.active: False}, force=True)
    assert (await admin.get("/admin/api/user/")).status_code == 200
    await Account.update({Account.role: "citizen"}).where(Account.id == admin.account_id)
    assert (await admin.get("/admin/api/user/")).status_code == 403
    await Account.update({Account.role: "admin"}).where(Account.id == admin.account_id)
    await Session.update({Session.revoked_at: dt.datetime.now(dt.UTC)}).where(
        Session.account_id == admin.account_id
    )
    assert (await admin.get("/admin/api/user/")).status_code == 401


async def test_piccolo_password_login_and_password_change_are_refused(admin: AdminClient) -> None:
    assert (
        await admin.write(
            "POST", "/admin/public/login/", {"username": admin.email, "password": "x"}
        )
    ).status_code == 404
    assert (await admin.write("POST", "/admin/api/change-password/", {})).status_code == 404


async def test_the_log_out_button_ends_our_session(admin: AdminClient) -> None:
    assert (await admin.http.post("/admin/public/logout/")).status_code == 403  # no CSRF token
    r = await admin.write("POST", "/admin/public/logout/")
    assert r.status_code == 200, r.text
    assert "motcua_session" not in admin.http.cookies
    assert await SessionsBase.count() == 0
    assert (await admin.get("/api/auth/session")).status_code == 401
    assert (await admin.get("/admin/api/user/")).status_code == 401
    assert [e["detail"] for e in await _audit("signed_out")] == ['{"via":"admin"}']


async def test_a_csrf_token_outside_ascii_is_refused_not_a_5xx(admin: AdminClient) -> None:
    """`compare_digest` raises on text outside ASCII: such a header was a 500."""
    await admin.csrf()
    r = await admin.http.post("/admin/public/logout/", headers={"X-CSRFToken": "é".encode()})
    assert r.status_code == 403 and r.json()["type"] == "/problems/csrf_failed", r.text
    assert "motcua_session" in admin.http.cookies


async def test_writes_need_piccolo_admins_csrf_token(admin: AdminClient) -> None:
    await admin.csrf()
    r = await admin.http.patch(f"{TABLES}/account/{admin.account_id}/", json={"role": "admin"})
    assert r.status_code == 403


async def test_an_admin_changes_a_role_and_commune_and_it_is_audited(
    app, admin: AdminClient
) -> None:
    _, citizen_id, _ = await signed_in(app, "citizen")
    before = await Account.select(Account.password_hash).where(Account.id == citizen_id).first()
    url = f"{TABLES}/account/{citizen_id}/"
    # The UI sends the whole form back, the secret as an empty string.
    form = (await admin.get(url)).json()
    r = await admin.write(
        "PATCH", url, {**form, "role": "desk", "commune_code": "00070", "password_hash": ""}
    )
    assert r.status_code == 200, r.text
    row = await Account.select().where(Account.id == citizen_id).first()
    assert (row["role"], row["commune_code"]) == ("desk", "00070")
    assert row["password_hash"] == before["password_hash"]  # untouched
    [event] = await _audit("account_updated")
    assert event["actor_id"] == admin.account_id and event["target_id"] == str(citizen_id)
    assert event["target_kind"] == "account" and event["ip"] == "203.0.113.9"
    assert (
        '"role":"citizen → desk"' in event["detail"]
        and '"commune_code":" → 00070"' in event["detail"]
    )

    refused = [
        {"role": "mayor"},
        {"role": "desk", "commune_code": "99999"},  # no such commune
        {"role": "citizen", "commune_code": "00070"},  # citizens have none
        {"email": "someone-else@example.vn"},  # read-only here
        {"password_hash": "x", "full_name": "Tên khác"},
    ]
    for body in refused:
        r = await admin.write("PATCH", url, body)
        assert r.status_code == 400, (body, r.status_code, r.text)
    row = await Account.select().where(Account.id == citizen_id).first()
    assert (row["role"], row["commune_code"], row["full_name"]) == ("desk", "00070", "Người Thử")
    assert len(await _audit("account_updated")) == 1
    # The last administrator cannot demote themself.
    r = await admin.write("PATCH", f"{TABLES}/account/{admin.account_id}/", {"role": "citizen"})
    assert r.status_code == 400
    # Accounts are neither created nor deleted here.
    assert (
        await admin.write("POST", f"{TABLES}/account/", {"email": "x@example.vn"})
    ).status_code == 405
    assert (await admin.write("DELETE", url)).status_code == 405
    assert (await admin.write("PUT", url, form)).status_code == 405


async def test_an_admin_renames_an_agency_and_a_reseed_keeps_it(admin: AdminClient) -> None:
    url = f"{TABLES}/commune/00070/"
    form = (await admin.get(url)).json()
    name = "Ủy ban nhân dân phường Hoàn Kiếm (Bộ phận một cửa)"
    r = await admin.write("PATCH", url, {**form, "agency_name": f"  {name} "})
    assert r.status_code == 200, r.text
    assert (await Commune.select(Commune.agency_name).where(Commune.code == "00070").first())[
        "agency_name"
    ] == name
    assert len(await _audit("commune_updated")) == 1
    assert (await admin.write("PATCH", url, {"name": "Khác"})).status_code == 400
    assert (await admin.write("DELETE", url)).status_code == 405
    await seed_communes()
    assert (await Commune.select(Commune.agency_name).where(Commune.code == "00070").first())[
        "agency_name"
    ] == name


async def test_procedures_and_provinces_are_read_only(admin: AdminClient) -> None:
    r = await admin.get(f"{TABLES}/procedure/", params={"__page_size": 100})
    assert r.status_code == 200 and "khai-sinh" in {row["code"] for row in r.json()["rows"]}
    assert (
        await admin.write("PATCH", f"{TABLES}/procedure/khai-sinh/", {"active": False})
    ).status_code == 405
    assert (await admin.write("DELETE", f"{TABLES}/procedure/khai-sinh/")).status_code == 405
    assert (
        await admin.write(
            "POST", f"{TABLES}/province/", {"code": "99", "name": "x", "kind": "tỉnh"}
        )
    ).status_code == 405


async def test_holiday_overrides_through_the_admin_reach_every_process(admin: AdminClient) -> None:
    friday_late = dt.datetime(2026, 11, 20, 15, 30, tzinfo=VIETNAM)
    same_day = Processing(kind="same_day")
    assert await calendar.due_date_for(friday_late, same_day) == dt.date(2026, 11, 23)
    token = (await CalendarVersion.select().first())["token"]
    r = await admin.write(
        "POST",
        f"{TABLES}/calendar_override/",
        {"day": "2026-11-23", "kind": "holiday", "note": "Nghỉ  thêm"},
    )
    assert r.status_code == 201, r.text
    assert (await CalendarVersion.select().first())["token"] != token
    assert await calendar.due_date_for(friday_late, same_day) == dt.date(2026, 11, 25)
    row = await CalendarOverride.select().first()
    assert row["note"] == "Nghỉ thêm" and row["updated_by"] == admin.account_id

    r = await admin.write(
        "POST", f"{TABLES}/calendar_override/", {"day": "2026-11-30", "kind": "vacation"}
    )
    assert r.status_code == 400
    r = await admin.write(
        "PATCH", f"{TABLES}/calendar_override/{row['id']}/", {"kind": "working_day"}
    )
    assert r.status_code == 200, r.text
    r = await admin.write("DELETE", f"{TABLES}/calendar_override/{row['id']}/")
    assert r.status_code == 204
    assert await calendar.due_date_for(friday_late, same_day) == dt.date(2026, 11, 23)
    assert [
        e["action"]
        for e in await AuditEvent.select(AuditEvent.action)
        .where(AuditEvent.target_kind == "calendar")
        .order_by(AuditEvent.id)
    ] == ["calendar_override_set", "calendar_override_set", "calendar_override_removed"]


async def test_fee_edits_are_checked_audited_and_atomic(admin: AdminClient) -> None:
    url = f"{TABLES}/provincial_fee/"
    body = {
        "province_code": "01",
        "item": "khai_sinh_qua_han",
        "amount": 8000,
        "note": "Nghị quyết HĐND",
    }
    r = await admin.write("POST", url, body)
    assert r.status_code == 201, r.text
    fee_id = r.json()[0]["id"]
    fees = (await admin.get("/api/catalog/fees", params={"province": "01"})).json()["fees"]
    assert {"item": "khai_sinh_qua_han", "amount": 8000, "province_code": "01"}.items() <= next(
        f for f in fees if f["item"] == "khai_sinh_qua_han"
    ).items()
    # A second row for the same item is refused by the unique index, and its audit
    # entry is rolled back with it.
    r = await admin.write("POST", url, {**body, "amount": 9000})
    assert r.status_code == 422, r.text
    assert len(await _audit("fee_set")) == 1
    for bad in (
        {**body, "province_code": "77"},
        {**body, "item": "ket_hon_nuoc_ngoai"},
        {**body, "amount": -1},
    ):
        assert (await admin.write("POST", url, bad)).status_code == 400, bad
    r = await admin.write("PATCH", f"{url}{fee_id}/", {"amount": 10000})
    assert r.status_code == 200, r.text
    assert len(await _audit("fee_set")) == 2
    assert (await admin.write("DELETE", f"{url}{fee_id}/")).status_code == 204
    [removed] = await _audit("fee_removed")
    assert removed["target_id"] == "01/khai_sinh_qua_han" and removed["target_kind"] == "fee"
    assert (await admin.write("DELETE", url)).status_code == 405  # no bulk delete: it runs no hook


async def test_writes_through_the_admin_are_screened_like_every_body(admin: AdminClient) -> None:
    """The admin is a mounted application that reads its own body: the request screen
    buffers it, refuses a NUL by name (it was a 500), and hands the rest on intact."""
    url = f"{TABLES}/commune/00070/"
    form = (await admin.get(url)).json()
    r = await admin.write("PATCH", url, {**form, "agency_name": "Ủy ban\u0000"})
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["path"] == "$.agency_name"
    r = await admin.write("PATCH", url, {**form, "agency_name": "x" * (2 * 1024 * 1024)})
    assert r.status_code == 413, r.text
    r = await admin.write("PATCH", url, {**form, "agency_name": "Bộ phận một cửa"})
    assert r.status_code == 200, r.text


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("__order=nope", "__order"),
        ("__page=" + "9" * 5000, "__page"),
        ("__page_size=-5", "__page_size"),
        ("__page=99999999999999999999", "__page"),
        ("__range_header=true&__range_header_name=%FF", "__range_header_name"),
    ],
)
async def test_listing_parameters_piccolo_admin_would_fail_on_are_refused_by_name(
    admin: AdminClient, query: str, name: str
) -> None:
    """Each was a 500 inside piccolo-admin (an unknown column, a negative page size on
    PostgreSQL, a page past any integer column, a header name it cannot encode); the
    gate answers them first, and a column named twice still sorts."""
    r = await admin.get(f"{TABLES}/account/?{query}")
    assert r.status_code == 400, r.text
    assert r.json()["errors"][0]["path"] == name, r.text
    ok = await admin.get(
        f"{TABLES}/account/?__order=-email,full_name,email&__page=1&__page_size=50"
    )
    assert ok.status_code == 200, ok.text
