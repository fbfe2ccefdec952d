"""Old addresses in the real app: a name of before 1 July 2025 typed into the commune
picker and into a residence field. The mapping is not kept on the phone (too big beside
the communes: docs/decisions.md), so offline the picker says it will look the name up
online; back online, without reloading, the same text offers the commune it became,
labelled with the old units, and the residence field offers today's address, applied
only when tapped."""

from __future__ import annotations

import re

from harness.app_pages import install_app

OLD = "Phường Phúc Xá, Quận Ba Đình"
BEFORE = "trước 1/7/2025: Phường Phúc Xá, Quận Ba Đình, Hà Nội"


async def test_an_old_address_offers_the_commune_it_became(live_server, new_page, artifacts):
    from playwright.async_api import expect

    page = await new_page()
    await install_app(page)
    f = lambda path: page.locator(f'[id="f-{path}"]')  # noqa: E731 - ids hold dots

    await page.get_by_role("button", name="Đăng ký khai sinh").click()
    await expect(page.locator("form.draft h1")).to_have_text("Đăng ký khai sinh")

    # Offline: the old name is not found on the phone, and the picker says why.
    await page.context.set_offline(True)
    await expect(page.locator(".offline-note")).to_be_visible()
    await f("agency.commune").fill(OLD)
    await expect(page.locator(".picker")).to_contain_text("sẽ được tìm khi có mạng")
    await expect(page.locator(".picker .choices.old")).to_have_count(0)
    await artifacts.screenshot(page, "picker-offline")

    # Back online: the same text offers Phường Hồng Hà, which Phúc Xá went into.
    await page.context.set_offline(False)
    await page.evaluate("() => window.dispatchEvent(new Event('online'))")
    offered = page.locator(".picker .choices.old").get_by_role(
        "option", name=re.compile("Phường Hồng Hà")
    )
    await expect(offered).to_contain_text(BEFORE, timeout=10_000)
    await artifacts.screenshot(page, "picker-old-name")
    await offered.click()
    await expect(page.locator(".picked")).to_contain_text("Phường Hồng Hà, Thành phố Hà Nội")

    # A residence written the old way: today's address is offered, and only a tap takes it.
    typed = "Số 12 Hàng Bún, P. Phúc Xá, Q. Ba Đình, Hà Nội"
    residence = f("requester.residence")
    await residence.fill(typed)
    hint = page.locator('[id="f-requester.residence-new"]')
    await expect(hint).to_contain_text(
        "Địa chỉ mới: Phường Hồng Hà, Thành phố Hà Nội", timeout=10_000
    )
    await expect(hint).to_contain_text(BEFORE)
    await expect(residence).to_have_value(typed)
    await artifacts.screenshot(page, "residence-hint")
    await hint.get_by_role("button", name="Dùng địa chỉ này").click()
    await expect(residence).to_have_value("Số 12 Hàng Bún, Phường Hồng Hà, Thành phố Hà Nội")
    await expect(hint).to_have_count(0)
