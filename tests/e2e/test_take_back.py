"""Taking back, in real Chromium against a real server: a submission still on the
phone is cancelled and reaches the server as a draft; a synced draft is deleted on
the server and on the person's other device; a submission that has left is not
taken back (a submitted dossier is withdrawn). A deletion from a view older than
another device's change is refused by the server: tests/hostile/test_stale_delete_draft.py
and pwa/src/sync.test.ts."""

from __future__ import annotations

import asyncio
import json
import re

from harness.app_pages import install_app, open_app, page_today, sign_in
from tests.e2e.test_pwa_offline import CITIZEN, demo_password, fill_birth_form
from tests.support.waiting import wait_until

CANCEL = re.compile("Hủy nộp")


async def dossier_row(live_server, dossier_id: str) -> dict | None:
    """The server's row for the dossier, read from its database (the tests' oracle)."""
    url = live_server.env["MOTCUA_DATABASE_URL"]
    columns = "state, code, fields, deleted_at, (SELECT count(*) FROM dossier_history h WHERE h.dossier_id = dossier.id AND h.action = 'submit') AS submits"
    if url.startswith("sqlite"):
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
            db.row_factory = sqlite3.Row
            row = db.execute(
                f"SELECT {columns} FROM dossier WHERE id = ?", (dossier_id,)
            ).fetchone()
        return dict(row) if row else None
    import asyncpg

    connection = await asyncpg.connect(url)
    try:
        row = await connection.fetchrow(
            f"SELECT {columns} FROM dossier WHERE id = $1::uuid", dossier_id
        )
        return dict(row) if row else None
    finally:
        await connection.close()


async def eventually(check):
    """Waits for the server to hold what `check` wants (polling its database)."""
    return await wait_until(check, seconds=30, interval=0.25, message="the server never held it")


async def submit_offline(page):
    from playwright.async_api import expect

    await page.context.set_offline(True)
    await page.goto("/#/")
    await page.get_by_role("button", name="Đăng ký khai sinh").click()
    await expect(page.locator("form.draft h1")).to_have_text("Đăng ký khai sinh")
    await fill_birth_form(page, await page_today(page))
    await expect(page.locator(".thumb img")).to_have_count(1, timeout=15_000)
    dossier_id = page.url.split("/ho-so/")[1].split("?")[0]
    await page.get_by_role("button", name="Tiếp tục").click()
    await expect(page.locator(".error-box")).to_have_count(0)
    await page.locator(".promise input").check()
    await page.get_by_role("button", name="Nộp hồ sơ").click()
    await expect(page.locator(".status .state")).to_have_text("Đã nộp trên máy – chờ gửi đi")
    return dossier_id


async def test_a_submission_cancelled_offline_reaches_the_server_as_a_draft(
    live_server, new_page, artifacts
):
    from playwright.async_api import expect

    page = await new_page()
    await install_app(page)
    await sign_in(page, CITIZEN, demo_password(live_server, CITIZEN))
    dossier_id = await submit_offline(page)

    await page.get_by_role("button", name=CANCEL).click()
    # A draft again, editable: the form is back, with what was typed.
    await expect(page.locator("form.draft h1")).to_have_text("Đăng ký khai sinh")
    await expect(page.locator('[id="f-child.full_name"]')).to_have_value("Nguyễn Minh Khang")
    await page.locator('[id="f-child.hometown"]').fill("Huế")
    await page.locator('[id="f-child.hometown"]').blur()
    await artifacts.screenshot(page, "cancelled-back-to-draft")

    await page.context.set_offline(False)
    await page.goto("/#/")
    await expect(page.get_by_test_id("syncbar")).to_have_attribute(
        "data-pending", "0", timeout=30_000
    )

    async def synced():
        row = await dossier_row(live_server, dossier_id)
        return row if row and json.loads(row["fields"]).get("child.hometown") == "Huế" else None

    row = await eventually(synced)
    assert row, await dossier_row(live_server, dossier_id)
    assert row["state"] == 0 and row["code"] is None and row["submits"] == 0, row  # never submitted
    drafts = page.locator("section", has=page.get_by_role("heading", name="Bản nháp", exact=True))
    await expect(drafts).to_contain_text("Nguyễn Minh Khang")  # still among the drafts


async def test_a_submission_that_has_left_is_not_taken_back(live_server, new_page, link, artifacts):
    from playwright.async_api import expect

    page = await new_page(link.url)
    await install_app(page)
    await sign_in(page, CITIZEN, demo_password(live_server, CITIZEN))
    dossier_id = await submit_offline(page)

    # Back online, the push is held on the way: the submission has left the outbox.
    push = link.hold("/api/sync/push", "POST")
    await page.context.set_offline(False)
    await page.evaluate("() => window.dispatchEvent(new Event('online'))")
    await asyncio.wait_for(push.reached.wait(), 30)

    cancel = page.get_by_role("button", name=CANCEL)
    if await cancel.count():
        await cancel.click()  # offered before the page learnt it left: refused, saying why
    refused = page.get_by_test_id("cancel-submit-refused")
    await expect(refused).to_contain_text("không thể hủy nộp")
    await expect(page.locator('[id="f-child.full_name"]')).to_have_count(0)  # not a draft again
    await artifacts.screenshot(page, "cancel-refused-in-flight")

    push.release()
    await expect(page.locator(".status .state")).to_have_text("Mới đăng ký", timeout=30_000)
    row = await dossier_row(live_server, dossier_id)
    assert row["state"] == 1 and row["submits"] == 1, row


async def test_a_synced_draft_is_deleted_on_the_server_and_on_the_other_device(
    live_server, new_page, artifacts
):
    from playwright.async_api import expect

    password = demo_password(live_server, CITIZEN)
    phone, tablet = await new_page(), await new_page()
    for page in (phone, tablet):
        await install_app(page)
        await sign_in(page, CITIZEN, password)

    await phone.goto("/#/")
    await phone.get_by_role("button", name="Đăng ký khai sinh").click()
    await phone.locator('[id="f-child.full_name"]').fill("Phạm Gia Bảo")
    await phone.locator('[id="f-child.full_name"]').blur()
    dossier_id = phone.url.split("/ho-so/")[1].split("?")[0]
    await phone.goto("/#/")
    await expect(phone.get_by_test_id("syncbar")).to_have_attribute(
        "data-pending", "0", timeout=30_000
    )

    async def named():
        row = await dossier_row(live_server, dossier_id)
        return row if row and "Phạm Gia Bảo" in row["fields"] else None

    assert await eventually(named)

    # The tablet holds the draft after its next pull.
    await open_app(tablet)
    await expect(
        tablet.locator("section", has=tablet.get_by_role("heading", name="Bản nháp", exact=True))
    ).to_contain_text("Phạm Gia Bảo", timeout=30_000)

    # Deleted on the phone, synced: the button is there although the server holds it.
    await phone.goto(f"/#/ho-so/{dossier_id}")
    phone.once("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
    await phone.get_by_role("button", name="Xóa bản nháp").click()
    await expect(phone.locator("body")).not_to_contain_text("Phạm Gia Bảo")
    await expect(phone.get_by_test_id("syncbar")).to_have_attribute(
        "data-pending", "0", timeout=30_000
    )

    async def deleted():
        row = await dossier_row(live_server, dossier_id)
        return row if row and row["deleted_at"] is not None else None

    row = await eventually(deleted)
    assert row and json.loads(row["fields"]) == {} and row["state"] == 0, await dossier_row(
        live_server, dossier_id
    )

    # The tablet drops it on its next pull.
    await open_app(tablet)
    await expect(tablet.get_by_test_id("syncbar")).to_have_attribute(
        "data-pending", "0", timeout=30_000
    )
    await expect(tablet.locator("body")).not_to_contain_text("Phạm Gia Bảo", timeout=30_000)
    await tablet.goto(f"/#/ho-so/{dossier_id}")
    await expect(tablet.locator("main")).to_contain_text("Không tìm thấy hồ sơ trên máy này.")
    await artifacts.screenshot(tablet, "tablet-after-delete")
