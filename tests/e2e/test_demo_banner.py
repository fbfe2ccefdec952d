"""Demo mode for a tester, in Chromium: the app's banner links to /demo, which lists
the demo accounts with the passwords of the last `motcua demo`; one of them signs in;
and the robot check's "show the answer" button fills in the right answer."""

from __future__ import annotations

from harness.app_pages import install_app, sign_in
from tests.e2e.test_pwa_offline import captcha_answer


async def test_banner_leads_to_the_demo_accounts(live_server, new_page, artifacts):
    from playwright.async_api import expect

    live_server.motcua("demo")
    # What `make run` prints last says where the accounts are.
    assert "the demo accounts and their passwords are at http://" in live_server.log()
    page = await new_page()
    await install_app(page)
    banner = page.get_by_test_id("demo-banner")
    await expect(banner).to_contain_text("Chế độ thử")
    await artifacts.screenshot(page, "banner")

    await banner.get_by_role("link", name="Xem tài khoản thử").click()
    await expect(page.locator("h1")).to_have_text("Chế độ thử: tài khoản dùng thử")
    desk = page.locator('tr[data-role="desk"]')
    await expect(desk).to_contain_text("motcua@demo.example")
    password = (await desk.locator("code.password").text_content() or "").strip()
    assert password
    await artifacts.screenshot(page, "accounts")

    # The robot check: the answer shown on request is the challenge's own.
    await page.goto("/#/tra-cuu")
    image = page.locator("img[data-captcha-id]")
    await expect(image).to_have_count(1)
    await page.get_by_role("button", name="Hiện đáp án (chế độ thử)").click()
    expected = await captcha_answer(live_server, await image.get_attribute("data-captcha-id"))
    await expect(page.locator("#captcha-answer")).to_have_value(expected)
    await artifacts.screenshot(page, "captcha-answer")

    # The listed password signs the desk official in.
    await sign_in(page, "motcua@demo.example", password)
