"""A file the server refuses reaches the person, in real Chromium against a real server.

A Windows program named giay-chung-sinh.pdf is accepted on the phone (it only knows
the name and the type the browser gives it). The dossier is submitted offline; back
online, within one sync pass the person is told which file was refused and why, the
dossier is a draft again (not "chờ gửi đi" for ever), the sync bar says something was
refused instead of when it last synced. The person removes the file, attaches a real
PDF, submits again, and the dossier reaches the server as submitted."""

from __future__ import annotations

import json

from harness import samples
from harness.app_pages import CODE_SHOWN, app_ready, install_app, page_today, sign_in
from tests.e2e.test_pwa_offline import CITIZEN, demo_password, fill_birth_form

PROGRAM_NAME = "giay-chung-sinh.pdf"
FIELD = "attachments.birth_certificate"


async def server_dossier(live_server, dossier_id: str) -> tuple[int, dict]:
    """The dossier's state and fields as the server holds them (the test's oracle)."""
    url = live_server.env["MOTCUA_DATABASE_URL"]
    if url.startswith("sqlite"):
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
            row = db.execute(
                "SELECT state, fields FROM dossier WHERE id = ?", (dossier_id,)
            ).fetchone()
        return row[0], json.loads(row[1])
    import asyncpg

    connection = await asyncpg.connect(url)
    try:
        row = await connection.fetchrow(
            "SELECT state, fields FROM dossier WHERE id = $1::uuid", dossier_id
        )
    finally:
        await connection.close()
    return row["state"], json.loads(row["fields"])


async def test_a_refused_file_reaches_the_person_and_the_dossier_can_be_fixed_and_sent(
    live_server, new_page, artifacts
):
    from playwright.async_api import expect

    password = demo_password(live_server, CITIZEN)
    page = await new_page()
    await install_app(page)
    await sign_in(page, CITIZEN, password)
    f = lambda path: page.locator(f'[id="f-{path}"]')  # noqa: E731 - ids hold dots

    # Offline, a birth dossier with the photo of the birth certificate and, beside it,
    # a program named as a PDF: the phone takes it, as a PDF, waiting to be sent.
    await page.goto("/#/")
    await app_ready(page)
    await page.context.set_offline(True)
    await page.get_by_role("button", name="Đăng ký khai sinh").click()
    await expect(page.locator("form.draft h1")).to_have_text("Đăng ký khai sinh")
    await fill_birth_form(page, await page_today(page))
    await expect(page.locator(".thumb img")).to_have_count(1, timeout=15_000)
    await f(FIELD).set_input_files(
        {"name": PROGRAM_NAME, "mimeType": "application/pdf", "buffer": samples.exe_named_pdf()}
    )
    await expect(page.locator(".thumb")).to_have_count(2)
    await expect(page.locator(".thumb").nth(1)).to_contain_text("chờ gửi")
    dossier_id = page.url.split("/ho-so/")[1].split("?")[0]

    await page.get_by_role("button", name="Tiếp tục").click()
    await expect(page.get_by_role("heading", name="Xem lại hồ sơ")).to_be_visible()
    await page.locator(".promise input").check()
    await page.get_by_role("button", name="Nộp hồ sơ").click()
    await expect(page.locator(".status .state")).to_have_text("Đã nộp trên máy – chờ gửi đi")

    # Back online: one pass, and the refusal is the person's to see.
    await page.context.set_offline(False)
    refused = page.get_by_test_id("refused-file")
    await expect(refused).to_have_count(1, timeout=30_000)
    await expect(refused).to_contain_text(f"Tệp “{PROGRAM_NAME}” bị máy chủ từ chối")
    await expect(refused).to_contain_text("chương trình Windows")
    # A draft again: the form, not "chờ gửi đi".
    await expect(page.locator("form.draft")).to_be_visible()
    await expect(page.locator(".status .state")).to_have_count(0)
    await expect(page.locator(".thumb.refused")).to_have_count(1)
    await expect(page.locator(".thumb.refused")).to_contain_text("bị từ chối")
    rejected = page.get_by_test_id("rejected")
    await expect(rejected).to_contain_text("Nộp hồ sơ")
    await expect(rejected).to_contain_text(
        f"Tệp “{PROGRAM_NAME}” bị từ chối: Tệp này là một chương trình Windows"
    )
    await expect(rejected).to_contain_text(
        f"Hồ sơ chưa được nộp vì tệp “{PROGRAM_NAME}” bị từ chối"
    )
    await expect(rejected.locator(f'[data-path="{FIELD}"]').first).to_contain_text(
        "Giấy tờ đính kèm – Giấy chứng sinh:"
    )
    # The sync bar tells of the refusal, not "Đồng bộ lúc …" as if all were well.
    bar = page.get_by_test_id("syncbar")
    await expect(bar).to_contain_text("mục bị từ chối – xem chi tiết")
    await expect(bar).not_to_contain_text("Đồng bộ lúc")
    await expect(bar).not_to_have_attribute("data-refused", "0")
    await page.evaluate("window.scrollTo(0, 0)")
    await artifacts.screenshot(page, "refused-file-dossier")
    # The screen of the README (docs/screenshots/refused-file.png, copied by hand from the
    # artifacts): between passes, not during one.
    artifacts.directory.mkdir(parents=True, exist_ok=True)
    for _ in range(20):
        await expect(bar).not_to_contain_text("Đang đồng bộ")
        await page.screenshot(path=str(artifacts.directory / "refused-file.png"))
        if "Đang đồng bộ" not in await bar.inner_text():
            break
    state, fields = await server_dossier(live_server, dossier_id)
    assert state == 0 and samples.sha(samples.exe_named_pdf()) not in fields.get(FIELD, []), (
        state,
        fields,
    )

    # The notice, on the home screen, names the file and says why.
    await page.goto("/#/")
    notice = page.locator(".card.notice")
    await expect(notice).to_contain_text(
        f"Hồ sơ “Nguyễn Minh Khang”: máy chủ không nhận tệp “{PROGRAM_NAME}”"
    )
    await expect(notice).to_contain_text("chương trình Windows")
    await expect(page.locator(f'a[href="#/ho-so/{dossier_id}"] .pill')).not_to_have_text("Chờ gửi")
    await artifacts.screenshot(page, "refused-file-notice")

    # The sync page lists the refused file and the refused changes.
    await bar.click()
    await expect(page.get_by_test_id("refused-files")).to_contain_text(PROGRAM_NAME)
    await expect(page.get_by_test_id("rejected")).to_contain_text("Nộp hồ sơ")
    await artifacts.screenshot(page, "sync-page")

    # The person removes it, attaches a real PDF and submits again.
    await page.goto(f"/#/ho-so/{dossier_id}")
    await expect(page.locator("form.draft")).to_be_visible()
    await (
        page.locator(".thumb-wrap")
        .filter(has=page.locator(".thumb.refused"))
        .get_by_role("button", name="Bỏ")
        .click()
    )
    await expect(page.locator(".thumb")).to_have_count(1)
    await expect(refused).to_have_count(0)
    real_pdf = samples.pdf(60_000)
    await f(FIELD).set_input_files(
        {"name": "giay-chung-sinh-that.pdf", "mimeType": "application/pdf", "buffer": real_pdf}
    )
    await expect(page.locator(".thumb")).to_have_count(2)
    await page.get_by_role("button", name="Tiếp tục").click()
    await expect(page.get_by_role("heading", name="Xem lại hồ sơ")).to_be_visible()
    await expect(page.get_by_test_id("review-refused")).to_have_count(0)
    await page.locator(".promise input").check()
    await page.get_by_role("button", name="Nộp hồ sơ").click()
    await expect(page.get_by_test_id("dossier-code")).to_have_text(CODE_SHOWN, timeout=30_000)
    await expect(page.locator(".status .state")).to_have_text("Mới đăng ký")
    await artifacts.screenshot(page, "resubmitted")

    state, fields = await server_dossier(live_server, dossier_id)
    assert state == 1, (state, fields)
    assert samples.sha(real_pdf) in fields[FIELD], fields
    assert samples.sha(samples.exe_named_pdf()) not in fields[FIELD], fields

    # Once the person has read the reasons, the bar is back to its last sync.
    got_it = page.get_by_test_id("rejected").get_by_role("button", name="Đã hiểu")
    for left in range(await got_it.count(), 0, -1):
        await got_it.first.click()
        await expect(got_it).to_have_count(left - 1)
    await expect(bar).to_have_attribute("data-refused", "0")
    await expect(bar).to_contain_text("Đồng bộ lúc")
