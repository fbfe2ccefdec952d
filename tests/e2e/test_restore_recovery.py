"""A server restored from last night's backup, in real Chromium against a real server
(sync/README.md §9): the phone had synced an edit and submitted a dossier after the
backup; the restore forgot both. Back in touch with the server, the phone notices by
itself (a push answered 409 recover_first), puts back the photo by its seal and what
it holds, pushes what waited and pulls from the start, with nothing asked of the person:
afterwards the edit and the dossier, with the code the phone was given, are on the
server again, and the sync page says so in plain words."""

from __future__ import annotations

import json

from harness.app_pages import CODE_SHOWN, install_app, page_today, sign_in
from tests.e2e.test_device_revoked import type_fields
from tests.e2e.test_pwa_offline import CITIZEN, demo_password, fill_birth_form
from tests.e2e.test_take_back import dossier_row, eventually

BEFORE_BACKUP = {"requester.full_name": "Trần Thị Mai", "child.full_name": "Nguyễn Minh Khang"}
AFTER_BACKUP = {"child.hometown": "Thôn Đông, xã Yên Sở"}
WHILE_RESTORING = {"child.birth_place": "Bệnh viện Phụ sản Hà Nội"}


def fields_of(row: dict | None) -> dict:
    fields = (row or {}).get("fields") or {}
    return json.loads(fields) if isinstance(fields, str) else fields


async def test_a_phone_puts_back_by_itself_what_a_restored_server_lost(
    live_server, new_page, artifacts, tmp_path
):
    from playwright.async_api import expect

    page = await new_page()
    await install_app(page)
    await sign_in(page, CITIZEN, demo_password(live_server, CITIZEN))
    syncbar = page.get_by_test_id("syncbar")

    # A draft, synced before last night's backup.
    await page.goto("/#/")
    await page.get_by_role("button", name="Đăng ký khai sinh").click()
    await expect(page.locator("form.draft h1")).to_have_text("Đăng ký khai sinh")
    draft_id = page.url.split("/ho-so/")[1].split("?")[0]
    await type_fields(page, BEFORE_BACKUP)
    await expect(syncbar).to_have_attribute("data-pending", "0", timeout=30_000)
    await eventually(lambda: _holds(live_server, draft_id, BEFORE_BACKUP))
    backup = tmp_path / "backup"
    live_server.motcua("backup", str(backup))

    # After the backup: an edit synced, and a dossier submitted with a photo and given its code.
    await page.goto(f"/#/ho-so/{draft_id}")
    await type_fields(page, AFTER_BACKUP)
    await expect(syncbar).to_have_attribute("data-pending", "0", timeout=30_000)
    await page.goto("/#/")
    await page.get_by_role("button", name="Đăng ký khai sinh").click()
    await expect(page.locator("form.draft h1")).to_have_text("Đăng ký khai sinh")
    submitted_id = page.url.split("/ho-so/")[1].split("?")[0]
    await fill_birth_form(page, await page_today(page))
    await expect(page.locator(".thumb img")).to_have_count(1, timeout=15_000)
    await page.get_by_role("button", name="Tiếp tục").click()
    await expect(page.locator(".error-box")).to_have_count(0)
    await page.locator(".promise input").check()
    await page.get_by_role("button", name="Nộp hồ sơ").click()
    shown = page.get_by_test_id("dossier-code")
    await expect(shown).to_have_text(CODE_SHOWN, timeout=30_000)
    code = (await shown.text_content()).replace(" ", "")
    await expect(syncbar).to_have_attribute("data-pending", "0", timeout=30_000)
    await eventually(lambda: _holds(live_server, draft_id, AFTER_BACKUP))

    # The phone loses its signal; meanwhile the server is restored from the backup, and
    # one more change waits on the phone.
    await page.context.set_offline(True)
    live_server.stop()
    out = live_server.motcua("restore", str(backup)).stdout
    assert "restored: generation 2" in out, out
    live_server.start()
    assert (await dossier_row(live_server, submitted_id)) is None  # the restore forgot it
    assert AFTER_BACKUP.keys().isdisjoint(fields_of(await dossier_row(live_server, draft_id)))
    await page.goto(f"/#/ho-so/{draft_id}")
    await type_fields(page, WHILE_RESTORING)
    await expect(syncbar).not_to_have_attribute("data-pending", "0")

    # Back in touch: no one does anything, and everything comes back.
    await page.context.set_offline(False)
    await expect(syncbar).to_have_attribute("data-recovering", "false", timeout=60_000)
    await expect(syncbar).to_have_attribute("data-pending", "0", timeout=60_000)
    await eventually(
        lambda: _holds(live_server, draft_id, {**BEFORE_BACKUP, **AFTER_BACKUP, **WHILE_RESTORING})
    )
    row = await dossier_row(live_server, submitted_id)
    assert row is not None and row["code"] == code and row["state"] == 1, row
    assert fields_of(row)["child.full_name"] == "Nguyễn Minh Khang"
    # It was the push that told the phone (409 recover_first); the photo came back by its
    # seal from the blob store, its bytes not sent again.
    restarted = live_server.log().split("motcua: serving on")[-1]
    # (the server's access lines: one JSON object a line, "METHOD route status")
    assert '"message":"POST /api/sync/push 409"' in restarted, restarted
    assert '"message":"POST /api/sync/recover 200"' in restarted, restarted
    assert "/api/uploads" not in restarted, restarted

    await page.goto("/#/dong-bo")
    recovered = page.get_by_test_id("recovered")
    await expect(recovered).to_contain_text("Máy chủ đã được khôi phục từ bản sao lưu")
    await expect(recovered).to_contain_text("ứng dụng đã tự gửi lại 2 hồ sơ của bạn")
    await expect(page.get_by_test_id("put-back-refused")).to_have_count(0)
    await artifacts.screenshot(page, "sync-page-after-recovery")
    await page.goto(f"/#/ho-so/{submitted_id}")
    await expect(page.get_by_test_id("dossier-code")).to_have_text(CODE_SHOWN)
    await expect(page.locator(".status .state")).to_have_text("Mới đăng ký")
    await artifacts.screenshot(page, "submitted-dossier-after-recovery")


async def _holds(live_server, dossier_id: str, want: dict) -> bool:
    fields = fields_of(await dossier_row(live_server, dossier_id))
    return all(fields.get(path) == value for path, value in want.items())
