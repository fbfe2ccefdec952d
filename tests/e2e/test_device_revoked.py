"""A phone whose device credential is revoked by a password reset keeps every change
not yet sent, asks its person in Vietnamese to sign in again, and once they have (a
new device registration), sends what waited: nothing typed is lost."""

from __future__ import annotations

import uuid

import httpx

from harness.app_pages import install_app, sign_in
from tests.e2e.test_pwa_offline import CITIZEN, demo_password

NEW_PASSWORD = "mật khẩu mới sau khi mất máy 2026"
ONLINE = {"requester.full_name": "Trần Thị Mai", "child.full_name": "Nguyễn Minh Khang"}
OFFLINE = {
    "requester.residence": "Số 5 phố Hàng Bạc, phường Hoàn Kiếm, Hà Nội",
    "child.birth_place": "Bệnh viện Phụ sản Hà Nội",
    "child.hometown": "Hà Nội",
}


def reset_password_by_mail(live_server, email: str, password: str) -> None:
    """Someone with the mailbox resets the password, from another computer."""
    with httpx.Client(base_url=live_server.base_url, timeout=30) as http:
        before = len(live_server.mail_to(email, count=0))
        assert http.post("/api/auth/password/forgot", json={"email": email}).status_code == 202
        message = live_server.mail_to(email, count=before + 1)[-1]
        text = message.get_body(preferencelist=("plain",)).get_content()
        token = text.split("/reset-password?token=")[1].split()[0]
        r = http.post("/api/auth/password/reset", json={"token": token, "password": password})
        assert r.status_code == 200, r.text


def answers_on_server(live_server, email: str, password: str, dossier_id: str) -> dict:
    with httpx.Client(base_url=live_server.base_url, timeout=30) as http:
        session = http.post("/api/auth/login", json={"email": email, "password": password})
        assert session.status_code == 200, session.text
        device = http.post(
            "/api/devices",
            json={"id": str(uuid.uuid4()), "name": "Máy kiểm tra"},
            headers={"X-CSRF-Token": session.json()["csrf_token"]},
        )
        assert device.status_code == 201, device.text
        http.cookies.clear()
        pulled = http.get(
            "/api/sync/pull", headers={"Authorization": f"Device {device.json()['credential']}"}
        )
        assert pulled.status_code == 200, pulled.text
    [view] = [d for d in pulled.json()["dossiers"] if d["id"] == dossier_id]
    return view["fields"]


async def type_fields(page, values: dict[str, str]) -> None:
    for path, value in values.items():
        field = page.locator(f'[id="f-{path}"]')
        await field.fill(value)
        await field.blur()


async def test_a_revoked_phone_keeps_its_changes_and_sends_them_after_signing_in_again(
    live_server, new_page, artifacts
):
    from playwright.async_api import expect

    password = demo_password(live_server, CITIZEN)
    page = await new_page()
    await install_app(page)
    await sign_in(page, CITIZEN, password)

    # A draft started online reaches the server.
    await page.goto("/#/")
    await page.get_by_role("button", name="Đăng ký khai sinh").click()
    await expect(page.locator("form.draft h1")).to_have_text("Đăng ký khai sinh")
    dossier_id = page.url.split("/ho-so/")[1].split("?")[0]
    await type_fields(page, ONLINE)
    syncbar = page.get_by_test_id("syncbar")
    await expect(syncbar).to_have_attribute("data-pending", "0", timeout=30_000)

    # Offline, more is typed: it waits on the phone.
    await page.context.set_offline(True)
    await type_fields(page, OFFLINE)
    await expect(syncbar).not_to_have_attribute("data-pending", "0")
    waiting = int(await syncbar.get_attribute("data-pending"))

    # Meanwhile the password is reset elsewhere, which revokes this phone's credential.
    reset_password_by_mail(live_server, CITIZEN, NEW_PASSWORD)

    # Back online, the push is refused: the changes stay and the app asks for a sign-in.
    await page.context.set_offline(False)
    await expect(syncbar.locator(".badge")).to_have_text("Đăng nhập để gửi", timeout=30_000)
    assert int(await syncbar.get_attribute("data-pending")) == waiting
    await page.goto("/#/tai-khoan")
    await expect(
        page.get_by_text(
            "Thiết bị cần đăng nhập lại để tiếp tục đồng bộ. Dữ liệu trên máy vẫn còn."
        )
    ).to_be_visible()
    await artifacts.screenshot(page, "asked-to-sign-in-again")
    await page.reload()  # nothing depends on the page staying open
    await expect(page.get_by_text("Thiết bị cần đăng nhập lại")).to_be_visible(timeout=15_000)

    # Signed in again: a new device is registered and what waited is sent.
    await sign_in(page, CITIZEN, NEW_PASSWORD)
    await expect(syncbar).to_have_attribute("data-pending", "0", timeout=30_000)
    await page.goto(f"/#/ho-so/{dossier_id}")
    for path, value in {**ONLINE, **OFFLINE}.items():
        await expect(page.locator(f'[id="f-{path}"]')).to_have_value(value)
    await artifacts.screenshot(page, "sent-after-signing-in-again")

    fields = answers_on_server(live_server, CITIZEN, NEW_PASSWORD, dossier_id)
    assert {path: fields.get(path) for path in {**ONLINE, **OFFLINE}} == {**ONLINE, **OFFLINE}
