"""The time of death is picked with the browser's own time input, offline: the answer is
"HH:MM" on the 24-hour clock, shown as such on the review page, and ticking "the time is
not known" takes the time away (the form then asks for it no more)."""

from __future__ import annotations

from harness.app_pages import app_ready, install_app

TIME = '[id="f-death.time"]'
UNKNOWN = '[id="f-death.time_unknown"]'


def review_row(page, label: str):
    return page.locator("dl > div").filter(has=page.locator("dt", has_text=label)).locator("dd")


async def test_the_time_of_death_is_picked_offline_and_may_be_unknown(new_page, artifacts):
    from playwright.async_api import expect

    phone = await new_page()
    await install_app(phone)
    await phone.goto("/#/thu-tuc/khai-tu")
    await expect(phone.get_by_role("button", name="Bắt đầu làm hồ sơ")).to_be_enabled()

    # No network: the death form was stored on the first visit.
    await phone.context.set_offline(True)
    await phone.reload()
    await app_ready(phone)
    await phone.get_by_role("button", name="Bắt đầu làm hồ sơ").click()
    await expect(phone.locator("form.draft h1")).to_have_text("Đăng ký khai tử")

    time = phone.locator(TIME)
    await expect(time).to_have_attribute("type", "time")
    await time.fill("14:05")
    await time.blur()
    await expect(time).to_have_value("14:05")
    await artifacts.screenshot(phone, "time-picked")

    await phone.get_by_role("button", name="Tiếp tục").click()
    await expect(phone.get_by_role("heading", name="Xem lại hồ sơ")).to_be_visible()
    await expect(review_row(phone, "Giờ, phút chết")).to_have_text("14:05")
    # Other answers are missing, the time is not among them.
    errors = phone.locator(".error-box")
    await expect(errors).to_contain_text("Nguyên nhân chết")
    await expect(errors).not_to_contain_text("Giờ, phút chết")
    await artifacts.screenshot(phone, "review")

    # Back to the form: no paper states the hour.
    await phone.go_back()
    await phone.locator(UNKNOWN).check()
    await expect(phone.locator(TIME)).to_have_count(0)
    await phone.get_by_role("button", name="Tiếp tục").click()
    await expect(phone.get_by_role("heading", name="Xem lại hồ sơ")).to_be_visible()
    await expect(review_row(phone, "Giờ, phút chết")).to_have_count(0)
    await expect(review_row(phone, "Không xác định được giờ chết")).to_have_text("Có")
    await expect(phone.locator(".error-box")).not_to_contain_text("Giờ, phút chết")
