"""The PWA in real Chromium against a real server: installed on a first visit online,
reopened with no network (served by its service worker), a whole birth dossier
drafted and submitted offline, then, back online and signed in, the dossier reaches
the server and comes back with its code. Screenshots of each screen are kept."""

from __future__ import annotations

import datetime as dt
import re

import httpx

from harness.app_pages import (
    CODE_SHOWN,
    answer_the_sign_in_question,
    app_ready,
    fill_outreach_birth,
    install_app,
    open_app,
    page_today,
    sign_in,
)
from harness.samples import photo_jpeg
from sync.codes import parse_code
from sync.forms.date_words import date_in_words

CITIZEN = "congdan@demo.example"


def demo_passwords(live_server, *emails: str) -> list[str]:
    """The passwords of demo accounts, from one `motcua demo` run (each run sets new ones)."""
    out = live_server.motcua("demo").stdout
    found = {}
    for line in out.splitlines():
        for email in emails:
            if email in line:
                found[email] = line.split("password", 1)[1].split()[0]
    if len(found) != len(emails):
        raise AssertionError(out)
    return [found[e] for e in emails]


def demo_password(live_server, email: str) -> str:
    return demo_passwords(live_server, email)[0]


async def captcha_answer(live_server, captcha_id: str) -> str:
    """The robot check's answer, read from the server's database (the tests' oracle)."""
    url = live_server.env["MOTCUA_DATABASE_URL"]
    if url.startswith("sqlite"):
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
            row = db.execute(
                "SELECT answer FROM captcha_challenge WHERE id = ?", (captcha_id,)
            ).fetchone()
        return row[0]
    import asyncpg

    connection = await asyncpg.connect(url)
    try:
        return await connection.fetchval(
            "SELECT answer FROM captcha_challenge WHERE id = $1::uuid", captcha_id
        )
    finally:
        await connection.close()


async def fill_birth_form(page, today: dt.date, *, words_by_hand: bool = False):
    """`words_by_hand`: an app of form-language level 1 has no date in words; type it."""
    from playwright.async_api import expect

    f = lambda path: page.locator(f'[id="f-{path}"]')  # noqa: E731 - ids hold dots
    await f("agency.province").select_option("01")
    await f("agency.commune").fill("hoan kiem")
    await page.get_by_role("option", name=re.compile("Phường Hoàn Kiếm")).click()
    await f("requester.full_name").fill("Trần Thị Mai")
    await f("requester.id_number").fill("001190012345")
    await f("requester.residence").fill("Số 5 phố Hàng Bạc, phường Hoàn Kiếm, Hà Nội")
    await page.check('input[name="requester.relationship"][value="me"]')
    await f("child.full_name").fill("Nguyễn Minh Khang")
    await page.check('input[name="child.sex"][value="male"]')
    born = today - dt.timedelta(days=10)
    await f("child.birth_date").fill(born.isoformat())
    if words_by_hand:
        await f("child.birth_date_words").fill(date_in_words(born))
    else:
        # As soon as the date is entered, the app writes it in words.
        await expect(f("child.birth_date_words")).to_have_value(date_in_words(born))
    await f("child.birth_place").fill("Bệnh viện Phụ sản Hà Nội")
    await page.check('input[name="child.birth_place_kind"][value="co_so_y_te"]')
    await f("child.hometown").fill("Hà Nội")
    await f("child.ethnicity").select_option("01")
    await f("child.nationality").select_option("VN")
    # The mother's name, ID and residence come from the requester (fill rule).
    await f("mother.birth_date").fill("1990-05-01")
    await f("mother.ethnicity").select_option("01")
    await f("mother.nationality").select_option("VN")
    await f("attachments.birth_certificate").set_input_files(
        {"name": "giay-chung-sinh.jpg", "mimeType": "image/jpeg", "buffer": photo_jpeg()}
    )
    await f("contact.phone").fill("0912 345 678")
    await f("contact.email").fill("mai@example.vn")
    await f("contact.email").blur()


async def test_birth_dossier_drafted_offline_gets_its_code_when_online(
    live_server, new_page, artifacts
):
    from playwright.async_api import expect

    password = demo_password(live_server, CITIZEN)
    page = await new_page()

    # First visit, online: the worker installs and the reference data is stored.
    await install_app(page)
    await artifacts.screenshot(page, "home-online")

    # Installable: Chromium finds nothing missing in the manifest, icons or worker
    # (a test's browser context is incognito, which Chromium names and nothing else).
    cdp = await page.context.new_cdp_session(page)
    installability = await cdp.send("Page.getInstallabilityErrors")
    errors = [
        e["errorId"]
        for e in installability["installabilityErrors"]
        if e["errorId"] != "in-incognito"
    ]
    assert errors == [], installability
    await cdp.detach()
    async with httpx.AsyncClient() as http:
        manifest = (await http.get(live_server.url("/manifest.webmanifest"))).json()
    assert manifest["name"] == "Một cửa – Hộ tịch" and manifest["lang"] == "vi"

    # Vietnamese by default, English on request.
    await page.get_by_role("button", name="Switch to English").click()
    await expect(page.get_by_role("link", name="Start a new dossier")).to_be_visible()
    await page.get_by_role("button", name="Chuyển sang tiếng Việt").click()
    await expect(page.get_by_role("link", name="Làm hồ sơ mới")).to_be_visible()

    await page.goto("/#/thu-tuc")
    await expect(page.get_by_role("link", name=re.compile("Đăng ký khai sinh"))).not_to_have_count(
        0
    )
    await artifacts.screenshot(page, "catalog")

    # No network at all: the app still opens, from the service worker.
    await page.context.set_offline(True)
    await page.goto("/#/")
    await page.reload()
    await app_ready(page)
    assert await page.evaluate("navigator.serviceWorker.controller !== null")
    assert await page.evaluate("navigator.onLine") is False
    await expect(page.locator(".offline-note")).to_be_visible()
    await artifacts.screenshot(page, "home-offline")

    # A whole birth dossier, drafted offline.
    await page.get_by_role("button", name="Đăng ký khai sinh").click()
    await expect(page.locator("form.draft h1")).to_have_text("Đăng ký khai sinh")
    today = await page_today(page)
    await fill_birth_form(page, today)
    await expect(page.locator(".thumb img")).to_have_count(1, timeout=15_000)
    await expect(page.locator('[id="f-mother.full_name"]')).to_have_value("Trần Thị Mai")
    await artifacts.screenshot(page, "draft-form")
    dossier_id = page.url.split("/ho-so/")[1].split("?")[0]

    # The photo was shrunk on the phone: longest side 1600 px, about 300 KB at most.
    stored = await page.evaluate("""() => new Promise((resolve) => {
      const open = indexedDB.open('motcua');
      open.onsuccess = () => {
        const r = open.result.transaction('blobs').objectStore('blobs').getAll();
        r.onsuccess = async () => {
          const b = r.result[0];
          const bitmap = await createImageBitmap(b.blob);
          resolve({size: b.size, type: b.type, width: bitmap.width, height: bitmap.height, sha256: b.sha256});
        };
      };
    })""")
    assert stored["type"] == "image/jpeg" and stored["size"] <= 310 * 1024, stored
    assert max(stored["width"], stored["height"]) <= 1600, stored

    await page.get_by_role("button", name="Tiếp tục").click()
    await expect(page.get_by_role("heading", name="Xem lại hồ sơ")).to_be_visible()
    await expect(page.locator(".error-box")).to_have_count(0)
    await page.locator(".promise input").check()
    await artifacts.screenshot(page, "review")
    await page.get_by_role("button", name="Nộp hồ sơ").click()
    await expect(page.locator(".status .state")).to_have_text("Đã nộp trên máy – chờ gửi đi")
    await expect(page.get_by_test_id("syncbar")).not_to_have_attribute("data-pending", "0")
    await artifacts.screenshot(page, "submitted-offline")

    # Reload while still offline: nothing is lost.
    await page.reload()
    await app_ready(page)
    await expect(page.locator(".status .state")).to_have_text("Đã nộp trên máy – chờ gửi đi")

    # Back online. Syncing waits for a sign-in, which asks whether the dossier typed
    # before it is the person's (yes); then everything goes and the code comes back.
    await page.context.set_offline(False)
    asked = answer_the_sign_in_question(page, yes=True)
    await page.goto("/#/tai-khoan")
    await page.locator("#signin-email").fill(CITIZEN)
    await page.locator("#signin-password").fill(password)
    await artifacts.screenshot(page, "sign-in")
    await page.get_by_role("button", name="Đăng nhập", exact=True).click()
    await expect(page.get_by_role("heading", name="Đăng xuất khỏi máy này")).to_be_visible(
        timeout=15_000
    )
    assert asked == [
        "Máy này có 1 hồ sơ và 1 tệp đính kèm được soạn khi chưa đăng nhập. Thêm vào tài "
        f'khoản {CITIZEN}?\n\nChọn "Hủy" nếu không phải của bạn: bạn sẽ chưa đăng nhập, '
        "và chúng vẫn ở trên máy cho người đã soạn."
    ], asked

    await page.goto(f"/#/ho-so/{dossier_id}")
    code = page.get_by_test_id("dossier-code")
    await expect(code).to_have_text(CODE_SHOWN, timeout=30_000)
    await expect(page.locator(".status .state")).to_have_text("Mới đăng ký")
    await expect(page.get_by_test_id("syncbar")).to_have_attribute("data-pending", "0")
    shown = (await code.text_content()).replace(" ", "")
    assert parse_code(shown) == shown and shown.startswith("00070")
    await artifacts.screenshot(page, "dossier-with-code")

    # The receipt carries the code and a QR to the public status.
    await page.goto(f"/#/bien-nhan/{dossier_id}")
    await expect(page.get_by_test_id("receipt-code")).to_have_text(CODE_SHOWN)
    await expect(page.get_by_test_id("qr").locator("svg")).to_have_count(1)
    await artifacts.screenshot(page, "receipt")

    # The public lookup checks the code on the device before asking anyone.
    typo = shown[:-1] + ("0" if shown[-1] != "0" else "1")
    await page.goto(f"/#/tra-cuu?code={typo}")
    await expect(page.locator(".error").first).to_contain_text("gõ sai")
    await page.goto(f"/#/tra-cuu?code={shown.lower()}")
    await expect(page.locator(".hint").first).to_contain_text("✓")
    await page.wait_for_load_state("networkidle")
    captcha_id = await page.locator("img[data-captcha-id]").get_attribute("data-captcha-id")
    await page.locator("#captcha-answer").fill(await captcha_answer(live_server, captcha_id))
    await page.get_by_role("button", name="Tra cứu", exact=True).click()
    result = page.get_by_test_id("lookup-result")
    await expect(result.locator(".state")).to_have_text("Mới đăng ký")
    await expect(result).to_contain_text("Hoàn Kiếm")
    await expect(result).not_to_contain_text("Nguyễn Minh Khang")  # no names in public
    await artifacts.screenshot(page, "lookup")


OUTREACH = "luudong@demo.example"


async def test_outreach_registers_births_offline_with_reserved_codes(
    live_server, new_page, artifacts
):
    from playwright.async_api import expect

    password = demo_password(live_server, OUTREACH)
    page = await new_page()
    await install_app(page)
    await sign_in(page, OUTREACH, password)

    # Codes reserved while online, for the official's commune.
    await page.goto("/#/luu-dong")
    await page.get_by_role("button", name=re.compile("Giữ trước 20 mã")).click()
    await expect(page.get_by_test_id("codes-left")).to_have_text("20")

    # In the village: no network.
    await page.context.set_offline(True)
    today = await page_today(page)
    receipts = []
    for i, (child, mother_id) in enumerate(
        [("Lò Thị Hoa", "014195012345"), ("Lò Thị Mai", "014195067890")]
    ):
        if i == 0:
            await page.get_by_role("button", name="Thêm trẻ mới").click()
        else:
            await page.get_by_role("link", name="Nhập trẻ tiếp theo").click()
        await expect(page.locator("form.draft h1")).to_contain_text("lưu động")
        await expect(page.locator(".picked")).to_contain_text("Hoàn Kiếm")
        await fill_outreach_birth(page, today, child, mother_id)
        await expect(page.locator(".thumb img")).to_have_count(1, timeout=15_000)
        if i == 0:
            await artifacts.screenshot(page, "outreach-form")
        await page.get_by_role("button", name="Tiếp tục").click()
        await expect(page.locator(".error-box")).to_have_count(0)
        await page.locator(".promise input").check()
        await page.get_by_role("button", name="Nộp hồ sơ").click()
        receipt = page.get_by_test_id("receipt-code")
        await expect(receipt).to_have_text(CODE_SHOWN)
        await expect(page.get_by_test_id("qr").locator("svg")).to_have_count(1)
        receipts.append((await receipt.text_content()).replace(" ", ""))
        await artifacts.screenshot(page, f"outreach-receipt-{i + 1}")
    assert len(set(receipts)) == 2 and all(
        parse_code(c) == c and c.startswith("00070") for c in receipts
    )

    # Back in signal: everything goes (the loop starts on `online`; the button is one tap
    # more), and the codes handed out in the village are the final ones.
    await page.goto("/#/luu-dong")
    await expect(page.get_by_test_id("codes-left")).to_have_text("18")
    await expect(page.get_by_role("button", name="Đồng bộ tất cả")).to_be_disabled()
    await artifacts.screenshot(page, "outreach-list-offline")
    await page.context.set_offline(False)
    await page.get_by_role("button", name="Đồng bộ tất cả").click()
    await expect(page.get_by_test_id("syncbar")).to_have_attribute(
        "data-pending", "0", timeout=30_000
    )
    for code in receipts:
        spaced = " ".join(code[i : i + 4] for i in range(0, 16, 4))
        await expect(page.locator(".dossier-item", has_text=spaced)).to_contain_text(
            "Mới đăng ký", timeout=15_000
        )
    await artifacts.screenshot(page, "outreach-synced")


async def test_a_citizen_adds_a_passkey_and_signs_in_with_it_on_another_browser(
    live_server, new_page, virtual_authenticator, artifacts
):
    from playwright.async_api import expect

    password = demo_password(live_server, CITIZEN)
    page = await new_page()
    authenticator = await virtual_authenticator(page)
    await open_app(page)
    await sign_in(page, CITIZEN, password)
    await page.get_by_role("button", name="Thêm passkey").click()
    await expect(page.get_by_text("Đã thêm passkey.")).to_be_visible(timeout=15_000)
    credentials = await authenticator.credentials()
    assert len(credentials) == 1 and credentials[0]["isResidentCredential"], credentials
    await artifacts.screenshot(page, "account")

    other = await new_page()
    await (await virtual_authenticator(other)).add_credential(credentials[0])
    await open_app(other)
    await other.goto("/#/tai-khoan")
    await other.get_by_role("button", name="Đăng nhập bằng passkey").click()
    await expect(other.get_by_role("heading", name="Đăng xuất khỏi máy này")).to_be_visible(
        timeout=15_000
    )
    await expect(other.get_by_text(CITIZEN)).to_be_visible()
    await expect(other.get_by_test_id("syncbar")).to_contain_text("Đồng bộ lúc", timeout=15_000)
