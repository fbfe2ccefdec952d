"""The emailed activation link, in Chromium: the page is in one language, styled
like the app (its inline style allowed by hash, nothing refused), activates the
account on a click, and then leads to the app's sign-in screen, where the person
signs in with the password they chose."""

from __future__ import annotations

import re

import httpx

from harness.app_pages import sign_in
from tests.e2e.test_pwa_offline import captcha_answer

EMAIL = "kich.hoat@motcua.test"
PASSWORD = "rung-tram-bong-lua"
ACTIVATION_LINK = re.compile(r"http://\S+/activate\?token=[A-Za-z0-9_-]+")


async def _register(live_server) -> None:
    async with httpx.AsyncClient(base_url=live_server.base_url, timeout=30) as http:
        challenge = (await http.post("/api/captcha")).json()
        answer = await captcha_answer(live_server, challenge["id"])
        registered = await http.post(
            "/api/auth/register",
            json={
                "email": EMAIL,
                "full_name": "Phạm Thị Hoa",
                "phone": "0912 345 678",
                "personal_id": "001190012345",
                "password": PASSWORD,
                "captcha_id": challenge["id"],
                "captcha_answer": answer,
            },
        )
        assert registered.status_code == 201, registered.text


async def test_activation_link_leads_to_sign_in(live_server, new_page, artifacts):
    from playwright.async_api import expect

    await _register(live_server)
    mail = live_server.mail_to(EMAIL)[-1]
    link = ACTIVATION_LINK.search(mail.get_body(preferencelist=("plain",)).get_content())
    assert link, mail

    page = await new_page()
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    await page.goto(link.group(0))
    await expect(page.locator("h1")).to_have_text("Kích hoạt tài khoản")
    await expect(page.get_by_text("Activate your account")).to_have_count(0)
    go = page.get_by_role("button", name="Kích hoạt", exact=True)
    # The app's red, from the page's own style (a blocked style would leave it grey).
    assert await go.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(183, 28, 28)"
    assert (await go.bounding_box() or {"height": 0})["height"] >= 24
    await artifacts.screenshot(page, "activation-page")

    # The English page is a click away, for the same link.
    await page.get_by_role("link", name="English").click()
    await expect(page.locator("h1")).to_have_text("Activate your account")
    assert "token=" in page.url
    await page.get_by_role("link", name="Tiếng Việt").click()
    await expect(page.locator("h1")).to_have_text("Kích hoạt tài khoản")

    await page.get_by_role("button", name="Kích hoạt", exact=True).click()
    await expect(page.locator("#out")).to_contain_text("đã được kích hoạt")
    next_step = page.get_by_role("link", name="Đăng nhập", exact=True)
    await expect(next_step).to_be_visible()
    await expect(page.get_by_role("button", name="Kích hoạt", exact=True)).to_be_hidden()
    await artifacts.screenshot(page, "activated")
    assert not refused, refused

    # The way on: the app's sign-in screen, where the new password works.
    await next_step.click()
    await expect(page).to_have_url(re.compile(r"/#/tai-khoan$"))
    await expect(page.locator("#signin-email")).to_be_visible(timeout=15_000)
    await sign_in(page, EMAIL, PASSWORD)
    await artifacts.screenshot(page, "signed-in")

    # The link opened again says, in words, that it was used, and still shows the way on.
    again = await new_page()
    await again.goto(link.group(0))
    await again.get_by_role("button", name="Kích hoạt", exact=True).click()
    await expect(again.locator("#out")).to_contain_text("Đường dẫn đã được sử dụng")
    await expect(again.locator("#out")).not_to_contain_text("link_used")
    await expect(again.get_by_role("link", name="Đăng nhập", exact=True)).to_be_visible()


async def test_a_refusal_is_said_in_the_pages_language(live_server, new_page):
    from playwright.async_api import expect

    page = await new_page()
    await page.goto("/reset-password?token=not-a-token&lang=en")
    await expect(page.locator("h1")).to_have_text("Reset your password")
    await page.locator("#pw").fill("a long enough password")
    await page.get_by_role("button", name="Save the password").click()
    out = page.locator("#out")
    await expect(out).to_have_text(re.compile("^This link is not valid"))
    await expect(out).not_to_contain_text("link_invalid")
    # No way on to the sign-in for a link that never worked.
    await expect(page.get_by_role("link", name="Sign in", exact=True)).to_be_hidden()
