"""The desk's words, in real Chromium against a real server: the official reads a
dossier's history as sentences in Vietnamese, never the server's codes.

A person's second phone (the sync protocol) makes a birth draft, edits it 25 times,
attaches a photo sent as "giay-chung-sinh.jpg" and submits it. At the desk the 25
edits are one entry ("Sửa hồ sơ 25 lần, 14:02–16:54 03/12/2026") naming the fields
by the form's labels, opened to show each edit; the attachment is named by its file
name; roles are "Công dân", "Cán bộ một cửa"; every time carries its year. Receiving
shows one confirmation and "Hẹn trả: dd/mm/yyyy" in the history. An empty request
for documents is refused in Vietnamese naming the field, then sent, with one
confirmation."""

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


async def test_the_desk_reads_the_history_as_sentences(live_server, new_page, artifacts):
    from playwright.async_api import expect

    passwords = demo_passwords(live_server)
    dossier, sha = await drafted_and_submitted(live_server, passwords[CITIZEN])
    page = await desk_page(new_page, live_server, passwords[DESK], dossier, state=1)
    history = page.get_by_test_id("desk-history")
    entries = history.locator(":scope > li")
    # Created, 25 edits as one, attached, submitted.
    await expect(entries).to_have_count(4)
    edits = entries.nth(1)
    await expect(edits).to_contain_text(
        re.compile(
            rf"Sửa hồ sơ {EDITS} lần, \d{{2}}:\d{{2}}–\d{{2}}:\d{{2}} \d{{2}}/\d{{2}}/\d{{4}}"
        )
    )
    # By the form's labels, with the section where a label alone is ambiguous.
    for label in ("Họ, chữ đệm và tên (Người được khai sinh)", "Ngày, tháng, năm sinh;"):
        await expect(edits).to_contain_text(label)
    await expect(edits).to_contain_text("Công dân")
    # Opened, each edit is there with its own time and field.
    await edits.locator("summary").click()
    await expect(edits.locator("li")).to_have_count(EDITS)
    await expect(edits.locator("li").first).to_contain_text(re.compile(TIME))
    await expect(edits.locator("li").last).to_contain_text("Ngày, tháng, năm sinh bằng chữ")
    attached = entries.nth(2)
    await expect(attached).to_contain_text(f"Đính kèm tệp «{FILE_NAME}» vào mục «Giấy chứng sinh»")
    await expect(entries.nth(3)).to_contain_text("Nộp hồ sơ")
    for i in range(4):
        await expect(entries.nth(i)).to_contain_text(re.compile(TIME))

    # Received at the desk: one confirmation, and the appointment in the history.
    actions = page.get_by_test_id("desk-actions")
    await actions.locator('button[data-action="receive"]').click()
    await page.get_by_role("button", name="Xác nhận: Tiếp nhận").click()
    await expect(page.locator(".desk-dossier")).to_have_attribute("data-state", "2")
    appointment = await page.get_by_test_id("desk-appointment").text_content()
    assert re.fullmatch(r"\d{2}/\d{2}/\d{4}", appointment or ""), appointment
    await expect(page.get_by_test_id("desk-done")).to_have_text(
        f"Đã tiếp nhận hồ sơ. Ngày hẹn trả kết quả: {appointment}."
    )
    received = entries.last
    await expect(received).to_contain_text("Tiếp nhận hồ sơ")
    await expect(received).to_contain_text(f"Hẹn trả: {appointment}")
    await expect(received).to_contain_text("Cán bộ một cửa")
    text = await history.inner_text()
    for raw in (*RAW_CODES, sha[:12]):
        assert raw not in text, (raw, text)
    await artifacts.screenshot(page, "desk-history-in-words")

    # An empty request for documents: refused in Vietnamese, naming the field.
    await actions.locator('button[data-action="request_documents"]').click()
    confirm = page.get_by_role("button", name="Xác nhận: Yêu cầu bổ sung giấy tờ")
    await confirm.click()
    await expect(page.get_by_test_id("error-documents")).to_have_text("Chưa nhập")
    problem = page.get_by_test_id("form-request_documents").get_by_test_id("desk-problem")
    await expect(problem).to_contain_text("Dữ liệu chưa hợp lệ")
    await expect(problem).to_contain_text("Giấy tờ cần bổ sung")
    assert "`" not in await problem.inner_text() and "required" not in await problem.inner_text()
    await page.locator("#act-request_documents-documents").fill(
        "Giấy chứng nhận kết hôn của cha mẹ"
    )
    await page.locator("#act-request_documents-reason").fill("Cần đối chiếu quan hệ cha con.")
    await page.locator("#act-request_documents-due_date").fill(
        (vn_today() - dt.timedelta(days=1)).isoformat()
    )
    await confirm.click()
    await expect(page.get_by_test_id("error-due_date")).to_have_text("Ngày này đã qua")
    await page.locator("#act-request_documents-due_date").fill(
        (vn_today() + dt.timedelta(days=5)).isoformat()
    )
    await confirm.click()
    await expect(page.locator(".desk-dossier")).to_have_attribute("data-state", "5")
    await expect(page.get_by_test_id("desk-done")).to_have_text("Đã gửi yêu cầu bổ sung giấy tờ.")
    await expect(entries.last).to_contain_text(
        "Giấy tờ cần bổ sung: Giấy chứng nhận kết hôn của cha mẹ"
    )
    await artifacts.screenshot(page, "desk-documents-requested")


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
