"""Notes that come and go do not move the form under a person's finger. On a phone
(390×844) with a birth form open, the network drops (the offline note appears), an
official acts on another of the person's dossiers, the network comes back (the note
goes, a sync brings the news and the notice bar appears): the form's first control
stays where it was to the pixel, and Chromium's Layout Instability API records no
shift at all the whole time. The same on the home page, where the news is listed."""

from __future__ import annotations

from harness.app_pages import install_app, page_today, sign_in
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

# Every layout shift from now on that no input of the person's caused (Layout
# Instability API); a shift right after a tap or a key is the page answering it.
WATCH_SHIFTS = """() => {
  window.layoutShifts = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (!e.hadRecentInput) window.layoutShifts.push({value: e.value, sources: (e.sources || []).map((s) => ({
        node: s.node && s.node.nodeType === 1 ? s.node.outerHTML.slice(0, 80) : String(s.node),
        in_dossier_row: !!(s.node && s.node.parentElement && s.node.parentElement.closest('.dossier-item')),
      }))});
    }
  }).observe({type: 'layout-shift'});
}"""
# Entries are delivered in a task after the frame that shifted: wait two frames first.
SHIFTS = """() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(
  () => setTimeout(() => resolve(window.layoutShifts), 0))))"""


async def phone_screen(page, artifacts, label: str) -> None:
    """What the phone's screen shows. Not artifacts.screenshot: its full-page capture
    lays every form section out, which would be a layout shift of its own."""
    artifacts.count += 1
    await page.screenshot(path=str(artifacts.directory / f"{artifacts.count:02d}-{label}.png"))


async def test_the_offline_note_and_the_notice_bar_do_not_move_the_form(
    live_server, new_page, artifacts
):
    from playwright.async_api import expect

    passwords = demo_passwords(live_server)
    page = await new_page()
    await install_app(page)
    await page.set_viewport_size(PHONE)
    await sign_in(page, CITIZEN, passwords[CITIZEN])

    async with (
        other_device(live_server, CITIZEN, passwords[CITIZEN]) as second_phone,
        desk_session(live_server, passwords[DESK]) as desk,
    ):
        # A dossier sent from the person's other phone, known on this one.
        dossier_id, _ = await submitted_birth(second_phone, await page_today(page))
        await sync_on_phone(page)
        await page.goto("/#/")
        await expect(page.locator(f'a[href="#/ho-so/{dossier_id}"]')).to_be_visible()
        # The demo account's earlier news, read: the notice bar starts away.
        await page.locator(".card.notice").get_by_role("button", name="Đã xem").click()
        await expect(page.locator(".card.notice")).to_have_count(0)

        # A new birth form, settled: its draft is on the server, nothing waits.
        await page.get_by_role("button", name="Đăng ký khai sinh").click()
        await expect(page.locator("form.draft h1")).to_have_text("Đăng ký khai sinh")
        await expect(page.get_by_test_id("syncbar")).to_have_attribute(
            "data-pending", "0", timeout=30_000
        )
        await expect(page.get_by_test_id("notice-bar")).to_have_count(0)
        control = page.locator('[id="f-agency.province"]')
        before = await control.bounding_box()
        assert before and before["y"] + before["height"] <= PHONE["height"], (
            before
        )  # in sight, under a thumb
        await page.evaluate(WATCH_SHIFTS)
        await phone_screen(page, artifacts, "form-online")

        # The network drops: the offline note shows, the form stays put.
        await page.context.set_offline(True)
        await expect(page.locator(".offline-note")).to_be_visible()
        await expect(page.locator(".offline-note")).to_have_text(
            "Đang ngoại tuyến – bạn vẫn làm hồ sơ bình thường."
        )
        assert await control.bounding_box() == before
        await phone_screen(page, artifacts, "form-offline")

        # Meanwhile the official receives the other dossier; back online, the sync
        # brings the news: the offline note goes, the notice bar comes.
        received = await desk.act(dossier_id, "receive", {"message": "Đã nhận hồ sơ."})
        assert received["state"] == 2
        await page.context.set_offline(False)
        await expect(page.get_by_test_id("notice-bar")).to_contain_text(
            "thông báo mới", timeout=30_000
        )
        await expect(page.locator(".offline-note")).to_have_count(0)
        assert await control.bounding_box() == before
        await phone_screen(page, artifacts, "form-notice")

        assert await page.evaluate(SHIFTS) == []

        # The notes stay where screen readers hear them.
        await expect(
            page.get_by_role("status").filter(has=page.get_by_test_id("notice-bar"))
        ).to_have_count(1)

        # The bar leads to the news, on the home page; read, it goes.
        await page.get_by_test_id("notice-bar").click()
        news = page.locator(".card.notice")
        await expect(news).to_contain_text("Được tiếp nhận")
        await expect(news).to_be_in_viewport()
        await news.get_by_role("button", name="Đã xem").click()
        await expect(news).to_have_count(0)
        await expect(page.get_by_test_id("notice-bar")).to_have_count(0)

        # On the home page, news that arrives moves none of its buttons either.
        await page.evaluate("() => window.scrollTo(0, 0)")
        start = page.get_by_role("button", name="Đăng ký khai sinh")
        before = await start.bounding_box()
        assert before and before["y"] + before["height"] <= PHONE["height"], before
        await page.evaluate(WATCH_SHIFTS)
        await page.context.set_offline(True)
        await expect(page.locator(".offline-note")).to_be_visible()
        assert (await desk.act(dossier_id, "start"))["state"] == 4
        await page.context.set_offline(False)
        await expect(page.get_by_test_id("notice-bar")).to_contain_text(
            "1 thông báo mới", timeout=30_000
        )
        await expect(news).to_contain_text("Đang xử lý")
        assert await start.bounding_box() == before
        await phone_screen(page, artifacts, "home-notice")
        # The news also changes the dossier's own row in the list (its new state is
        # wider): that row answering its news is not a note moving the page.
        shifts = await page.evaluate(SHIFTS)
        assert [
            s for s in shifts if not all(source["in_dossier_row"] for source in s["sources"])
        ] == [], shifts
