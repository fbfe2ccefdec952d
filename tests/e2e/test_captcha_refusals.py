"""The robot check tells a person why it cannot be had: over the per-address limits on
new challenges and on their sound, the app says when to try again instead of staying
silent (the sound) or blaming the network (a new challenge)."""

from __future__ import annotations

import httpx
from playwright.async_api import expect

from harness.app_pages import install_app
from server.ratelimit.service import LIMITS


async def test_the_robot_check_says_when_to_try_again(live_server, new_page, artifacts):
    page = await new_page()
    await install_app(page)
    await page.goto("/#/tra-cuu")
    image = page.locator("img[data-captcha-id]")
    await expect(image).to_have_count(1)

    # The browser and this client share one address (127.0.0.1): spend its sound renders.
    audio_limit = LIMITS["captcha_audio:ip"].hits
    async with httpx.AsyncClient(base_url=live_server.base_url, timeout=60) as http:
        for _ in range(audio_limit):
            challenge = (await http.post("/api/captcha")).json()
            assert (await http.get(challenge["audio_url"])).status_code == 200
        await page.get_by_role("button", name="Nghe", exact=True).click()
        alert = page.get_by_role("alert")
        await expect(alert).to_contain_text("quá nhiều lần")
        await expect(alert).to_contain_text("phút")
        await artifacts.screenshot(page, "sound-refused")

        # Then the challenges themselves.
        while (await http.post("/api/captcha")).status_code != 429:
            pass
    await page.get_by_role("button", name="Mã khác", exact=True).click()
    await expect(page.get_by_role("alert")).to_contain_text("quá nhiều lần")
    await expect(page.get_by_text("Cần có mạng")).to_have_count(0)
    await artifacts.screenshot(page, "challenge-refused")
