"""The desk officials' screens in real Chromium against a real server.

A citizen's phone (the sync API, driven from Python with a real uploaded photo)
submits three birth dossiers: one, the same one again (a possible duplicate), and an
interlinked bundle. A desk official, invited by an administrator and enrolled with
a passkey (Chromium's virtual authenticator), signs in to the app with that passkey,
finds the dossier in the queue by a name typed without accents, receives it (the
appointment date from the server's working-day calendar is shown), asks for more
documents (a date in the past is refused on its field first), and takes it through
fee, payment, completion and return by post; marks the duplicate; hands over and
finishes the bundle's linked tasks; then reads the reports with their chart.
Screenshots of the queue, the dossier and the reports are kept."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import uuid

from harness import samples
from harness.phone import Phone
from harness.samples import scan_jpeg
from harness.sync_client import birth_answers
from server.clock import vn_today
from tests.e2e.conftest import ENROLL_LINK

# The result document: a real one-page PDF (the server parses every PDF it is sent).
RESULT_PDF = samples.pdf(4_000, seed=9)

CITIZEN = "congdan@demo.example"
ADMIN_EMAIL = "quan.tri.desk@motcua.test"
DESK_EMAIL = "can.bo.mot.cua@motcua.test"
DESK_NAME = "Lê Thu Hà"
CHILD = "Phạm Đức Hưởng"
BUNDLE_CHILD = "Vũ Ngọc Ánh"

SESSION = """async () => {
  const r = await fetch("/api/auth/session");
  return {status: r.status, body: await r.json()};
}"""

# A GET with the page's session cookie, as the official's browser would make it.
GET_JSON = """async (url) => {
  const r = await fetch(url);
  return {status: r.status, type: r.headers.get("content-type"), body: await r.text()};
}"""


def demo_password(live_server, email: str) -> str:
    for line in live_server.motcua("demo").stdout.splitlines():
        if email in line:
            return line.split("password", 1)[1].split()[0]
    raise AssertionError(f"{email} not in `motcua demo` output")


async def enroll(page, link: str) -> None:
    from playwright.async_api import expect

    await page.goto(link)
    await page.get_by_role("button", name=re.compile("Tạo passkey")).click()
    await expect(page.locator("#out")).to_have_text(
        "Đã đăng ký passkey và đăng nhập.", timeout=15_000
    )


async def invite_desk_official(live_server, new_page, virtual_authenticator) -> str:
    """The administrator enrolls, then invites the official; returns the official's enrollment link."""
    admin = await new_page()
    await virtual_authenticator(admin)
    await enroll(admin, live_server.create_admin(ADMIN_EMAIL, "Trần Văn Quản"))
    csrf = (await admin.evaluate(SESSION))["body"]["csrf_token"]
    answer = await admin.evaluate(
        """async ([csrf, body]) => {
      const r = await fetch("/api/admin/accounts/officials", {method: "POST",
        headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf}, body: JSON.stringify(body)});
      return {status: r.status, body: await r.text()};
    }""",
        [
            csrf,
            {"email": DESK_EMAIL, "full_name": DESK_NAME, "role": "desk", "commune_code": "00070"},
        ],
    )
    assert answer["status"] == 201, answer
    await admin.close()
    mail = live_server.mail_to(DESK_EMAIL)[-1]
    match = ENROLL_LINK.search(mail.get_body(preferencelist=("plain",)).get_content())
    assert match, mail
    return match.group(0)


async def desk_json(page, url: str) -> dict:
    r = await page.evaluate(GET_JSON, url)
    assert r["status"] == 200, r
    return json.loads(r["body"])


def shown_date(iso: str) -> str:
    y, m, d = iso.split("-")
    return f"{d}/{m}/{y}"


async def test_desk_official_works_a_dossier_through_the_screens(
    live_server, new_page, virtual_authenticator, artifacts
):
    from playwright.async_api import expect

    today = vn_today()

    # -- the citizen's phone submits three dossiers --------------------------------
    phone = await Phone.sign_in(live_server.base_url, CITIZEN, demo_password(live_server, CITIZEN))
    try:
        certificate = await phone.upload(scan_jpeg("giay chung sinh"), "giay-chung-sinh.jpg")
        answers = birth_answers(today, child=CHILD)
        first = await phone.submit(
            "khai-sinh", answers, {"attachments.birth_certificate": certificate}
        )
        again = await phone.submit(
            "khai-sinh", answers, {"attachments.birth_certificate": certificate}
        )
        bundle_fields = {
            **birth_answers(today, child=BUNDLE_CHILD),
            "thuong_tru.address": "Số 5 phố Hàng Bạc, phường Hoàn Kiếm, Hà Nội",
            "bhyt.kcb_facility": "Bệnh viện Đa khoa Xanh Pôn",
        }
        bundle = await phone.submit(
            "lien-thong-khai-sinh", bundle_fields, {"attachments.birth_certificate": certificate}
        )

        # -- the official: invited, enrolled with a passkey, signs in to the app with it
        link = await invite_desk_official(live_server, new_page, virtual_authenticator)
        page = await new_page()
        await page.set_viewport_size({"width": 1100, "height": 900})
        await virtual_authenticator(page)
        await enroll(page, link)
        await page.goto("/#/tai-khoan")
        await expect(page.locator("main")).to_have_attribute("data-ready", "true")
        # No desk entry before signing in to the app.
        await expect(page.get_by_test_id("desk-link")).to_have_count(0)
        await page.get_by_role("button", name="Đăng nhập bằng passkey").click()
        await expect(page.get_by_text(DESK_EMAIL)).to_be_visible(timeout=15_000)
        await expect(page.get_by_test_id("desk-link")).to_have_text("Một cửa")

        # -- the queue ----------------------------------------------------------------
        await page.get_by_test_id("desk-link").click()
        queue = page.get_by_test_id("desk-queue")
        await expect(queue).to_be_visible(timeout=15_000)
        # The commune by its name, never its code.
        heading = page.get_by_role("heading", level=1)
        await expect(heading).to_have_text("Hồ sơ của Phường Hoàn Kiếm, Thành phố Hà Nội")
        items = page.get_by_test_id("queue-item")
        await expect(items.filter(has_text=CHILD)).to_have_count(2)
        await expect(items.filter(has_text=BUNDLE_CHILD)).to_have_count(1)
        await expect(items.filter(has_text="Có thể trùng")).to_have_count(1)
        server_queue = await desk_json(page, "/api/desk/queue")
        await expect(page.get_by_test_id("desk-queue-count")).to_contain_text(
            f"trong {server_queue['total']} hồ sơ"
        )
        await artifacts.screenshot(page, "desk-queue")

        # Filters: the procedure, the "new" view, and a search without accents.
        await page.locator("#desk-procedure").select_option("lien-thong-khai-sinh")
        await expect(items).to_have_count(1)
        await expect(items.first).to_contain_text(BUNDLE_CHILD)
        assert "procedure=lien-thong-khai-sinh" in page.url
        await page.get_by_role("button", name="Bỏ lọc").click()
        await page.locator("#desk-search").fill("pham duc huong")
        await page.get_by_role("button", name="Tìm", exact=True).click()
        await expect(items).to_have_count(2)
        for i in range(2):
            await expect(items.nth(i)).to_contain_text(CHILD)
        await artifacts.screenshot(page, "desk-queue-search-without-accents")

        # -- the dossier: receive --------------------------------------------------------
        await page.locator(f'a[href="#/mot-cua/ho-so/{first}"]').click()
        await expect(page.get_by_test_id("desk-fields")).to_contain_text(CHILD)
        await expect(page.get_by_test_id("desk-attachment").first).to_have_attribute(
            "href", f"/api/blobs/{certificate}"
        )
        photo = await page.evaluate(
            "async (u) => { const r = await fetch(u); return [r.status, r.headers.get('content-type')]; }",
            f"/api/blobs/{certificate}",
        )
        assert photo == [200, "image/jpeg"], photo
        await expect(page.get_by_test_id("desk-receipt")).to_have_attribute(
            "href", f"/api/dossiers/{first}/receipt.pdf"
        )
        receipt = await page.evaluate(
            "async (u) => { const r = await fetch(u); return [r.status, r.headers.get('content-type')]; }",
            f"/api/dossiers/{first}/receipt.pdf",
        )
        assert receipt[0] == 200 and receipt[1].startswith("application/pdf"), receipt
        actions = page.get_by_test_id("desk-actions")
        await expect(actions.locator("button[data-action]")).to_have_count(
            3
        )  # receive, refuse, message

        await actions.locator('button[data-action="receive"]').click()
        await page.locator("#act-receive-message").fill(
            "Đã nhận hồ sơ, mời anh/chị đến nhận kết quả theo ngày hẹn."
        )
        await page.get_by_role("button", name="Xác nhận: Tiếp nhận").click()
        done = page.get_by_test_id("desk-done")
        await expect(done).to_contain_text("Ngày hẹn trả kết quả")
        detail = await desk_json(page, f"/api/desk/dossiers/{first}")
        assert detail["state"] == 2 and detail["appointment_date"], detail
        appointment = shown_date(detail["appointment_date"])
        await expect(done).to_contain_text(appointment)
        await expect(page.get_by_test_id("desk-appointment")).to_have_text(appointment)
        await expect(page.locator(".desk-dossier")).to_have_attribute("data-state", "2")

        # Request documents: a date in the past is refused on its field, then sent.
        await actions.locator('button[data-action="request_documents"]').click()
        await page.locator("#act-request_documents-documents").fill(
            "Giấy chứng nhận kết hôn của cha mẹ\nCăn cước của người cha"
        )
        await page.locator("#act-request_documents-reason").fill("Cần đối chiếu quan hệ cha con.")
        await page.locator("#act-request_documents-due_date").fill(
            (today + dt.timedelta(days=5)).isoformat()
        )
        await artifacts.screenshot(page, "desk-dossier")
        await page.locator("#act-request_documents-due_date").fill(
            (today - dt.timedelta(days=1)).isoformat()
        )
        await page.get_by_role("button", name="Xác nhận: Yêu cầu bổ sung giấy tờ").click()
        await expect(page.get_by_test_id("error-due_date")).to_have_text("Ngày này đã qua")
        await expect(page.locator("#act-request_documents-due_date")).to_have_attribute(
            "aria-invalid", "true"
        )
        await expect(
            page.get_by_test_id("form-request_documents").get_by_test_id("desk-problem")
        ).to_contain_text("Dữ liệu chưa hợp lệ")
        await artifacts.screenshot(page, "desk-dossier-field-error")
        assert (await desk_json(page, f"/api/desk/dossiers/{first}"))[
            "state"
        ] == 2  # nothing half-stored
        await page.locator("#act-request_documents-due_date").fill(
            (today + dt.timedelta(days=5)).isoformat()
        )
        await page.get_by_role("button", name="Xác nhận: Yêu cầu bổ sung giấy tờ").click()
        await expect(page.locator(".desk-dossier")).to_have_attribute("data-state", "5")
        await expect(page.get_by_test_id("desk-history")).to_contain_text("Yêu cầu bổ sung")

        # The "waiting for documents" view lists it.
        await page.get_by_role("link", name="‹ Danh sách hồ sơ").click()
        await page.locator('button[data-view="waiting_documents"]').click()
        await expect(items.filter(has_text=CHILD)).to_have_count(1)

        # The phone answers with the document; the desk goes on.
        view = (await phone.device.pull_all())[first]
        marriage = await phone.upload(scan_jpeg("giay chung nhan ket hon"), "ket-hon.jpg")
        phone.device.queue(
            "answer_supplement",
            uuid.UUID(first),
            {"message": "Đã bổ sung.", "changes": {"attachments.marriage_certificate": [marriage]}},
            view["version"],
        )
        [answered] = await phone.device.sync()
        assert answered["status"] == "applied" and answered["state"] == 4, answered

        await page.goto(f"/#/mot-cua/ho-so/{first}")
        await expect(page.locator(".desk-dossier")).to_have_attribute("data-state", "4")
        await actions.locator('button[data-action="request_fee"]').click()
        await page.locator("#act-request_fee-amount").fill("8.000")
        await page.get_by_role("button", name="Xác nhận: Yêu cầu nộp lệ phí").click()
        await expect(page.locator(".desk-dossier")).to_have_attribute("data-state", "6")
        await actions.locator('button[data-action="record_payment"]').click()
        # The provider choice is what the server offers (the desk alone where it lists none).
        listed = await page.evaluate(GET_JSON, "/api/desk/payment-providers")
        offered = len(json.loads(listed["body"])) if listed["status"] == 200 else 1
        providers = page.get_by_test_id("form-record_payment").locator('input[type="radio"]')
        await expect(providers).to_have_count(offered)
        await expect(page.get_by_label("Tại bộ phận một cửa (số biên lai)")).to_be_checked()
        await page.locator("#act-record_payment-reference").fill("BL-000123")
        await page.get_by_role("button", name="Xác nhận: Ghi nhận đã nộp lệ phí").click()
        await expect(page.locator(".desk-dossier")).to_have_attribute("data-state", "4")
        await expect(page.locator(".desk-dossier")).to_contain_text("BL-000123")

        # Done, with the register number and the result document.
        await actions.locator('button[data-action="complete"]').click()
        await page.locator("#act-complete-register_number").fill("125/2026")
        await page.locator("#act-complete-result").set_input_files(
            {"name": "trich-luc.pdf", "mimeType": "application/pdf", "buffer": RESULT_PDF}
        )
        await page.get_by_role("button", name="Xác nhận: Đã xử lý xong").click()
        await expect(page.locator(".desk-dossier")).to_have_attribute("data-state", "9")
        detail = await desk_json(page, f"/api/desk/dossiers/{first}")
        assert detail["result"]["register_number"] == "125/2026"
        assert detail["result"]["result_sha256"] == hashlib.sha256(RESULT_PDF).hexdigest()

        # Returned by post: the tracking number is asked for by the server, then given.
        await actions.locator('button[data-action="return_result"]').click()
        await page.get_by_label("Qua bưu chính").check()
        await page.get_by_role("button", name="Xác nhận: Trả kết quả").click()
        await expect(page.get_by_test_id("error-tracking_number")).to_be_visible()
        await page.locator("#act-return_result-tracking_number").fill("EB123456789VN")
        await page.get_by_role("button", name="Xác nhận: Trả kết quả").click()
        await expect(page.locator(".desk-dossier")).to_have_attribute("data-state", "10")
        # One confirmation, said once.
        await expect(page.get_by_test_id("desk-done")).to_have_text("Đã trả kết quả.")
        await expect(page.locator(".desk-dossier")).to_contain_text("EB123456789VN")
        assert (await phone.device.pull_all())[first]["state"] == 10

        # -- the possible duplicate, side by side ----------------------------------------
        await page.goto(f"/#/mot-cua/ho-so/{again}")
        duplicate = page.get_by_test_id("desk-duplicate")
        await duplicate.get_by_role("button", name="So sánh hai hồ sơ").click()
        await expect(duplicate.locator("table.compare")).to_contain_text(CHILD)
        # Side by side by the form's labels and in words, not by paths and codes.
        compare = duplicate.locator("table.compare")
        await expect(compare).to_contain_text("Họ, chữ đệm và tên (Người được khai sinh)")
        await expect(compare).to_contain_text("giay-chung-sinh.jpg")
        assert "child.full_name" not in await compare.inner_text()
        await artifacts.screenshot(page, "desk-duplicate-side-by-side")
        await duplicate.locator('button[data-action="mark_duplicate"]').click()
        await expect(page.locator(".desk-dossier")).to_have_attribute("data-state", "3")
        await expect(page.get_by_test_id("desk-duplicate")).to_have_count(0)
        assert (await desk_json(page, f"/api/desk/dossiers/{again}"))[
            "duplicate_decision"
        ] == "duplicate"

        # -- the bundle's linked tasks ---------------------------------------------------
        await page.goto(f"/#/mot-cua/ho-so/{bundle}")
        await actions.locator('button[data-action="receive"]').click()
        await page.get_by_role("button", name="Xác nhận: Tiếp nhận").click()
        tasks = page.get_by_test_id("desk-tasks")
        await expect(tasks.locator("li.task")).to_have_count(2)
        residence = tasks.locator('li[data-task="thuong_tru"]')
        await expect(residence).to_contain_text("Đăng ký thường trú")
        await expect(residence).to_contain_text("Công an")
        await residence.locator("input").fill("CV-88/CA")
        await residence.get_by_role("button", name="Chuyển giao").click()
        await expect(residence).to_have_attribute("data-task-state", "handed_over")
        await expect(residence).to_contain_text("CV-88/CA")
        await actions.locator('button[data-action="start"]').click()
        await page.get_by_role("button", name="Xác nhận: Bắt đầu xử lý").click()
        await expect(page.locator(".desk-dossier")).to_have_attribute("data-state", "4")
        # Not complete while a linked task is open: the server says so.
        await actions.locator('button[data-action="complete"]').click()
        await page.locator("#act-complete-register_number").fill("126/2026")
        await page.get_by_role("button", name="Xác nhận: Đã xử lý xong").click()
        await expect(
            page.get_by_test_id("form-complete").get_by_test_id("desk-problem")
        ).to_contain_text("Còn 2 việc liên thông chưa xong")
        for task in ("thuong_tru", "bhyt"):
            await (
                tasks.locator(f'li[data-task="{task}"]')
                .get_by_role("button", name="Đánh dấu đã xong")
                .click()
            )
            await expect(tasks.locator(f'li[data-task="{task}"]')).to_have_attribute(
                "data-task-state", "done"
            )
        # The form stays open, fresh for the changed dossier.
        await page.locator("#act-complete-register_number").fill("126/2026")
        await page.get_by_role("button", name="Xác nhận: Đã xử lý xong").click()
        await expect(page.locator(".desk-dossier")).to_have_attribute("data-state", "9")

        # -- reports ---------------------------------------------------------------------
        await page.get_by_role("link", name="‹ Danh sách hồ sơ").click()
        await page.get_by_role("link", name="Báo cáo").click()
        await expect(page.get_by_test_id("desk-report")).to_be_visible(timeout=15_000)
        since = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
        for _ in range(4):
            since = (since - dt.timedelta(days=1)).replace(day=1)
        report = await desk_json(page, f"/api/desk/reports?since={since}&until={today}")
        assert report["on_time"] == 2, report  # the first dossier and the bundle, both done today
        await expect(page.get_by_test_id("report-total")).to_have_text(str(report["total"]))
        await expect(page.get_by_test_id("report-timeliness")).to_have_text(
            f"{report['on_time']} / {report['late']}"
        )
        month = today.strftime("%Y-%m")
        bar = page.get_by_test_id("chart-by-month").locator(f'g.bar[data-key="{month}"]')
        expected = next(c["count"] for c in report["by_month"] if c["key"] == month)
        await expect(bar).to_have_attribute("data-value", str(expected))
        assert float(await bar.locator("rect").get_attribute("height")) > 0
        await expect(page.get_by_test_id("chart-by-month").locator("g.bar")).to_have_count(6)
        procedures = page.get_by_test_id("chart-by-procedure").locator("g.bar")
        await expect(procedures).to_have_count(len(report["by_procedure"]))
        await expect(page.get_by_test_id("desk-timeliness")).to_contain_text("Đúng hạn 100%")
        csv_href = await page.get_by_test_id("desk-csv").get_attribute("href")
        csv = await page.evaluate(GET_JSON, csv_href)
        assert csv["status"] == 200 and csv["type"].startswith("text/csv"), csv
        assert "procedure,lien-thong-khai-sinh,1" in csv["body"], csv["body"]
        await artifacts.screenshot(page, "desk-reports")

        # English on request.
        await page.get_by_role("button", name="Switch to English").click()
        await expect(page.get_by_role("link", name="Queue")).to_be_visible()
        await expect(page.get_by_test_id("desk-link")).to_have_text("Desk")
    finally:
        await phone.http.aclose()


async def test_citizen_sees_no_desk_entry_and_never_loads_the_desk_chunk(live_server, new_page):
    """The desk screens are a chunk of their own, not precached: a citizen's app never fetches it."""
    from playwright.async_api import expect

    password = demo_password(live_server, CITIZEN)
    page = await new_page()
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url))
    await page.goto("/#/tai-khoan")
    await expect(page.locator("main")).to_have_attribute("data-ready", "true")
    await page.wait_for_function(
        "() => navigator.serviceWorker.controller !== null", timeout=20_000
    )
    await page.locator("#signin-email").fill(CITIZEN)
    await page.locator("#signin-password").fill(password)
    await (
        page.locator("form")
        .filter(has=page.locator("#signin-email"))
        .get_by_role("button", name="Đăng nhập", exact=True)
        .click()
    )
    await expect(page.get_by_text(CITIZEN)).to_be_visible(timeout=15_000)
    await expect(page.get_by_test_id("desk-link")).to_have_count(0)
    # Typed by hand, the desk address explains itself and loads nothing from /api/desk.
    await page.goto("/#/mot-cua")
    await expect(page.get_by_test_id("desk-not-allowed")).to_be_visible(timeout=15_000)
    precache = await page.evaluate("""async () => {
      const names = await caches.keys();
      const urls = [];
      for (const n of names) for (const r of await (await caches.open(n)).keys()) urls.push(r.url);
      return urls;
    }""")
    assert any("/assets/index-" in u for u in precache), precache
    assert not any("DeskScreens" in u for u in precache), precache
    assert not any("/api/desk/" in u or "DeskScreens" in u for u in fetched), fetched
