"""The desk's words, in real Chromium against a real server: the official reads a
dossier's history as sentences and the server's refusals in Vietnamese, never its
codes or msgspec's English.

A person's second phone (the sync protocol) makes a birth draft, edits it 25 times,
attaches a photo sent as "giay-chung-sinh.jpg" and submits it. At the desk the 25
edits are one line ("Sửa hồ sơ 25 lần, 14:02–16:54 03/12/2026") naming the fields
by the form's labels, opened to show each edit; the attachment is named by its file
name, roles are "Công dân" and "Cán bộ một cửa", every time carries its year, and
receiving puts "Hẹn trả: dd/mm/yyyy" in the history. Each action is confirmed by
one sentence. An amount in words, an empty request for documents and a date past
are refused on their fields in Vietnamese, the box above the form naming each field;
a state changed under the official's screen is explained in Vietnamese too."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

from harness.sync_client import birth_answers, uuid7
from harness.tus_client import TusClient
from server.clock import vn_today
from sync.forms.date_words import date_in_words
from tests.e2e.test_desk_deadlines import desk_page
from tests.e2e.test_pwa_offline import CITIZEN
from tests.e2e.test_pwa_round_trip import DESK, demo_passwords, other_device, small_jpeg

EDITS = 25
NAMES = ("Phạm Đức Hưởng", "Phạm Đức Hướng")
FILE_NAME = "giay-chung-sinh.jpg"
# A time as the desk shows it: 16:54 03/12/2026.
TIME = r"\d{2}:\d{2} \d{2}/\d{2}/\d{4}"
RAW_CODES = ("sha256", "due_date", "fields:", "child.", "citizen", "desk", "edit_draft")


async def drafted_and_submitted(live_server, password: str) -> tuple[str, str]:
    """A birth draft edited EDITS times, its paper attached, then submitted."""
    today = vn_today()
    async with other_device(live_server, CITIZEN, password) as phone:
        photo = small_jpeg("giay chung sinh")
        report = await TusClient(phone.http, phone.auth).upload_if_missing(photo, FILE_NAME)
        assert report.ok, report
        dossier = uuid7()
        phone.queue(
            "create_draft", dossier, {"procedure_code": "khai-sinh", "fields": birth_answers(today)}
        )
        version = 1
        for i in range(EDITS - 1):
            phone.queue(
                "edit_draft", dossier, {"changes": {"child.full_name": NAMES[i % 2]}}, version
            )
            version += 1
        born = today - dt.timedelta(days=11)
        phone.queue(
            "edit_draft",
            dossier,
            {
                "changes": {
                    "child.birth_date": born.isoformat(),
                    "child.birth_date_words": date_in_words(born),
                }
            },
            version,
        )
        version += 1
        sha = hashlib.sha256(photo).hexdigest()
        phone.queue(
            "attach", dossier, {"path": "attachments.birth_certificate", "sha256": sha}, version
        )
        phone.queue("submit", dossier, {}, version + 1)
        outcomes = await phone.sync()
        assert [o["status"] for o in outcomes] == ["applied"] * (EDITS + 3), outcomes
        assert outcomes[-1]["state"] == 1, outcomes
    return str(dossier), sha


async def submitted_at_the_desk(live_server, new_page, received: bool = False):
    """The desk's page of a dossier drafted with 25 edits and submitted; received
    through the API first if asked."""
    from tests.e2e.test_pwa_round_trip import desk_session

    passwords = demo_passwords(live_server)
    dossier, sha = await drafted_and_submitted(live_server, passwords[CITIZEN])
    if received:
        async with desk_session(live_server, passwords[DESK]) as desk:
            await desk.act(dossier, "receive")
    page = await desk_page(
        new_page, live_server, passwords[DESK], dossier, state=2 if received else 1
    )
    return page, sha


async def test_a_run_of_edits_is_one_line_of_the_history(live_server, new_page, artifacts):
    from playwright.async_api import expect

    page, _ = await submitted_at_the_desk(live_server, new_page)
    entries = page.get_by_test_id("desk-history").locator(":scope > li")
    # Created, 25 edits as one, attached, submitted.
    await expect(entries).to_have_count(4)
    edits = entries.nth(1)
    await expect(edits).to_contain_text(
        re.compile(
            rf"Sửa hồ sơ {EDITS} lần, \d{{2}}:\d{{2}}(–\d{{2}}:\d{{2}})? \d{{2}}/\d{{2}}/\d{{4}}"
        )
    )
    # Every field changed, once, by the form's labels (with the section where a label
    # alone is ambiguous).
    for label in ("Họ, chữ đệm và tên (Người được khai sinh)", "Ngày, tháng, năm sinh;"):
        await expect(edits).to_contain_text(label)
    # Opened, each edit is there with its own time and field.
    await edits.locator("summary").click()
    await expect(edits.locator("li")).to_have_count(EDITS)
    await expect(edits.locator("li").first).to_contain_text(re.compile(TIME))
    await expect(edits.locator("li").last).to_contain_text("Ngày, tháng, năm sinh bằng chữ")
    await artifacts.screenshot(page, "desk-history-edits-opened")


async def test_the_history_names_files_roles_and_dates(live_server, new_page, artifacts):
    from playwright.async_api import expect

    page, sha = await submitted_at_the_desk(live_server, new_page)
    history = page.get_by_test_id("desk-history")
    entries = history.locator(":scope > li")
    await expect(entries.filter(has_text="Đính kèm tệp")).to_contain_text(
        f"Đính kèm tệp «{FILE_NAME}» vào mục «Giấy chứng sinh»"
    )
    await expect(entries.filter(has_text="Tạo hồ sơ")).to_contain_text("Công dân")
    await expect(entries.filter(has_text="Nộp hồ sơ")).to_contain_text(re.compile(TIME))

    # Received: the appointment in the history, by the desk official.
    await page.get_by_test_id("desk-actions").locator('button[data-action="receive"]').click()
    await page.get_by_role("button", name="Xác nhận: Tiếp nhận").click()
    await expect(page.locator(".desk-dossier")).to_have_attribute("data-state", "2")
    appointment = await page.get_by_test_id("desk-appointment").text_content()
    assert re.fullmatch(r"\d{2}/\d{2}/\d{4}", appointment or ""), appointment
    received = entries.last
    await expect(received).to_contain_text("Tiếp nhận hồ sơ")
    await expect(received).to_contain_text(f"Hẹn trả: {appointment}")
    await expect(received).to_contain_text("Cán bộ một cửa")
    for i in range(await entries.count()):
        await expect(entries.nth(i)).to_contain_text(re.compile(TIME))
    text = await history.inner_text()
    for raw in (*RAW_CODES, sha[:12]):
        assert raw not in text, (raw, text)
    await artifacts.screenshot(page, "desk-history-in-words")


async def test_each_action_is_confirmed_once(live_server, new_page):
    from playwright.async_api import expect

    page, _ = await submitted_at_the_desk(live_server, new_page, received=True)
    await (
        page.get_by_test_id("desk-actions")
        .locator('button[data-action="request_documents"]')
        .click()
    )
    await page.locator("#act-request_documents-documents").fill(
        "Giấy chứng nhận kết hôn của cha mẹ"
    )
    await page.locator("#act-request_documents-reason").fill("Cần đối chiếu quan hệ cha con.")
    await page.locator("#act-request_documents-due_date").fill(
        (vn_today() + dt.timedelta(days=5)).isoformat()
    )
    await page.get_by_role("button", name="Xác nhận: Yêu cầu bổ sung giấy tờ").click()
    await expect(page.locator(".desk-dossier")).to_have_attribute("data-state", "5")
    await expect(page.get_by_test_id("desk-done")).to_have_text("Đã gửi yêu cầu bổ sung giấy tờ.")
    await expect(page.get_by_test_id("desk-history").locator(":scope > li").last).to_contain_text(
        "Giấy tờ cần bổ sung: Giấy chứng nhận kết hôn của cha mẹ."
    )


async def test_the_forms_errors_read_in_vietnamese(live_server, new_page, artifacts):
    from playwright.async_api import expect

    page, _ = await submitted_at_the_desk(live_server, new_page, received=True)
    actions = page.get_by_test_id("desk-actions")
    # An amount in words: msgspec's "Expected `int`, got `str`" never reaches the screen.
    await actions.locator('button[data-action="request_fee"]').click()
    await page.locator("#act-request_fee-amount").fill("tám nghìn")
    await page.get_by_role("button", name="Xác nhận: Yêu cầu nộp lệ phí").click()
    await expect(page.get_by_test_id("error-amount")).to_have_text("Giá trị không hợp lệ")
    fee_form = page.get_by_test_id("form-request_fee")
    await expect(fee_form.get_by_test_id("desk-problem")).to_contain_text(
        "Số tiền (đồng): Giá trị không hợp lệ"
    )
    assert "Expected" not in await fee_form.inner_text()
    await fee_form.get_by_role("button", name="Hủy").click()

    # An empty request for documents: refused in Vietnamese, naming the field.
    await actions.locator('button[data-action="request_documents"]').click()
    confirm = page.get_by_role("button", name="Xác nhận: Yêu cầu bổ sung giấy tờ")
    await confirm.click()
    await expect(page.get_by_test_id("error-documents")).to_have_text("Chưa nhập")
    problem = page.get_by_test_id("form-request_documents").get_by_test_id("desk-problem")
    await expect(problem).to_contain_text("Dữ liệu chưa hợp lệ")
    await expect(problem).to_contain_text("Giấy tờ cần bổ sung")
    form_text = await page.get_by_test_id("form-request_documents").inner_text()
    assert "`" not in form_text and "required" not in form_text, form_text
    # A date already past: the server's rule, in Vietnamese.
    await page.locator("#act-request_documents-documents").fill("Giấy chứng nhận kết hôn")
    await page.locator("#act-request_documents-reason").fill("Cần đối chiếu.")
    await page.locator("#act-request_documents-due_date").fill(
        (vn_today() - dt.timedelta(days=1)).isoformat()
    )
    await confirm.click()
    await expect(page.get_by_test_id("error-due_date")).to_have_text("Ngày này đã qua")
    await expect(problem).to_contain_text("Hạn bổ sung: Ngày này đã qua")
    await artifacts.screenshot(page, "desk-errors-in-vietnamese")


async def test_a_refusal_of_the_server_reads_in_vietnamese(live_server, new_page):
    """A rule the server alone knows (a state changed under the official's screen)
    comes back in the official's language, not as the server's English."""
    from playwright.async_api import expect

    from tests.e2e.test_pwa_round_trip import desk_session

    passwords = demo_passwords(live_server)
    dossier, _ = await drafted_and_submitted(live_server, passwords[CITIZEN])
    page = await desk_page(new_page, live_server, passwords[DESK], dossier, state=1)
    await page.get_by_test_id("desk-actions").locator('button[data-action="receive"]').click()
    # Meanwhile, another official receives it.
    async with desk_session(live_server, passwords[DESK]) as desk:
        await desk.act(dossier, "receive")
    await page.get_by_role("button", name="Xác nhận: Tiếp nhận").click()
    problem = page.get_by_test_id("form-receive").get_by_test_id("desk-problem")
    await expect(problem).to_contain_text("Không thực hiện được ở trạng thái hiện tại của hồ sơ")
    await expect(problem).to_contain_text("Hồ sơ đang ở trạng thái")
    assert "not allowed" not in await problem.inner_text()
