"""A dossier's email link opens the dossier in the app (not the public lookup with its
robot check): in a browser where nobody is signed in, the app asks for the sign-in
on the spot (offering the public lookup too) and then shows the dossier; opened
again in that signed-in browser, it shows the dossier at once."""

from __future__ import annotations

import re

import httpx

from harness.app_pages import CODE_SHOWN
from harness.devices import sign_in_device
from harness.sync_client import uuid7
from tests.desk.test_deadlines import EMAIL, marriage_answers
from tests.e2e.test_pwa_offline import demo_password

CITIZEN = "congdan@demo.example"
DOSSIER_LINK = re.compile(r"http://\S+/ho-so/[0-9a-f-]{36}")


async def test_email_link_opens_the_dossier_after_sign_in(live_server, new_page, artifacts):
    from playwright.async_api import expect

    password = demo_password(live_server, CITIZEN)
    async with httpx.AsyncClient(base_url=live_server.base_url, timeout=60) as http:
        phone = await sign_in_device(http, CITIZEN, password)
        dossier = uuid7()
        phone.queue(
            "create_draft", dossier, {"procedure_code": "ket-hon", "fields": marriage_answers()}
        )
        phone.queue("submit", dossier, {}, 1)
        outcomes = await phone.sync()
        assert outcomes[-1]["state"] == 1, outcomes

    mail = live_server.mail_to(EMAIL)[-1]
    text = mail.get_body(preferencelist=("plain",)).get_content()
    found = DOSSIER_LINK.search(text)
    assert found, text
    link = found.group(0)
    assert link == f"{live_server.base_url}/ho-so/{dossier}"
    assert "tra-cuu" not in text

    # Nobody signed in here: asked to sign in, with the public lookup offered too.
    page = await new_page()
    await page.goto(link)
    await expect(page).to_have_url(re.compile(rf"/#/ho-so/{dossier}$"))
    prompt = page.get_by_test_id("dossier-sign-in")
    await expect(prompt).to_contain_text("Hãy đăng nhập để xem hồ sơ này")
    lookup = prompt.get_by_role("link", name=re.compile("tra cứu"))
    assert await lookup.get_attribute("href") == f"#/tra-cuu?id={dossier}"
    await artifacts.screenshot(page, "asked-to-sign-in")
    await page.locator("#signin-email").fill(CITIZEN)
    await page.locator("#signin-password").fill(password)
    await page.get_by_role("button", name="Đăng nhập", exact=True).click()
    # Then the dossier itself, on the same route.
    await expect(page.get_by_test_id("dossier-code")).to_have_text(CODE_SHOWN, timeout=30_000)
    assert page.url.endswith(f"/#/ho-so/{dossier}")
    await artifacts.screenshot(page, "dossier")

    # The link again, in this signed-in browser: the dossier at once.
    again = await page.context.new_page()
    await again.goto(link)
    await expect(again.get_by_test_id("dossier-code")).to_have_text(CODE_SHOWN, timeout=30_000)
    await expect(again.get_by_test_id("dossier-sign-in")).to_have_count(0)
