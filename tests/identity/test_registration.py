"""Registration, activation by the emailed link, password sign-in and reset."""

from __future__ import annotations

import datetime as dt

from server.identity.tables import Account, OneTimeToken
from tests.identity.conftest import PASSWORD, Browser


async def test_register_activate_sign_in_following_the_emailed_link(browser: Browser) -> None:
    r = await browser.register(
        "an.nguyen@example.vn", full_name="  Nguye\u0302\u0303n   Va\u0306n An "
    )
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "activation_sent"

    # Not activated yet: sign-in refused with a clear reason.
    refused = await browser.sign_in("an.nguyen@example.vn")
    assert refused.status_code == 403
    assert refused.json()["type"] == "/problems/account_not_activated"

    message = (await browser.mail_to("an.nguyen@example.vn"))[-1]
    assert message.get_content_type() == "multipart/alternative"
    assert "Kích hoạt" in str(message["Subject"]) or "kích hoạt" in str(message["Subject"]).lower()
    link = await browser.link_in_last_mail("an.nguyen@example.vn")
    page = await browser.get(link.removeprefix("http://localhost:8000"))
    assert page.status_code == 200 and "/api/auth/activate" in page.text

    token = link.split("token=")[1]
    assert (await browser.post("/api/auth/activate", {"token": token})).status_code == 200
    signed_in = await browser.sign_in("AN.NGUYEN@example.vn")
    assert signed_in.status_code == 200
    assert signed_in.headers["set-cookie"].lower().count("httponly") == 1
    assert "samesite=lax" in signed_in.headers["set-cookie"].lower()
    me = (await browser.get("/api/me")).json()
    assert me["full_name"] == "Nguyễn Văn An"  # NFC, spaces collapsed
    assert me["phone"] == "0912345678" and me["role"] == "citizen"


async def test_reused_and_expired_activation_links_are_refused(browser: Browser) -> None:
    await browser.register("reuse@example.vn")
    token = (await browser.link_in_last_mail("reuse@example.vn")).split("token=")[1]
    assert (await browser.post("/api/auth/activate", {"token": token})).status_code == 200
    again = await browser.post("/api/auth/activate", {"token": token})
    assert again.status_code == 410 and again.json()["type"] == "/problems/link_used"
    unknown = await browser.post("/api/auth/activate", {"token": "nope"})
    assert unknown.status_code == 400 and unknown.json()["errors"][0]["path"] == "token"

    await browser.register("late@example.vn")
    late = (await browser.link_in_last_mail("late@example.vn")).split("token=")[1]
    await OneTimeToken.update(
        {OneTimeToken.expires_at: dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)}
    ).where(OneTimeToken.purpose == "activation")
    expired = await browser.post("/api/auth/activate", {"token": late})
    assert expired.status_code == 410 and expired.json()["type"] == "/problems/link_expired"


async def test_resend_activation_sends_a_new_link_and_kills_the_old(browser: Browser) -> None:
    await browser.register("resend@example.vn")
    first = (await browser.link_in_last_mail("resend@example.vn")).split("token=")[1]
    r = await browser.post("/api/auth/activation/resend", {"email": "resend@example.vn"})
    assert r.status_code == 202
    messages = await browser.mail_to("resend@example.vn", count=2)
    assert len(messages) == 2
    second = (await browser.link_in_last_mail("resend@example.vn")).split("token=")[1]
    assert first != second
    assert (await browser.post("/api/auth/activate", {"token": first})).status_code == 410
    assert (await browser.post("/api/auth/activate", {"token": second})).status_code == 200
    # Unknown addresses get the same answer and no mail.
    assert (
        await browser.post("/api/auth/activation/resend", {"email": "ghost@example.vn"})
    ).status_code == 202


async def test_duplicate_email_weak_password_and_bad_fields_name_the_field(
    browser: Browser,
) -> None:
    assert (await browser.register("dup@example.vn")).status_code == 201
    # A taken address answers as a new one (tests/hostile/test_password_checks.py).
    dup = await browser.register("DUP@example.vn")
    assert dup.status_code == 201 and dup.json() == {"status": "activation_sent"}

    weak = await browser.register("weak@example.vn", password="123456")
    assert weak.status_code == 422
    assert [(e["path"], e["code"]) for e in weak.json()["errors"]] == [
        ("password", "password_too_short")
    ]

    bad = await browser.register("bad@", phone="123", personal_id="999", full_name="R2D2")
    paths = {e["path"] for e in bad.json()["errors"]}
    assert bad.status_code == 422 and paths == {"email", "phone", "personal_id", "full_name"}

    org = await browser.register("org@example.vn", kind="organisation")
    assert [e["path"] for e in org.json()["errors"]] == ["organisation_name"]

    # Nothing half-created: only the one good registration exists.
    emails = {a["email"] for a in await Account.select(Account.email)}
    assert "dup@example.vn" in emails
    assert not emails & {"weak@example.vn", "bad@", "org@example.vn"}


async def test_wrong_or_reused_captcha_is_refused(browser: Browser) -> None:
    captcha_id, answer = await browser.captcha()
    wrong = await browser.http.post(
        "/api/auth/register",
        json={
            "email": "robot@example.vn",
            "full_name": "Robot Một",
            "phone": "0912345678",
            "personal_id": "001090012345",
            "password": PASSWORD,
            "captcha_id": captcha_id,
            "captcha_answer": "WRONG",
        },
    )
    assert wrong.status_code == 400 and wrong.json()["errors"][0]["path"] == "captcha"
    # The wrong guess spent the image: the right answer no longer works.
    reused = await browser.http.post(
        "/api/auth/register",
        json={
            "email": "robot@example.vn",
            "full_name": "Robot Một",
            "phone": "0912345678",
            "personal_id": "001090012345",
            "password": PASSWORD,
            "captcha_id": captcha_id,
            "captcha_answer": answer,
        },
    )
    assert reused.status_code == 400
    assert not await Account.exists().where(Account.email == "robot@example.vn")


async def test_password_reset_by_email_ends_other_sessions(
    browser: Browser, other_browser: Browser
) -> None:
    await browser.activated_citizen("reset@example.vn")
    assert (await other_browser.sign_in("reset@example.vn")).status_code == 200
    r = await other_browser.post("/api/auth/password/forgot", {"email": "reset@example.vn"})
    assert r.status_code == 202
    link = await browser.link_in_last_mail("reset@example.vn")
    assert "/reset-password?token=" in link
    token = link.split("token=")[1]
    weak = await other_browser.post(
        "/api/auth/password/reset", {"token": token, "password": "short"}
    )
    assert weak.status_code == 422 and weak.json()["errors"][0]["path"] == "password"
    ok = await other_browser.post(
        "/api/auth/password/reset", {"token": token, "password": "một mật khẩu mới hẳn"}
    )
    assert ok.status_code == 200
    assert (await browser.get("/api/me")).status_code == 401
    assert (await browser.sign_in("reset@example.vn")).status_code == 401
    assert (await browser.sign_in("reset@example.vn", "một mật khẩu mới hẳn")).status_code == 200


async def test_wrong_password_is_refused_without_telling_which_part(browser: Browser) -> None:
    await browser.activated_citizen("who@example.vn")
    wrong = await browser.sign_in("who@example.vn", "not the password")
    nobody = await browser.sign_in("nobody@example.vn", "not the password")
    assert wrong.status_code == nobody.status_code == 401
    assert wrong.json()["type"] == nobody.json()["type"] == "/problems/wrong_credentials"
