"""A year of birth stays a year: the citizen gives only the mother's year of birth,
and neither the review page, the receipt nor the desk's dossier screen shows a day
and a month nobody gave (01/01/1996 would be copied into the register as a date)."""

from __future__ import annotations

import re

from harness.app_pages import CODE_SHOWN, install_app, open_app, page_today, sign_in
from tests.e2e.test_pwa_offline import CITIZEN, fill_birth_form
from tests.e2e.test_pwa_round_trip import DESK, demo_passwords

YEAR = "1996"
MADE_UP = "01/01/1996"
MOTHER = "Thông tin người mẹ"
BORN = re.compile(r"^Ngày, tháng, năm sinh \(hoặc năm sinh\)$")


def mother_born(page, section: str, heading: str):
    """The shown value of the mother's date of birth in a list of answers."""
    mother = page.locator(section).filter(has=page.locator(heading, has_text=MOTHER))
    return mother.locator("dl > div").filter(has=page.locator("dt", has_text=BORN)).locator("dd")


async def test_a_year_of_birth_stays_a_year_on_the_review_page_the_receipt_and_the_desk(
    live_server, new_page, artifacts
):
    from playwright.async_api import expect

    passwords = demo_passwords(live_server)
    phone = await new_page()
    await install_app(phone)
    await sign_in(phone, CITIZEN, passwords[CITIZEN])

    await phone.goto("/#/")
    await phone.get_by_role("button", name="Đăng ký khai sinh").click()
    await expect(phone.locator("form.draft h1")).to_have_text("Đăng ký khai sinh")
    await fill_birth_form(phone, await page_today(phone))
    # The mother asks; her ID number tells she was born in 1996 (female, 20th century).
    await phone.locator('[id="f-requester.id_number"]').fill("001196012345")
    born_input = phone.locator('[id="f-mother.birth_date"]')
    await born_input.fill(YEAR)
    await born_input.blur()
    await expect(phone.locator(".thumb img")).to_have_count(1, timeout=15_000)
    dossier_id = phone.url.split("/ho-so/")[1].split("?")[0]

    # The citizen's review page.
    await phone.get_by_role("button", name="Tiếp tục").click()
    await expect(phone.get_by_role("heading", name="Xem lại hồ sơ")).to_be_visible()
    await expect(phone.locator(".error-box")).to_have_count(0)
    await expect(mother_born(phone, "section.card", "h2")).to_have_text(YEAR)
    await expect(phone.locator("main")).not_to_contain_text(MADE_UP)
    await artifacts.screenshot(phone, "review")

    # Sent; the dossier and its receipt.
    await phone.locator(".promise input").check()
    await phone.get_by_role("button", name="Nộp hồ sơ").click()
    await expect(phone.get_by_test_id("dossier-code")).to_have_text(CODE_SHOWN, timeout=30_000)
    await expect(phone.locator("main")).not_to_contain_text(MADE_UP)
    await phone.goto(f"/#/bien-nhan/{dossier_id}")
    await expect(phone.get_by_test_id("receipt-code")).to_have_text(CODE_SHOWN)
    await expect(phone.locator("main")).not_to_contain_text(MADE_UP)

    # The desk's dossier screen, where the official copies the answers into the register.
    desk = await new_page()
    await open_app(desk)
    await sign_in(desk, DESK, passwords[DESK])
    await desk.goto(f"/#/mot-cua/ho-so/{dossier_id}")
    fields = desk.get_by_test_id("desk-fields")
    await expect(fields).to_contain_text("Nguyễn Minh Khang", timeout=15_000)
    await expect(mother_born(desk, '[data-testid="desk-fields"] > div', "h3")).to_have_text(YEAR)
    await expect(desk.locator("main")).not_to_contain_text(MADE_UP)
    await artifacts.screenshot(desk, "desk-dossier")
