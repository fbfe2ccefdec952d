"""Words and numbers a person understands, on the citizen and outreach screens in real
Chromium: roles, communes and procedures by their names, this device instead of its
id, changes waiting to go as sentences without sequence numbers, no UUID anywhere a
person reads, and every time with its day, month and year (issue #19). The note that
the browser may delete what is only on the phone says nothing on a first visit and
comes once a draft is saved."""

from __future__ import annotations

import re

from harness.app_pages import install_app, sign_in
from tests.e2e.test_pwa_offline import demo_password
from tests.e2e.test_storage_pressure import field, snapshot, wait_saved

CITIZEN = "congdan@demo.example"
OUTREACH = "luudong@demo.example"
CHILD = "Nguyễn Minh Khang"

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
# "16:54 03/12/2026" (Vietnamese) and "03/12/2026, 16:54" (English): always the year.
TIME_VI = r"\d{2}:\d{2} \d{2}/\d{2}/\d{4}"
TIME_EN = r"\d{2}/\d{2}/\d{4}, \d{2}:\d{2}"


async def main_text(page) -> str:
    return await page.locator("body").inner_text()


async def test_citizen_screens_say_names_and_full_dates_never_codes(
    live_server, new_page, artifacts
):
    from playwright.async_api import expect

    password = demo_password(live_server, CITIZEN)
    page = await new_page()
    await install_app(page)

    # A first visit: nothing stored, so nothing to warn about.
    await expect(page.get_by_role("button", name="Đăng ký khai sinh")).to_be_visible()
    await expect(page.get_by_test_id("at-risk")).to_have_count(0)
    assert "trình duyệt có thể xóa" not in (await main_text(page)).lower()

    # Offline, that is said once, and not again by the empty list below it.
    await page.context.set_offline(True)
    await expect(page.locator(".offline-note")).to_be_visible()
    offline_home = (await main_text(page)).lower()
    assert offline_home.count("ngoại tuyến") == 1, offline_home
    assert "khi không có mạng" not in offline_home, offline_home
    await artifacts.screenshot(page, "home-offline-said-once")
    await page.context.set_offline(False)
    await expect(page.locator(".offline-note")).to_have_count(0)

    await page.get_by_role("button", name="Đăng ký khai sinh").click()
    await field(page, "child.full_name").fill(CHILD)
    await field(page, "child.full_name").blur()
    await wait_saved(page, "child.full_name", CHILD)
    await expect(page.get_by_text(re.compile(rf"^Đã lưu trên máy lúc {TIME_VI}$"))).to_be_visible()
    [dossier] = (await snapshot(page))["dossiers"]

    # The home list names the procedure, not its code; the draft is now only here.
    await page.goto("/#/")
    item = page.locator(".dossier-item", has_text=CHILD)
    await expect(item).to_contain_text("Đăng ký khai sinh")
    assert "khai-sinh" not in await item.inner_text()
    await expect(page.get_by_test_id("at-risk")).to_contain_text("1 hồ sơ chưa gửi lên máy chủ")
    # The note says how to send it; the sync bar does not say it a second time.
    await expect(page.get_by_text("Đăng nhập để gửi")).to_have_count(1)
    await artifacts.screenshot(page, "home-draft-named")

    # What waits to go, as a sentence: no sequence number, the time with its year.
    await page.goto("/#/dong-bo")
    waiting = page.get_by_test_id("waiting-change")
    await expect(waiting).to_have_text(re.compile(rf"^Tạo hồ sơ “{CHILD}” \(lúc {TIME_VI}\)$"))
    assert not re.search(r"#\d", await main_text(page))
    # Not "nothing is lost" beside "the browser may delete them".
    await expect(page.get_by_test_id("at-risk-sync")).to_be_visible()
    await expect(page.get_by_test_id("sign-in-to-send")).to_have_text(
        "Cần đăng nhập để gửi hồ sơ. Đăng nhập"
    )
    await artifacts.screenshot(page, "sync-waiting-sentence")

    # A receipt before the dossier has a code: a short reference, never the id.
    await page.goto(f"/#/bien-nhan/{dossier['id']}")
    await expect(page.get_by_test_id("receipt-reference")).to_have_text(
        re.compile(r"^Số tham chiếu: [0-9A-F]{4} [0-9A-F]{4}$")
    )
    assert not UUID.search(await main_text(page))
    # Nor to a screen reader: the QR is named by what it is for, not by the address in it.
    await expect(page.get_by_role("img", name="Mã QR để tra cứu hồ sơ này")).to_be_visible()
    assert not UUID.search(await page.get_by_test_id("qr").get_attribute("aria-label") or "")
    await artifacts.screenshot(page, "receipt-short-reference")

    # Signed in: the role by its name, this device by what it is and when it was added.
    await sign_in(page, CITIZEN, password, adopt_drafts=True)
    await expect(page.get_by_test_id("account-role")).to_have_text("Vai trò: Công dân")
    await expect(page.get_by_test_id("account-device")).to_have_text(
        re.compile(rf"^Máy này \(Chrome trên Linux\), thêm vào tài khoản lúc {TIME_VI}$")
    )
    assert not UUID.search(await main_text(page))
    assert "citizen" not in await main_text(page)
    await expect(page.get_by_test_id("syncbar")).to_contain_text(
        re.compile(rf"Đồng bộ lúc {TIME_VI}"), timeout=30_000
    )
    await artifacts.screenshot(page, "account-named")

    # In English too: names, and day/month/year.
    await page.get_by_role("button", name="Switch to English").click()
    await expect(page.get_by_test_id("account-role")).to_have_text("Role: Citizen")
    await expect(page.get_by_test_id("account-device")).to_have_text(
        re.compile(rf"^This device \(Chrome on Linux\), added to the account {TIME_EN}$")
    )
    await expect(page.get_by_test_id("syncbar")).to_contain_text(re.compile(rf"Synced {TIME_EN}"))


async def test_outreach_official_sees_the_commune_and_role_by_name(
    live_server, new_page, artifacts
):
    from playwright.async_api import expect

    password = demo_password(live_server, OUTREACH)
    page = await new_page()
    await install_app(page)
    await sign_in(page, OUTREACH, password)

    role = page.get_by_test_id("account-role")
    await expect(role).to_have_text(
        "Vai trò: Cán bộ tư pháp lưu động · Phường Hoàn Kiếm, Thành phố Hà Nội"
    )
    assert "00070" not in await main_text(page)
    assert "outreach" not in await main_text(page)

    await page.goto("/#/luu-dong")
    await expect(page.get_by_test_id("outreach-commune")).to_have_text(
        "Hồ sơ của Phường Hoàn Kiếm, Thành phố Hà Nội"
    )
    assert "00070" not in await page.locator("main").inner_text()
    await artifacts.screenshot(page, "outreach-commune-named")
