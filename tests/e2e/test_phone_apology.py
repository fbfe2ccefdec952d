"""The citizen's phone after the desk's actions on the due date, in real Chromium
against a real server.

A marriage submitted from the person's other phone is received and extended for
verification at the desk: the phone shows the new due date and, among the messages,
the extension with its reason in Vietnamese. The dossier is then made overdue by
moving its dates back in the database (the real clock cannot wait a week) and the
desk apologises with a new date: the phone shows the new appointment without
"(quá hạn)" (the missed due date stays, unmarked: the promised date is the new one),
says offline that the letter needs a connection, and online opens the letter, a PDF
fetched with the device credential."""

from __future__ import annotations

import datetime as dt
import io

from pypdf import PdfReader

from server.calendar.rules import next_working_day
from server.clock import vn_today
from sync.codes import display
from tests.e2e.test_desk_deadlines import (
    BRIDE,
    move_dates_back,
    received_marriage,
    shown,
)
from tests.e2e.test_pwa_offline import CITIZEN
from tests.e2e.test_pwa_round_trip import (
    DESK,
    demo_passwords,
    desk_session,
    installed_and_signed_in,
    sync_on_phone,
)

EXTENSION = "Cần xác minh tình trạng hôn nhân của bên nam tại nơi cư trú trước đây."
DELAY = "Chưa nhận được kết quả xác minh từ nơi cư trú của bên nam."


async def test_the_phone_shows_the_extension_the_new_date_and_opens_the_apology_letter(
    live_server, new_page, artifacts
):
    from playwright.async_api import expect

    passwords = demo_passwords(live_server)
    page = await new_page()
    await installed_and_signed_in(page, passwords[CITIZEN])
    dossier, code = await received_marriage(live_server, passwords)

    async with desk_session(live_server, passwords[DESK]) as desk:
        extended = await desk.act(dossier, "extend_for_verification", {"reason": EXTENSION})
    new_due = dt.date.fromisoformat(extended["due_date"])
    await sync_on_phone(page)
    await page.goto(f"/#/ho-so/{dossier}")
    await expect(page.get_by_test_id("dossier-due")).to_have_text(
        f"Hạn giải quyết: {shown(new_due)}"
    )
    messages = page.locator(".messages")
    await expect(messages).to_contain_text("Hồ sơ được gia hạn giải quyết để xác minh.")
    await expect(messages).to_contain_text(f"Lý do: {EXTENSION}")
    await expect(page.get_by_test_id("apology-letters")).to_have_count(0)
    await artifacts.screenshot(page, "phone-extended")

    today = vn_today()
    missed = today - dt.timedelta(days=3)
    await move_dates_back(live_server, dossier, missed)
    new_date = next_working_day(today)
    async with desk_session(live_server, passwords[DESK]) as desk:
        await desk.act(dossier, "apologise", {"reason": DELAY, "new_date": new_date.isoformat()})
    await sync_on_phone(page)
    await page.goto(f"/#/ho-so/{dossier}")
    # The due date that was missed stays, and nothing is overdue: the date promised
    # to the person is now the new appointment.
    await expect(page.get_by_test_id("dossier-appointment")).to_have_text(
        f"Ngày hẹn trả kết quả: {shown(new_date)}"
    )
    await expect(page.get_by_test_id("dossier-due")).to_have_text(
        f"Hạn giải quyết: {shown(missed)}"
    )
    await expect(page.locator(".dossier .status")).not_to_contain_text("quá hạn")
    await expect(messages).to_contain_text(f"Lý do: {DELAY}")
    letter = page.get_by_test_id("apology-letter")
    await expect(letter).to_have_text("Phiếu xin lỗi và hẹn lại ngày trả kết quả (số 1)")
    await artifacts.screenshot(page, "phone-apology")

    # Offline, the letter cannot be read: the phone says so.
    await page.context.set_offline(True)
    await letter.click()
    await expect(page.get_by_test_id("apology-letter-note")).to_have_text(
        "Cần có kết nối mạng để mở phiếu."
    )
    await page.context.set_offline(False)

    # Online, it opens in a new tab, read with the device credential. The server's
    # answer passes through the test unchanged, which keeps its bytes (Chromium hands
    # a body read as a blob past the devtools).
    letters: list[tuple[dict, bytes]] = []

    async def through(route):
        answer = await route.fetch()
        letters.append((await route.request.all_headers(), await answer.body()))
        await route.fulfill(response=answer)

    await page.route(f"**/api/dossiers/{dossier}/apology/1", through)
    async with page.context.expect_page() as opened:
        await letter.click()
    tab = await opened.value
    assert tab.url.startswith("blob:"), tab.url
    await expect(page.get_by_test_id("apology-letter-note")).to_have_count(0)
    await expect(page.get_by_test_id("apology-letter-file")).to_have_attribute("href", tab.url)
    [(headers, pdf)] = letters
    assert headers["authorization"].startswith("Device "), headers
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)
    for expected in (
        "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
        display(code),
        BRIDE,
        shown(missed),
        shown(new_date),
        DELAY,
    ):
        assert expected in text, (expected, text)
