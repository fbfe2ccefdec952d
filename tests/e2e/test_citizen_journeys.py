"""Journeys that used to stop short, in real Chromium against a real server:

- the person downloads their own receipt as a PDF from the dossier page (online; offline
  the page says it needs a connection), and once the dossier is done the page shows
  the register number and how to collect the result;
- a procedure's service level ("Mức độ 3") is said in the person's terms;
- the catalog of 27 procedures is searched offline, accents and hyphens optional;
- a procedure opened from the bottom of the catalog opens at its top with its heading
  focused, and back returns to where the catalog was left;
- on a 390 px phone the draft page is no wider than the phone and its sticky
  "continue / saved" bar is on the screen as soon as it opens."""

from __future__ import annotations

import io

from pypdf import PdfReader

from harness.app_pages import app_ready, install_app, page_today, sign_in
from tests.e2e.test_pwa_offline import CITIZEN
from tests.e2e.test_pwa_round_trip import (
    DESK,
    demo_passwords,
    desk_session,
    other_device,
    submitted_birth,
    sync_on_phone,
)

PHONE = {"width": 390, "height": 844}
LEVEL_3 = "Mức độ 3: Nộp hồ sơ trực tuyến; đến nhận kết quả tại UBND xã/phường một lần."
LEVEL_4 = "Mức độ 4: Nộp hồ sơ và nộp lệ phí trực tuyến; kết quả được gửi qua bưu điện."


async def test_the_owner_downloads_the_receipt_and_sees_how_to_collect_the_result(
    live_server, new_page, artifacts
):
    from playwright.async_api import expect

    passwords = demo_passwords(live_server)
    page = await new_page()
    await install_app(page)
    await sign_in(page, CITIZEN, passwords[CITIZEN])
    async with (
        other_device(live_server, CITIZEN, passwords[CITIZEN]) as phone2,
        desk_session(live_server, passwords[DESK]) as desk,
    ):
        dossier_id, _ = await submitted_birth(phone2, await page_today(page))
        await sync_on_phone(page)
        await page.goto(f"/#/ho-so/{dossier_id}")
        status = page.locator(".card.status")

        # Online: the receipt comes from the server as a PDF, read with the device
        # credential. The answer passes through the test unchanged, which keeps its
        # bytes (Chromium hands a body read as a blob past the devtools).
        receipts: list[tuple[dict, bytes]] = []

        async def through(route):
            answer = await route.fetch()
            receipts.append((await route.request.all_headers(), await answer.body()))
            await route.fulfill(response=answer)

        await page.route(f"**/api/dossiers/{dossier_id}/receipt.pdf", through)
        async with page.context.expect_page() as opened:
            await page.get_by_test_id("receipt-pdf").click()
        tab = await opened.value
        assert tab.url.startswith("blob:"), tab.url
        await expect(page.get_by_test_id("receipt-pdf-file")).to_have_attribute("href", tab.url)
        await tab.close()
        [(headers, pdf)] = receipts
        assert headers["authorization"].startswith("Device "), headers
        text = " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
        assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text, text[:300]

        # Offline: the link says it needs a connection, and so does a tap on it.
        await page.context.set_offline(True)
        await expect(status).to_contain_text("cần kết nối mạng")
        await page.get_by_test_id("receipt-pdf").click()
        await expect(page.get_by_test_id("receipt-pdf-note")).to_have_text(
            " Cần có kết nối mạng để tải biên nhận PDF."
        )
        await artifacts.screenshot(page, "receipt-offline")
        await page.context.set_offline(False)

        # The service level, in the person's terms.
        await expect(status.get_by_test_id("service-level")).to_have_text(LEVEL_3)

        # Not done yet: no result to collect.
        await expect(page.get_by_test_id("dossier-result")).to_have_count(0)
        assert (await desk.act(dossier_id, "receive", {"message": "Đã nhận."}))["state"] == 2
        assert (await desk.act(dossier_id, "start"))["state"] == 4
        done = await desk.act(dossier_id, "complete", {"register_number": "123/2026"})
        assert done["state"] == 9
        await sync_on_phone(page)
        await page.goto(f"/#/ho-so/{dossier_id}")
        result = page.get_by_test_id("dossier-result")
        await expect(result).to_contain_text("Kết quả đã sẵn sàng")
        await expect(result.get_by_test_id("register-number")).to_have_text(
            "Số đăng ký (sổ hộ tịch): 123/2026"
        )
        # Level 3: come once to the commune office, with an ID card.
        await expect(result.get_by_test_id("how-to-collect")).to_contain_text(
            "CCCD) và biên nhận, đến Bộ phận một cửa của UBND xã/phường một lần"
        )
        await artifacts.screenshot(page, "result-ready")


async def test_service_levels_are_explained_on_procedure_pages(live_server, new_page):
    from playwright.async_api import expect

    page = await new_page()
    await install_app(page)
    await page.goto("/#/thu-tuc/khai-sinh")
    await expect(page.get_by_test_id("service-level")).to_have_text(LEVEL_3)
    await page.goto("/#/thu-tuc/trich-luc-khai-sinh")
    await expect(page.get_by_test_id("service-level")).to_have_text(LEVEL_4)
    # On the catalog's pills too, as a hint.
    await page.goto("/#/thu-tuc")
    pill = page.locator('a[href="#/thu-tuc/trich-luc-khai-sinh"] .pill')
    await expect(pill).to_have_text("Mức 4")
    await expect(pill).to_have_attribute(
        "title", "Nộp hồ sơ và nộp lệ phí trực tuyến; kết quả được gửi qua bưu điện."
    )


async def test_the_catalog_is_searched_offline_with_accents_optional(
    live_server, new_page, artifacts
):
    from playwright.async_api import expect

    page = await new_page()
    await install_app(page)
    await page.context.set_offline(True)
    await page.goto("/#/thu-tuc")
    items = page.locator("ul.list a.dossier-item")
    await expect(items).to_have_count(27)
    search = page.get_by_label("Tìm thủ tục")

    async def found(query: str) -> list[str]:
        await search.fill(query)
        return [text.strip() for text in await items.locator("strong").all_inner_texts()]

    births = await found("khai sinh")
    assert "Đăng ký khai sinh" in births and len(births) < 27, births
    assert not any("kết hôn" in name.lower() for name in births), births
    assert await found("khai-sinh") == births
    assert await found("KHAI SINH") == births
    marriages = await found("kết hôn")
    assert "Đăng ký kết hôn" in marriages and "Đăng ký khai sinh" not in marriages, marriages
    assert await found("ket hon") == marriages
    await expect(page.get_by_test_id("catalog-found")).to_have_text(
        f"{len(marriages)} thủ tục phù hợp"
    )
    await artifacts.screenshot(page, "search-ket-hon")
    assert await found("không có thủ tục này") == []
    await expect(page.get_by_text("Không có thủ tục nào phù hợp.")).to_be_visible()
    assert len(await found("")) == 27


async def test_a_procedure_opens_at_its_top_and_back_returns_to_the_catalog_where_it_was(
    live_server, new_page, artifacts
):
    from playwright.async_api import expect

    page = await new_page()
    await install_app(page)
    await page.set_viewport_size(PHONE)
    await page.goto("/#/thu-tuc")
    await expect(page.locator("ul.list a.dossier-item")).to_have_count(27)
    last = page.locator("ul.list a.dossier-item").last
    await last.scroll_into_view_if_needed()
    left_at = await page.evaluate("() => window.scrollY")
    assert left_at > 1000, left_at  # far down the catalog
    name = (await last.locator("strong").inner_text()).strip()

    await last.click()
    heading = page.locator("h1")
    await expect(heading).to_have_text(name)
    await expect(heading).to_be_in_viewport()
    await expect(heading).to_be_focused()
    await expect(page.get_by_text("Lệ phí:")).to_be_in_viewport()
    assert await page.evaluate("() => window.scrollY") == 0
    await artifacts.screenshot(page, "procedure-opened")

    # Back: the catalog where it was left; forward: the procedure at its top again.
    await page.go_back()
    await expect(page.locator("h1")).to_have_text("Chọn thủ tục")
    await expect(last).to_be_in_viewport()
    assert abs(await page.evaluate("() => window.scrollY") - left_at) <= 1
    await page.go_forward()
    await expect(page.locator("h1")).to_have_text(name)
    await expect(page.locator("h1")).to_be_in_viewport()

    # A page opened by the app itself (a button, not a link) also starts at the top.
    await page.goto("/#/thu-tuc/khai-sinh")
    await page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    await page.get_by_role("button", name="Bắt đầu làm hồ sơ").click()
    await expect(page.locator("form.draft h1")).to_have_text("Đăng ký khai sinh")
    await expect(page.locator("form.draft h1")).to_be_in_viewport()


async def test_the_draft_page_fits_a_phone_and_its_bar_is_on_screen(
    live_server, browser, artifacts
):
    from playwright.async_api import expect

    passwords = demo_passwords(live_server)
    # A phone: the page's meta viewport counts, so a page wider than the screen is
    # shown zoomed out and the bar at the bottom of the layout is off the screen.
    context = await browser.new_context(
        base_url=live_server.base_url,
        locale="vi-VN",
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        device_scale_factor=3,
    )
    try:
        page = await context.new_page()
        artifacts.pages.append(page)
        await install_app(page)
        await page.set_viewport_size(PHONE)
        await sign_in(page, CITIZEN, passwords[CITIZEN])
        await page.goto("/#/thu-tuc/khai-sinh")
        await app_ready(page)
        await page.get_by_role("button", name="Bắt đầu làm hồ sơ").click()
        await expect(page.locator("form.draft h1")).to_have_text("Đăng ký khai sinh")

        # Right away, before any section below has been scrolled into view.
        width = await page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= PHONE["width"], width
        assert await page.evaluate("() => window.innerWidth") == PHONE["width"]
        bar = page.locator("form.draft .actions.sticky")
        await expect(bar).to_be_in_viewport(ratio=1)
        box = await bar.bounding_box()
        inner = await page.evaluate("() => window.innerHeight")
        assert box and box["y"] >= 0 and box["y"] + box["height"] <= inner <= PHONE["height"], (
            box,
            inner,
        )
        await page.screenshot(path=str(artifacts.directory / "draft-on-a-phone.png"))
    finally:
        await context.close()
