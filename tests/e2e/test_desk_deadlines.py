"""The desk's actions on the due date, in real Chromium against a real server.

A marriage is submitted from a phone (the sync protocol) and received at the desk.
The official extends it for verification through the screens: an empty reason is
refused on its field in Vietnamese, then the due date moves to 5 working days after
receipt (the server's calendar) and the history shows it. For the apology, the
dossier is made overdue by moving its dates back in the database (the real clock
cannot wait a week); the official records the reason and a new working day, and
opens the apology letter (a PDF for the desk's session)."""

from __future__ import annotations

import datetime as dt
import io
import sqlite3
import uuid

import asyncpg
import httpx
from pypdf import PdfReader

from harness.app_pages import sign_in
from harness.sync_client import uuid7
from server.calendar.rules import due_date, next_working_day
from server.catalog.definition import Processing
from server.clock import vn_today
from sync.codes import display
from tests.e2e.test_pwa_offline import CITIZEN
from tests.e2e.test_pwa_round_trip import DESK, demo_passwords, desk_session, other_device

MARRIAGE = Processing(kind="same_day", extended_days=5)
GROOM = "Nguyễn Văn Bình"
BRIDE = "Trần Thị Hòa"

# The letter as the official's browser fetches it, its bytes as a list of numbers.
FETCH_PDF = """async (url) => {
  const r = await fetch(url);
  const bytes = new Uint8Array(await r.arrayBuffer());
  return {status: r.status, type: r.headers.get("content-type"), bytes: Array.from(bytes)};
}"""


def marriage_answers() -> dict:
    return {
        "agency.province": "01",
        "agency.commune": "00070",
        "groom.full_name": GROOM,
        "groom.birth_date": "1990-03-01",
        "groom.ethnicity": "01",
        "groom.nationality": "VN",
        "groom.residence": "Số 5 phố Hàng Bạc, phường Hoàn Kiếm, Hà Nội",
        "groom.id_number": "001090012345",
        "groom.marital_status": "chua_ket_hon",
        "bride.full_name": BRIDE,
        "bride.birth_date": "1995-06-01",
        "bride.ethnicity": "01",
        "bride.nationality": "VN",
        "bride.residence": "Số 7 phố Hàng Đào, phường Hoàn Kiếm, Hà Nội",
        "bride.id_number": "001195054321",
        "bride.marital_status": "chua_ket_hon",
        "declaration.consent": True,
        "contact.phone": "0987654321",
        "contact.email": "hoa.binh@example.vn",
    }


async def received_marriage(live_server, passwords: dict[str, str]) -> tuple[str, str]:
    """A marriage submitted from the person's phone and received at the desk."""
    async with other_device(live_server, CITIZEN, passwords[CITIZEN]) as phone:
        dossier = uuid7()
        phone.queue(
            "create_draft", dossier, {"procedure_code": "ket-hon", "fields": marriage_answers()}
        )
        phone.queue("submit", dossier, {}, 1)
        outcomes = await phone.sync()
        assert outcomes[-1]["state"] == 1, outcomes
        code = outcomes[-1]["code"]
    async with desk_session(live_server, passwords[DESK]) as desk:
        await desk.act(str(dossier), "receive")
        await desk.act(str(dossier), "start")
    return str(dossier), code


async def desk_page(new_page, live_server, password: str, dossier: str, state: int = 4):
    from playwright.async_api import expect

    page = await new_page()
    await page.set_viewport_size({"width": 1100, "height": 900})
    await sign_in(page, DESK, password)
    await page.get_by_test_id("desk-link").click(timeout=15_000)
    await expect(page.get_by_test_id("desk-queue")).to_be_visible(timeout=15_000)
    await page.goto(f"/#/mot-cua/ho-so/{dossier}")
    await expect(page.locator(".desk-dossier")).to_have_attribute("data-state", str(state))
    return page


def shown(day: dt.date) -> str:
    return f"{day:%d/%m/%Y}"


async def test_the_desk_extends_a_marriage_for_verification(live_server, new_page, artifacts):
    from playwright.async_api import expect

    passwords = demo_passwords(live_server)
    dossier, _ = await received_marriage(live_server, passwords)
    page = await desk_page(new_page, live_server, passwords[DESK], dossier)
    await expect(page.get_by_test_id("desk-extension-hint")).to_contain_text("5 ngày làm việc")

    actions = page.get_by_test_id("desk-actions")
    await actions.locator('button[data-action="extend_for_verification"]').click()
    confirm = page.get_by_role("button", name="Xác nhận: Gia hạn để xác minh")
    await confirm.click()
    # The server refuses the empty reason; the field says so in Vietnamese.
    await expect(page.get_by_test_id("error-reason")).to_have_text("Chưa nhập")
    await page.locator("#act-extend_for_verification-reason").fill(
        "Cần xác minh tình trạng hôn nhân của bên nam tại nơi cư trú trước đây."
    )
    await artifacts.screenshot(page, "desk-extend-form")
    await confirm.click()
    await expect(page.get_by_test_id("desk-done")).to_contain_text("Đã gia hạn")

    async with desk_session(live_server, passwords[DESK]) as desk:
        detail = await desk.dossier(dossier)
    received = dt.datetime.fromisoformat(detail["received_at"])
    expected = due_date(received, MARRIAGE, extended=True)
    assert detail["due_date"] == expected.isoformat(), detail
    await expect(page.get_by_test_id("desk-due")).to_have_text(shown(expected))
    await expect(page.get_by_test_id("desk-appointment")).to_have_text(shown(expected))
    await expect(page.get_by_test_id("desk-extended")).to_contain_text("5 ngày làm việc")
    history = page.get_by_test_id("desk-history")
    await expect(history.locator("li").last).to_contain_text("Gia hạn để xác minh")
    await expect(history.locator("li").last).to_contain_text(
        f"Hạn giải quyết mới: {shown(expected)}"
    )
    # Once only: the button is gone.
    await expect(actions.locator('button[data-action="extend_for_verification"]')).to_have_count(0)
    await artifacts.screenshot(page, "desk-extended")


async def move_dates_back(live_server, dossier: str, day: dt.date) -> None:
    """The dossier's due and appointment dates set to `day`, in the server's database."""
    url = live_server.env["MOTCUA_DATABASE_URL"]
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
            changed = db.execute(
                "UPDATE dossier SET due_date = ?, appointment_date = ? WHERE id = ?",
                (day.isoformat(), day.isoformat(), dossier),
            ).rowcount
    else:
        connection = await asyncpg.connect(url)
        try:
            status = await connection.execute(
                "UPDATE dossier SET due_date = $1, appointment_date = $1 WHERE id = $2",
                day,
                uuid.UUID(dossier),
            )
        finally:
            await connection.close()
        changed = int(status.split()[-1])
    assert changed == 1


async def test_the_desk_apologises_for_an_overdue_dossier_and_opens_the_letter(
    live_server, new_page, artifacts
):
    from playwright.async_api import expect

    passwords = demo_passwords(live_server)
    dossier, code = await received_marriage(live_server, passwords)
    today = vn_today()
    missed = today - dt.timedelta(days=3)
    await move_dates_back(live_server, dossier, missed)
    page = await desk_page(new_page, live_server, passwords[DESK], dossier)
    await expect(page.locator(".pill.overdue")).to_have_text("Quá hạn")

    actions = page.get_by_test_id("desk-actions")
    await actions.locator('button[data-action="apologise"]').click()
    reason = "Chưa nhận được kết quả xác minh từ nơi cư trú của bên nam."
    await page.locator("#act-apologise-reason").fill(reason)
    confirm = page.get_by_role("button", name="Xác nhận: Xin lỗi và hẹn lại ngày trả")
    # Today is not after today: refused on the date field, in Vietnamese.
    await page.locator("#act-apologise-new_date").fill(today.isoformat())
    await confirm.click()
    await expect(page.get_by_test_id("error-new_date")).to_have_text(
        "Ngày hẹn mới phải sau hôm nay"
    )
    new_date = next_working_day(today)
    await page.locator("#act-apologise-new_date").fill(new_date.isoformat())
    await confirm.click()
    await expect(page.get_by_test_id("desk-done")).to_contain_text(shown(new_date))
    await expect(page.get_by_test_id("desk-appointment")).to_have_text(shown(new_date))
    await expect(page.get_by_test_id("desk-due")).to_have_text(shown(missed))
    await expect(page.locator(".pill.overdue")).to_have_count(0)
    history = page.get_by_test_id("desk-history")
    await expect(history.locator("li").last).to_contain_text("Xin lỗi và hẹn lại ngày trả")
    await artifacts.screenshot(page, "desk-apology")

    letter = page.get_by_test_id("desk-apology-letter")
    await expect(letter).to_have_attribute("href", f"/api/dossiers/{dossier}/apology/1")
    # Opened as the official's browser opens it: a new tab with the PDF.
    async with page.context.expect_page() as opened:
        await letter.click()
    tab = await opened.value
    assert tab.url.endswith(f"/api/dossiers/{dossier}/apology/1"), tab.url
    fetched = await page.evaluate(FETCH_PDF, f"/api/dossiers/{dossier}/apology/1")
    assert fetched["status"] == 200 and fetched["type"] == "application/pdf", fetched["type"]
    pdf = bytes(fetched["bytes"])
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)
    for expected in (
        "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
        display(code),
        BRIDE,
        shown(missed),
        shown(new_date),
        reason,
    ):
        assert expected in text, (expected, text)

    # Another person's session gets nothing.
    async with httpx.AsyncClient(base_url=live_server.base_url, timeout=30) as other:
        r = await other.get(f"/api/dossiers/{dossier}/apology/1")
        assert r.status_code == 401
