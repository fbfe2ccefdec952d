"""A field the birth form fills from the requester can be emptied: in real Chromium, the
mother's residence taken from the requester's is cleared, and after a sync and a reload
it is still empty on screen, in IndexedDB and on the server (not the requester's again),
and the form says it is required."""

from __future__ import annotations

from harness.app_pages import app_ready, install_app, sign_in
from tests.e2e.test_device_revoked import answers_on_server
from tests.e2e.test_pwa_offline import CITIZEN, demo_password

RESIDENCE = "Số 5 phố Hàng Bạc, phường Hoàn Kiếm, Hà Nội"

# The dossier's answer at `path` as the app stored it in IndexedDB ("absent" when none).
STORED_ANSWER = """([id, path]) => new Promise((resolve) => {
  const open = indexedDB.open('motcua');
  open.onsuccess = () => {
    const r = open.result.transaction('dossiers').objectStore('dossiers').get(id);
    r.onsuccess = () => {
      open.result.close();
      const answers = r.result ? r.result.answers : {};
      resolve(path in answers ? answers[path] : 'absent');
    };
  };
})"""

# True once no queued change waits for the server (all of them pushed and confirmed).
NOTHING_PENDING = """() => new Promise((resolve) => {
  const open = indexedDB.open('motcua');
  open.onsuccess = () => {
    const r = open.result.transaction('outbox').objectStore('outbox').getAll();
    r.onsuccess = () => {
      open.result.close();
      resolve(r.result.every((item) => item.status !== 'pending'));
    };
  };
})"""


async def stored_answer(page, dossier_id: str, path: str):
    return await page.evaluate(STORED_ANSWER, [dossier_id, path])


async def test_a_field_filled_from_the_requester_can_be_emptied_for_good(
    live_server, new_page, artifacts
):
    from playwright.async_api import expect

    password = demo_password(live_server, CITIZEN)
    page = await new_page()
    await install_app(page)
    await sign_in(page, CITIZEN, password)

    await page.goto("/#/")
    await page.get_by_role("button", name="Đăng ký khai sinh").click()
    await expect(page.locator("form.draft h1")).to_have_text("Đăng ký khai sinh")
    dossier_id = page.url.split("/ho-so/")[1].split("?")[0]
    f = lambda path: page.locator(f'[id="f-{path}"]')  # noqa: E731 - ids hold dots

    # The mother asks: her name, ID and residence fill the mother's section.
    await f("requester.full_name").fill("Trần Thị Mai")
    await f("requester.id_number").fill("001190012345")
    await f("requester.residence").fill(RESIDENCE)
    await page.check('input[name="requester.relationship"][value="me"]')
    residence = f("mother.residence")
    await expect(residence).to_have_value(RESIDENCE)
    field = page.locator(".field", has=residence)
    await expect(field.locator(".hint.filled")).to_have_text(
        "Lấy từ thông tin người yêu cầu; sửa hoặc xóa nếu khác."
    )
    await artifacts.screenshot(page, "pre-filled")

    # She empties it (she lives elsewhere, to be written later): it stays empty.
    await residence.fill("")
    await residence.blur()
    await expect(residence).to_have_value("")
    await expect(field.locator(".hint.filled")).to_have_count(0)
    await expect(field.locator(".error")).to_have_text("Vui lòng nhập thông tin này.")
    await page.wait_for_function(
        f"() => ({STORED_ANSWER})(['{dossier_id}', 'mother.residence']).then((v) => v === '')",
        polling=100,
    )
    await page.wait_for_function(NOTHING_PENDING, timeout=30_000, polling=250)
    await expect(page.get_by_test_id("syncbar")).to_have_attribute(
        "data-pending", "0", timeout=30_000
    )
    await artifacts.screenshot(page, "emptied")

    # After a reload: still empty on screen and in IndexedDB, and the other filled fields still filled.
    await page.reload()
    await app_ready(page)
    await expect(f("mother.full_name")).to_have_value("Trần Thị Mai")
    await expect(residence).to_have_value("")
    await expect(field.locator(".hint.filled")).to_have_count(0)
    assert await stored_answer(page, dossier_id, "mother.residence") == ""

    # On the server: the person's empty answer, which its validation reads as "required".
    fields = answers_on_server(live_server, CITIZEN, password, dossier_id)
    assert fields.get("mother.residence") == "", fields
    assert fields["requester.residence"] == RESIDENCE
