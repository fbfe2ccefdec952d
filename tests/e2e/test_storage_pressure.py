"""A phone short of space, in real Chromium: the origin's quota is lowered over CDP
(Storage.overrideQuotaForOrigin), so IndexedDB refuses writes with QuotaExceededError
as it does on a full phone. A photo that does not fit is refused whole with a clear
message (no file stored, no attach queued, the dossier unchanged); a field typed on a
full device stays on screen and is saved once there is room. The browser has not
granted persistent storage (a fresh headless profile), so once something exists only
on the device the home page says what, with a way to send it; before that, nothing."""

from __future__ import annotations

import json

from harness.app_pages import install_app, sign_in
from harness.samples import photo_jpeg
from tests.e2e.test_pwa_offline import demo_password

CITIZEN = "congdan@demo.example"
BIRTH_CERTIFICATE = "attachments.birth_certificate"

# The app's stores as the page holds them: the dossiers, the outbox, the files' hashes
# and, for each file, whether the phone holds its bytes and the server's seal.
SNAPSHOT = """() => new Promise((resolve, reject) => {
  const open = indexedDB.open('motcua');
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const db = open.result;
    const tx = db.transaction(['dossiers', 'outbox', 'blobs']);
    const out = {};
    const dossiers = tx.objectStore('dossiers').getAll();
    dossiers.onsuccess = () => { out.dossiers = dossiers.result; };
    const outbox = tx.objectStore('outbox').getAll();
    outbox.onsuccess = () => { out.outbox = outbox.result; };
    const blobs = tx.objectStore('blobs').getAll();
    blobs.onsuccess = () => {
      out.blobs = blobs.result.map((b) => b.sha256);
      out.files = blobs.result.map((b) => ({ sha256: b.sha256, bytes: !!b.blob, sealed: !!b.seal, uploaded: b.uploaded }));
    };
    tx.oncomplete = () => { db.close(); resolve(out); };
  };
})"""

USAGE = "async () => (await navigator.storage.estimate()).usage"

# IndexedDB lets writes through for up to 30 s on the room it last learned of
# (Chromium's BucketContext::kBucketSpaceCacheTimeLimit), asking the quota again only
# for a write bigger than that. So the origin starts with a modest quota (whatever it
# learns is at most this much) and each change of quota is followed by a write bigger
# than it, to a database of its own, which makes IndexedDB ask: refused once the quota
# is low, as the app's next write will be.
START_QUOTA = 16 * 1024 * 1024
PROBE = """(bytes) => new Promise((resolve, reject) => {
  const open = indexedDB.open('quota-probe');
  open.onupgradeneeded = () => open.result.createObjectStore('probe');
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const db = open.result;
    const tx = db.transaction('probe', 'readwrite');
    tx.objectStore('probe').put(new Blob([new Uint8Array(bytes).map((_, i) => (i * 7919) % 251)]), 'x');
    tx.oncomplete = () => { db.close(); resolve('stored'); };
    tx.onabort = () => { db.close(); resolve(tx.error && tx.error.name); };
  };
})"""


def field(page, path: str):
    return page.locator(f'[id="f-{path}"]')


async def snapshot(page) -> dict:
    return await page.evaluate(SNAPSHOT)


async def saved_answer(page, path: str):
    [dossier] = (await snapshot(page))["dossiers"]
    return dossier["answers"].get(path)


async def wait_saved(page, path: str, value) -> None:
    """Waits until the dossier stored on the device holds `value` at `path`."""
    await page.wait_for_function(
        f"""async () => {{
          const s = await ({SNAPSHOT})();
          return s.dossiers.length === 1 && JSON.stringify(s.dossiers[0].answers[{json.dumps(path)}]) === {json.dumps(json.dumps(value, ensure_ascii=False, separators=(",", ":")))};
        }}""",
        polling=200,
        timeout=15_000,
    )


async def quota_session(page, live_server):
    """A CDP session on `page` with the origin's quota at START_QUOTA, before any visit."""
    cdp = await page.context.new_cdp_session(page)
    await cdp.send(
        "Storage.overrideQuotaForOrigin", {"origin": live_server.base_url, "quotaSize": START_QUOTA}
    )
    return cdp


async def set_quota(page, cdp, live_server, room: int | None) -> None:
    """Leaves `room` bytes of quota beyond what the origin uses now; None: START_QUOTA again."""
    usage = await page.evaluate(USAGE)
    quota = START_QUOTA if room is None else usage + room
    await cdp.send(
        "Storage.overrideQuotaForOrigin", {"origin": live_server.base_url, "quotaSize": quota}
    )
    probe = await page.evaluate(PROBE, START_QUOTA + 1024 * 1024)
    assert probe == "QuotaExceededError", probe


async def a_draft_with_a_name(page) -> None:
    from playwright.async_api import expect

    await page.get_by_role("button", name="Đăng ký khai sinh").click()
    await expect(page.locator("form.draft h1")).to_have_text("Đăng ký khai sinh")
    await field(page, "child.full_name").fill("Nguyễn Minh Khang")
    await field(page, "child.full_name").blur()
    await wait_saved(page, "child.full_name", "Nguyễn Minh Khang")


async def test_a_photo_that_does_not_fit_is_refused_whole_and_the_dossier_is_unchanged(
    live_server, new_page, artifacts
):
    from playwright.async_api import expect

    password = demo_password(live_server, CITIZEN)
    page = await new_page()
    cdp = await quota_session(page, live_server)
    await install_app(page)
    # A fresh profile: the browser has not granted persistent storage, and nothing is
    # saved yet, so nothing is said about losing it.
    assert await page.evaluate("navigator.storage.persisted()") is False
    await expect(page.get_by_role("button", name="Đăng ký khai sinh")).to_be_visible()
    await expect(page.get_by_test_id("at-risk")).to_have_count(0)
    assert "Trình duyệt có thể xóa" not in await page.locator("body").inner_text()

    await a_draft_with_a_name(page)
    before = await snapshot(page)
    assert before["blobs"] == [] and [i["kind"] for i in before["outbox"]] == ["create_draft"], (
        before
    )

    await set_quota(page, cdp, live_server, 10_000)  # a compressed photo is far bigger
    await field(page, BIRTH_CERTIFICATE).set_input_files(
        {"name": "giay-chung-sinh.jpg", "mimeType": "image/jpeg", "buffer": photo_jpeg()}
    )
    message = page.locator(".attachments .error")
    await expect(message).to_contain_text(
        "Máy đã hết chỗ lưu trữ: chưa lưu được tệp “giay-chung-sinh.jpg” nên tệp chưa được đính kèm vào hồ sơ.",
        timeout=15_000,
    )
    await expect(message).to_contain_text("giải phóng bộ nhớ")
    await artifacts.screenshot(page, "photo-refused-storage-full")

    # Nothing half-written: no file, no attach queued, the dossier as it was.
    after = await snapshot(page)
    assert after == before, (before, after)
    await expect(page.locator(".thumb")).to_have_count(0)

    # Room again: the same photo goes in, file and attach together.
    await set_quota(page, cdp, live_server, None)
    await field(page, BIRTH_CERTIFICATE).set_input_files(
        {"name": "giay-chung-sinh.jpg", "mimeType": "image/jpeg", "buffer": photo_jpeg()}
    )
    await expect(page.locator(".thumb img")).to_have_count(1, timeout=15_000)
    await expect(message).to_have_count(0)
    stored = await snapshot(page)
    [sha256] = stored["blobs"]
    assert stored["dossiers"][0]["answers"][BIRTH_CERTIFICATE] == [sha256]
    assert [i["kind"] for i in stored["outbox"]] == ["create_draft", "attach"], stored["outbox"]

    # Now something exists only here: the home page says what, plainly.
    await page.goto("/#/")
    note = page.get_by_test_id("at-risk")
    await expect(note).to_contain_text(
        "1 hồ sơ và 1 tệp đính kèm chưa gửi lên máy chủ – trình duyệt có thể xóa chúng khi máy đầy bộ nhớ."
    )
    await expect(note.get_by_role("link", name="Đăng nhập để gửi")).to_be_visible()
    await artifacts.screenshot(page, "home-unsynced-at-risk")

    # Signed in, it is all sent; the photo stays on the phone until the person makes
    # room by removing the sent files, which works on a full phone too.
    await sign_in(page, CITIZEN, password, adopt_drafts=True)
    await page.goto("/#/dong-bo")
    free_space = page.get_by_test_id("free-space")
    await expect(free_space).to_contain_text(
        "1 tệp đã gửi lên máy chủ vẫn được giữ trên máy", timeout=30_000
    )
    await expect(page.get_by_test_id("at-risk-sync")).to_have_count(0)
    await set_quota(page, cdp, live_server, 0)
    await free_space.get_by_role("button", name="Xóa khỏi máy các tệp đã gửi").click()
    await expect(free_space.get_by_role("status")).to_contain_text("Đã xóa khỏi máy 1 tệp đã gửi")
    await artifacts.screenshot(page, "sent-files-removed")
    removed = await snapshot(page)
    # Only the bytes left: the file's hash and the server's seal stay, to put it back
    # after a restore (sync/README.md §9.2).
    assert removed["files"] == [
        {"sha256": sha256, "bytes": False, "sealed": True, "uploaded": True}
    ], removed["files"]
    assert removed["dossiers"][0]["answers"][BIRTH_CERTIFICATE] == [sha256]
    await page.goto(f"/#/ho-so/{removed['dossiers'][0]['id']}")
    await expect(page.locator(".thumb figcaption")).to_have_text("Không lưu trên máy này")


async def test_a_field_typed_on_a_full_device_stays_on_screen_and_is_saved_once_there_is_room(
    live_server, new_page, artifacts
):
    from playwright.async_api import expect

    password = demo_password(live_server, CITIZEN)
    page = await new_page()
    cdp = await quota_session(page, live_server)
    await install_app(page)
    await a_draft_with_a_name(page)

    await set_quota(page, cdp, live_server, 0)
    await field(page, "child.hometown").fill("Hà Nội")
    await field(page, "child.hometown").blur()
    alert = page.get_by_test_id("save-error")
    await expect(alert).to_contain_text(
        "Máy đã hết chỗ lưu trữ: chưa lưu được nội dung vừa nhập (Quê quán)."
    )
    await expect(alert).to_contain_text("Nội dung vẫn còn trên màn hình")
    await artifacts.screenshot(page, "draft-not-saved-storage-full")
    await expect(field(page, "child.hometown")).to_have_value("Hà Nội")
    assert await saved_answer(page, "child.hometown") is None
    # Continuing would leave the typed value behind: the form stays.
    await page.get_by_role("button", name="Tiếp tục").click()
    await expect(alert).to_be_visible()
    await expect(page.locator("form.draft")).to_be_visible()

    # Room again: the form saves it by itself, nothing typed is lost.
    await set_quota(page, cdp, live_server, None)
    await wait_saved(page, "child.hometown", "Hà Nội")
    await expect(alert).to_have_count(0)
    await expect(field(page, "child.hometown")).to_have_value("Hà Nội")
    [create] = (await snapshot(page))["outbox"]
    assert create["payload"]["fields"] == {
        "child.full_name": "Nguyễn Minh Khang",
        "child.hometown": "Hà Nội",
    }, create

    # Before signing in the home page says what is only here, and how to send it.
    await page.goto("/#/")
    note = page.get_by_test_id("at-risk")
    await expect(note).to_contain_text(
        "1 hồ sơ chưa gửi lên máy chủ – trình duyệt có thể xóa chúng khi máy đầy bộ nhớ."
    )
    await expect(note.get_by_role("link", name="Đăng nhập để gửi")).to_be_visible()

    # Signed in while the server cannot be reached: the note stays, with "sync now",
    # which sends it once the server answers again.
    await page.route("**/api/sync/**", lambda route: route.abort())
    await sign_in(page, CITIZEN, password, adopt_drafts=True)
    await page.goto("/#/")
    sync_now = note.get_by_role("button", name="Đồng bộ ngay")
    await expect(sync_now).to_be_enabled()
    await page.unroute("**/api/sync/**")
    await sync_now.click()
    await expect(note).to_have_count(0, timeout=20_000)
    assert [i for i in (await snapshot(page))["outbox"] if i["status"] == "pending"] == []
