"""A foreign mother registers her child's birth with her passport (Luật Hộ tịch 2014;
Nghị định 123/2015): in real Chromium, choosing "Hộ chiếu" hides the 12-digit personal
ID and asks for the passport's number and issuing country, a passport number is not
checked as a Vietnamese ID, her own section is filled with the passport too, and the
dossier is accepted and gets its code."""

from __future__ import annotations

from harness.app_pages import CODE_SHOWN, install_app, page_today, sign_in
from tests.e2e.test_device_revoked import answers_on_server
from tests.e2e.test_pwa_offline import CITIZEN, demo_password, fill_birth_form


async def test_a_foreign_mother_files_a_birth_with_her_passport(live_server, new_page, artifacts):
    from playwright.async_api import expect

    password = demo_password(live_server, CITIZEN)
    page = await new_page()
    await install_app(page)
    await sign_in(page, CITIZEN, password)

    await page.goto("/#/")
    await page.get_by_role("button", name="Đăng ký khai sinh").click()
    await expect(page.locator("form.draft h1")).to_have_text("Đăng ký khai sinh")
    dossier_id = page.url.split("/ho-so/")[1].split("?")[0]
    f = lambda path: page.locator(f'[id="f-{path}"]')  # noqa: E731 - ids hold dots

    # Nothing chosen: the Vietnamese personal ID is asked for, no other document.
    await expect(f("requester.id_number")).to_be_visible()
    await expect(f("requester.document_number")).to_have_count(0)
    await fill_birth_form(page, await page_today(page))

    # She is Korean: a passport instead of the personal ID.
    await page.check('input[name="requester.id_type"][value="passport"]')
    await expect(f("requester.id_number")).to_have_count(0)
    await expect(f("requester.document_issuer")).to_have_count(0)
    number = f("requester.document_number")
    await number.fill("M123")
    await number.blur()
    field = page.locator(".field", has=number)
    await expect(field.locator(".error")).to_have_count(1)  # too short, not "12 digits"
    await number.fill("M12345678")
    await number.blur()
    await expect(field.locator(".error")).to_have_count(0)
    await f("requester.document_country").select_option("KR")
    await f("mother.nationality").select_option("KR")

    # Her section takes the passport from hers (she is the requester, the mother).
    await expect(page.locator('input[name="mother.id_type"][value="passport"]')).to_be_checked()
    await expect(f("mother.document_number")).to_have_value("M12345678")
    await expect(f("mother.document_country")).to_have_value("KR")
    await expect(f("mother.id_number")).to_have_count(0)
    await artifacts.screenshot(page, "passport")

    await expect(page.locator(".thumb img")).to_have_count(1, timeout=15_000)
    await page.get_by_role("button", name="Tiếp tục").click()
    await expect(page.get_by_role("heading", name="Xem lại hồ sơ")).to_be_visible()
    await expect(page.locator(".error-box")).to_have_count(0)
    await page.locator(".promise input").check()
    await page.get_by_role("button", name="Nộp hồ sơ").click()
    await expect(page.get_by_test_id("dossier-code")).to_have_text(CODE_SHOWN, timeout=30_000)
    await artifacts.screenshot(page, "submitted")

    fields = answers_on_server(live_server, CITIZEN, password, dossier_id)
    assert fields["requester.id_type"] == "passport"
    assert fields["requester.document_number"] == "M12345678"
    assert fields["requester.document_country"] == "KR"
