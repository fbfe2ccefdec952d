"""One phone, several people: what one person leaves by signing out is nothing the next
one can see or lose by. A sync pass still on its way when a person signs out (a slow
link) must not write their dossiers back, nor have its late answer taken for what the
next person queued; a session left on the server by a sign-out made offline must not
let the next person back into it."""

from __future__ import annotations

import asyncio

from playwright.async_api import expect

from harness.app_pages import (
    answer_the_sign_in_question,
    app_ready,
    install_app,
    open_app,
    sign_in,
    submit_sign_in,
)
from harness.holding_link import HoldingLink
from harness.samples import photo_jpeg
from tests.e2e.test_pwa_offline import CITIZEN, OUTREACH, demo_password, demo_passwords
from tests.e2e.test_take_back import dossier_row

# What this install holds, read in the page: the dossiers, the outbox and the meta keys.
HELD = """async () => new Promise((resolve, reject) => {
  const open = indexedDB.open('motcua');
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const db = open.result;
    const tx = db.transaction(['dossiers', 'outbox', 'meta']);
    const out = {};
    const read = (name, request) => new Promise((done) => { request.onsuccess = () => { out[name] = request.result; done(); }; });
    Promise.all([
      read('dossiers', tx.objectStore('dossiers').getAll()),
      read('outbox', tx.objectStore('outbox').getAll()),
      read('meta', tx.objectStore('meta').getAllKeys()),
    ]).then(() => { db.close(); resolve(out); });
  };
})"""


# The email of the account this install's device belongs to, read in the page.
DEVICE_ACCOUNT = """async () => new Promise((resolve, reject) => {
  const open = indexedDB.open('motcua');
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const get = open.result.transaction('meta').objectStore('meta').get('device');
    get.onsuccess = () => { open.result.close(); resolve(get.result ? get.result.email : null); };
  };
})"""


async def _held(page) -> dict:
    return await page.evaluate(HELD)


async def _signed_in(
    new_page, live_server, link: HoldingLink | None = None, accept_dialogs: bool = False
):
    """A page of the installed app (reaching the server through `link` if given), the
    demo citizen signed in and everything synced."""
    page = await new_page(link.url if link else None)
    if accept_dialogs:
        page.on("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
    await install_app(page)
    await sign_in(page, CITIZEN, demo_password(live_server, CITIZEN))
    await expect(page.get_by_test_id("syncbar")).to_have_attribute(
        "data-pending", "0", timeout=30_000
    )
    return page


async def _sign_out(page) -> None:
    await page.goto("/#/tai-khoan")
    await page.get_by_role("button", name="Đăng xuất", exact=True).click()
    await expect(page.locator("#signin-email")).to_be_visible(timeout=15_000)


async def test_a_pull_still_on_its_way_at_sign_out_writes_nothing_back(
    new_page, live_server, link
) -> None:
    page = await new_page(link.url)
    await install_app(page)
    pull = link.hold("/api/sync/pull", "GET")
    await sign_in(page, CITIZEN, demo_password(live_server, CITIZEN))
    await asyncio.wait_for(pull.reached.wait(), 15)

    await _sign_out(page)
    pull.release()
    await page.wait_for_timeout(2_000)  # the answer, had it been taken, is stored by now

    held = await _held(page)
    assert held["dossiers"] == [], [d["id"] for d in held["dossiers"]]
    assert "device" not in held["meta"], held["meta"]
    await page.reload()
    await app_ready(page)
    await expect(page.locator('a.dossier-item[href^="#/ho-so/"]')).to_have_count(0)


async def test_a_late_push_answer_takes_nothing_the_next_person_queued(
    new_page, live_server, link
) -> None:
    page = await _signed_in(new_page, live_server, link, accept_dialogs=True)

    # The first person's change, queued offline, goes out on a slow link.
    await page.context.set_offline(True)
    await _new_birth_draft(page, "Con người trước")
    push = link.hold("/api/sync/push", "POST")
    await page.context.set_offline(False)
    await page.evaluate("() => window.dispatchEvent(new Event('online'))")
    await asyncio.wait_for(push.reached.wait(), 20)

    # They sign out (and let the unsent change go); the next person drafts, signed out.
    await _sign_out(page)
    theirs = await _new_birth_draft(page, "Con người sau")
    push.release()
    await page.wait_for_timeout(2_000)

    held = await _held(page)
    assert [d["id"] for d in held["dossiers"]] == [theirs]
    queued = [i for i in held["outbox"] if i["status"] == "pending"]
    assert queued and {i["dossier_id"] for i in queued} == {theirs}, held["outbox"]


async def _new_birth_draft(page, child: str) -> str:
    await page.goto("/#/")
    await page.get_by_role("button", name="Đăng ký khai sinh").click()
    await expect(page.locator("form.draft h1")).to_have_text("Đăng ký khai sinh")
    dossier_id = page.url.split("/ho-so/")[1].split("?")[0]
    field = page.locator('[id="f-child.full_name"]')
    await field.fill(child)
    await field.blur()
    await expect(page.get_by_test_id("syncbar")).not_to_have_attribute("data-pending", "0")
    return dossier_id


async def test_a_sign_out_made_offline_leaves_no_session_for_the_next_person(
    new_page, live_server
) -> None:
    page = await _signed_in(new_page, live_server)
    await page.context.set_offline(True)
    await _sign_out(page)
    await page.context.set_offline(False)
    await page.evaluate("() => window.dispatchEvent(new Event('online'))")

    # The server's session ends once the network is back...
    session = "() => fetch('/api/auth/session', {credentials: 'same-origin'}).then((r) => r.status)"
    for _ in range(60):
        if await page.evaluate(session) == 401:
            break
        await page.wait_for_timeout(250)
    assert await page.evaluate(session) == 401
    # ...and an address claiming a finished e-ID sign-in signs nobody in that the
    # person holding the phone did not start.
    await page.goto("/#/?oidc=signed_in")
    await page.wait_for_timeout(1_500)
    await page.goto("/#/tai-khoan")
    await expect(page.locator("#signin-email")).to_be_visible()
    assert "device" not in (await _held(page))["meta"]


async def test_an_e_id_return_this_browser_did_not_start_adopts_no_session(
    new_page, live_server
) -> None:
    """A session the browser holds (its cookie) becomes this install's account only
    through a sign-in started here: a link ending in `?oidc=signed_in` is no sign-in."""
    page = await new_page()
    await install_app(page)
    password = demo_password(live_server, CITIZEN)
    # A session made beside the app (as a sign-in in another tab, long ago, would).
    made = await page.evaluate(
        """async ([email, password]) => (await fetch('/api/auth/login', {method: 'POST',
             headers: {'Content-Type': 'application/json'},
             body: JSON.stringify({email, password})})).status""",
        [CITIZEN, password],
    )
    assert made == 200
    await page.goto("/#/?oidc=signed_in")
    await page.wait_for_timeout(1_500)
    await page.goto("/#/tai-khoan")
    await expect(page.locator("#signin-email")).to_be_visible()
    assert "device" not in (await _held(page))["meta"]


# A change the server refused, as the outbox keeps it: on this phone only.
REFUSED = """async ([dossierId]) => new Promise((resolve, reject) => {
  const open = indexedDB.open('motcua');
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const db = open.result;
    const tx = db.transaction(['outbox'], 'readwrite');
    tx.objectStore('outbox').put({
      seq: -7, id: '01900000-0000-7000-8000-0000000000aa', dossier_id: dossierId, kind: 'edit_draft',
      payload: {changes: {'child.full_name': 'Tên bị từ chối'}}, base_version: 1,
      client_time: new Date().toISOString(), status: 'rejected', sent: true,
      reasons: [{code: 'too_long', path: 'payload.changes.child.full_name', message: 'too long'}],
      rejected_at: new Date().toISOString(),
    });
    tx.oncomplete = () => { db.close(); resolve(true); };
  };
})"""


async def test_sign_out_says_what_only_this_phone_holds_and_asks_first(
    new_page, live_server
) -> None:
    """A change the server refused is kept on the phone for the person to see and mend;
    signing out deletes it, so the sign-out says so and asks, as it does for changes
    not sent yet."""
    page = await new_page()
    await install_app(page)
    await sign_in(page, CITIZEN, demo_password(live_server, CITIZEN))
    dossier = await _new_birth_draft(page, "Con được giữ")
    await expect(page.get_by_test_id("syncbar")).to_have_attribute(
        "data-pending", "0", timeout=30_000
    )
    await page.evaluate(REFUSED, [dossier])
    await page.reload()
    await app_ready(page)

    await page.goto("/#/tai-khoan")
    await expect(page.locator(".card .warning")).to_contain_text("từ chối")
    asked: list[str] = []

    async def decline(dialog) -> None:
        asked.append(dialog.message)
        await dialog.dismiss()

    page.on("dialog", decline)
    await page.get_by_role("button", name="Đăng xuất", exact=True).click()
    await page.wait_for_timeout(500)
    assert asked, "signed out with no question"
    await expect(page.get_by_role("heading", name="Đăng xuất khỏi máy này")).to_be_visible()
    assert [i for i in (await _held(page))["outbox"] if i["status"] == "rejected"]


async def test_what_was_typed_just_before_the_page_went_is_kept(new_page) -> None:
    """The form saves after a pause in typing; a reload or a closed tab right after the
    last key (pull-to-refresh on a phone) must not lose the word typed."""
    page = await new_page()
    await install_app(page)
    dossier = await _new_birth_draft(page, "Con đầu")
    for i, leave in enumerate(("reload", "close", "away")):
        typed = f"Làng thứ {i} đã gõ"
        await page.goto(f"/#/ho-so/{dossier}")
        field = page.locator('[id="f-child.hometown"]')
        await field.click()
        await field.press("Control+a")
        await page.keyboard.type(typed, delay=10)
        if leave == "reload":
            await page.reload()
        elif leave == "close":
            context = page.context
            await page.close(run_before_unload=True)
            page = await context.new_page()
            await page.goto("/")
        else:
            await page.goto("about:blank")
            await page.goto("/")
        await app_ready(page)
        await page.goto(f"/#/ho-so/{dossier}")
        await expect(page.locator('[id="f-child.hometown"]')).to_have_value(typed)


async def test_a_file_upload_on_its_way_does_not_hold_the_sign_out(
    new_page, live_server, link
) -> None:
    """A photo going up on a slow link is cut short by a sign-out (it resumes for its
    owner at their next sign-in): the phone is handed over at once, not when the
    upload ends."""
    page = await _signed_in(new_page, live_server, link, accept_dialogs=True)
    upload = link.hold("/api/uploads")
    await page.goto("/#/")
    await page.get_by_role("button", name="Đăng ký khai sinh").click()
    await expect(page.locator("form.draft h1")).to_have_text("Đăng ký khai sinh")
    await page.locator('[id="f-attachments.birth_certificate"]').set_input_files(
        {"name": "giay-chung-sinh.jpg", "mimeType": "image/jpeg", "buffer": photo_jpeg()}
    )
    await page.evaluate("() => window.dispatchEvent(new Event('online'))")
    await asyncio.wait_for(upload.reached.wait(), 30)

    await _sign_out(page)  # the sign-in form within its 15 s, the upload still held
    held = await _held(page)
    assert held["dossiers"] == [] and "device" not in held["meta"]
    upload.release()


async def test_drafts_typed_signed_out_join_an_account_only_if_the_person_says_so(
    new_page, live_server
) -> None:
    """Someone drafts a birth on a phone nobody is signed in to; the next person to sign
    in is asked before those drafts go into their account. Declined, they are not signed
    in and the drafts stay on the phone, on no server; accepted, the drafts go up."""
    page = await new_page()
    await install_app(page)
    drafted = await _new_birth_draft(page, "Con của người soạn trước")
    password = demo_password(live_server, CITIZEN)
    declined = answer_the_sign_in_question(page, yes=False)
    await submit_sign_in(page, CITIZEN, password)
    await expect(page.get_by_role("alert")).to_contain_text("Chưa đăng nhập", timeout=15_000)
    assert len(declined) == 1 and "1 hồ sơ" in declined[0] and CITIZEN in declined[0]
    held = await _held(page)
    assert [d["id"] for d in held["dossiers"]] == [drafted] and "device" not in held["meta"]
    assert await page.evaluate("async () => (await fetch('/api/me')).status") == 401
    await page.wait_for_timeout(1_000)
    assert await dossier_row(live_server, drafted) is None

    await sign_in(page, CITIZEN, password, adopt_drafts=True)
    await expect(page.get_by_test_id("syncbar")).to_have_attribute(
        "data-pending", "0", timeout=30_000
    )
    row = await dossier_row(live_server, drafted)
    assert row is not None and row["state"] == 0, row


async def test_a_photo_left_by_a_draft_deleted_signed_out_is_asked_about_too(
    new_page, live_server, link
) -> None:
    """A draft's photo outlives the draft deleted on a phone nobody is signed in to
    (unsent files wait in the phone's store): the next sign-in asks about it as well,
    and declined, nothing of it goes to the server."""
    page = await new_page(link.url)
    await install_app(page)
    await _new_birth_draft(page, "Con có ảnh giấy tờ")
    await page.locator('[id="f-attachments.birth_certificate"]').set_input_files(
        {"name": "cccd.jpg", "mimeType": "image/jpeg", "buffer": photo_jpeg()}
    )
    await expect(page.locator(".thumb img")).to_have_count(1, timeout=15_000)
    page.once("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
    await page.get_by_role("button", name="Xóa bản nháp").click()
    await expect(page.locator("form.draft")).to_have_count(0)
    uploads = link.hold("/api/uploads")  # any upload would show here
    answer_the_sign_in_question(page, yes=False)

    await submit_sign_in(page, CITIZEN, demo_password(live_server, CITIZEN))
    await expect(page.get_by_role("alert")).to_contain_text("1 tệp đính kèm", timeout=15_000)
    await page.wait_for_timeout(2_000)
    assert not uploads.reached.is_set()
    assert await page.evaluate("async () => (await fetch('/api/me')).status") == 401


async def test_a_sign_in_answered_after_another_window_signed_someone_in_is_refused(
    new_page, live_server
) -> None:
    """Two windows of the app on one phone, a draft typed signed out. One window's
    sign-in waits on its question while the other signs another person in; answered
    afterwards, the first must not take the install over from them (their queued work
    would be renumbered under its device and sent to its account)."""
    citizen, official = demo_passwords(live_server, CITIZEN, OUTREACH)
    first = await new_page()
    await install_app(first)
    await _new_birth_draft(first, "Con trong cửa sổ thứ nhất")
    asked: list = []
    first.once("dialog", lambda dialog: asked.append(dialog))  # left open meanwhile
    await submit_sign_in(first, CITIZEN, citizen)
    for _ in range(150):
        if asked:
            break
        await asyncio.sleep(0.1)
    assert len(asked) == 1, "the sign-in asked nothing"

    second = await first.context.new_page()
    await open_app(second)
    await sign_in(second, OUTREACH, official, adopt_drafts=True)
    await asked[0].accept()

    await expect(first.get_by_role("alert")).to_contain_text("cửa sổ khác", timeout=15_000)
    device = await first.evaluate(DEVICE_ACCOUNT)
    assert device == OUTREACH, device
