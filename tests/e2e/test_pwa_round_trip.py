"""The phone and the desk, in real Chromium against a real server: a desk action made
through the API reaches the phone as a new state with a notice; a request for two
documents is answered offline (text and a photo for each document, in its own picker)
and reaches the desk once back online, each file kept as the answer to its document; a field changed on two devices is resolved on the phone with a third value;
and the service worker pushes the outbox on a Background Sync event with no window
of the app open. The dossiers start on a second device of the same person, driven
through the protocol (harness/sync_client.py), as another phone would."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from harness.app_pages import CODE_SHOWN, install_app, open_app, page_today, sign_in
from harness.devices import sign_in_device
from harness.samples import photo_jpeg
from harness.sync_client import SyncDevice, birth_answers, uuid7
from harness.tus_client import TusClient
from tests.e2e.test_pwa_offline import CITIZEN, fill_birth_form

DESK = "motcua@demo.example"
RESIDENCE = "Giấy xác nhận nơi cư trú của mẹ"
MARRIAGE = "Giấy chứng nhận kết hôn của cha mẹ"


def demo_passwords(live_server) -> dict[str, str]:
    """All demo accounts' passwords (each `motcua demo` run makes new ones)."""
    out = live_server.motcua("demo").stdout
    found = {}
    for line in out.splitlines():
        match = re.search(r"(\S+@demo\.example)\b.*password\s+(\S+)", line)
        if match:
            found[match.group(1)] = match.group(2)
    assert CITIZEN in found and DESK in found, out
    return found


def small_jpeg(label: str) -> bytes:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (640, 480), (250, 248, 240))
    ImageDraw.Draw(img).text((40, 40), label, fill=(20, 20, 80))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85)
    return out.getvalue()


async def login(http: httpx.AsyncClient, email: str, password: str) -> str:
    r = await http.post("/api/auth/login", json={"email": email, "password": password})
    assert r.status_code == 200, r.text
    return r.json()["csrf_token"]


@asynccontextmanager
async def other_device(live_server, email: str, password: str) -> AsyncIterator[SyncDevice]:
    """Another install of the same person: signed in once, then its device credential alone."""
    async with httpx.AsyncClient(base_url=live_server.base_url, timeout=30) as http:
        yield await sign_in_device(http, email, password, name="second phone", device_id=uuid7())


class Desk:
    """An official at the desk, through the desk API with a browser session."""

    def __init__(self, http: httpx.AsyncClient, csrf: str) -> None:
        self.http = http
        self.csrf = csrf

    async def act(self, dossier_id: str, action: str, body: dict | None = None) -> dict:
        r = await self.http.post(
            f"/api/desk/dossiers/{dossier_id}/actions/{action}",
            json=body or {},
            headers={"X-CSRF-Token": self.csrf},
        )
        assert r.status_code == 200, r.text
        return r.json()

    async def dossier(self, dossier_id: str) -> dict:
        r = await self.http.get(f"/api/desk/dossiers/{dossier_id}")
        assert r.status_code == 200, r.text
        return r.json()


@asynccontextmanager
async def desk_session(live_server, password: str) -> AsyncIterator[Desk]:
    async with httpx.AsyncClient(base_url=live_server.base_url, timeout=30) as http:
        yield Desk(http, await login(http, DESK, password))


async def submitted_birth(device: SyncDevice, today: dt.date) -> tuple[str, str]:
    """A birth dossier made and submitted on the other phone, its paper uploaded with tus."""
    photo = small_jpeg("giay chung sinh")
    report = await TusClient(device.http, device.auth).upload_if_missing(
        photo, "giay-chung-sinh.jpg"
    )
    assert report.ok, report
    dossier = uuid7()
    device.queue(
        "create_draft", dossier, {"procedure_code": "khai-sinh", "fields": birth_answers(today)}
    )
    device.queue(
        "attach",
        dossier,
        {"path": "attachments.birth_certificate", "sha256": hashlib.sha256(photo).hexdigest()},
        1,
    )
    device.queue("submit", dossier, {}, 2)
    outcomes = await device.sync()
    assert [o["status"] for o in outcomes] == ["applied"] * 3, outcomes
    assert outcomes[-1]["state"] == 1 and outcomes[-1]["code"], outcomes
    return str(dossier), outcomes[-1]["code"]


async def vn_today(page) -> dt.date:
    return await page_today(page)


async def installed_and_signed_in(page, password: str) -> None:
    await install_app(page)
    await sign_in(page, CITIZEN, password)


async def sync_on_phone(page) -> None:
    """What a person does to see news at once: the sync page's button."""
    from playwright.async_api import expect

    await page.goto("/#/dong-bo")
    button = page.get_by_role("button", name="Đồng bộ ngay")
    await expect(button).to_be_enabled(timeout=15_000)
    await button.click()
    await expect(page.get_by_role("button", name="Đồng bộ ngay")).to_be_enabled(timeout=15_000)


async def test_desk_actions_reach_the_phone_and_a_request_for_documents_is_answered_offline(
    live_server, new_page, artifacts
):
    from playwright.async_api import expect

    passwords = demo_passwords(live_server)
    page = await new_page()
    await installed_and_signed_in(page, passwords[CITIZEN])
    today = await vn_today(page)

    async with (
        other_device(live_server, CITIZEN, passwords[CITIZEN]) as phone2,
        desk_session(live_server, passwords[DESK]) as desk,
    ):
        dossier_id, code = await submitted_birth(phone2, today)
        spaced = " ".join(code[i : i + 4] for i in range(0, 16, 4))
        assert CODE_SHOWN.match(spaced)

        # The phone pulls the dossier the other phone submitted, with its code.
        await sync_on_phone(page)
        await page.goto(f"/#/ho-so/{dossier_id}")
        await expect(page.get_by_test_id("dossier-code")).to_have_text(spaced)
        await expect(page.locator(".status .state")).to_have_text("Mới đăng ký")

        # The desk receives it: the phone shows the new state and tells the person.
        received = await desk.act(
            dossier_id, "receive", {"message": "Đã nhận hồ sơ, hẹn trả đúng hạn."}
        )
        assert received["state"] == 2
        await sync_on_phone(page)
        await page.goto(f"/#/ho-so/{dossier_id}")
        await expect(page.locator(".status .state")).to_have_text("Được tiếp nhận")
        await expect(page.get_by_test_id("notice-bar")).to_contain_text("thông báo mới")
        await expect(page.locator(".messages")).to_contain_text("Đã nhận hồ sơ, hẹn trả đúng hạn.")
        await page.goto("/#/")
        notice = page.locator(".card.notice")
        await expect(notice).to_contain_text(f"Hồ sơ {spaced}: Được tiếp nhận")
        await expect(notice).to_contain_text("cán bộ nhắn")
        await artifacts.screenshot(page, "notice-state-changed")
        await notice.get_by_role("button").click()
        await expect(page.locator(".card.notice")).to_have_count(0)

        # Processing, then a request for two documents, with why and by when.
        assert (await desk.act(dossier_id, "start"))["state"] == 4
        due = today + dt.timedelta(days=5)
        asked = await desk.act(
            dossier_id,
            "request_documents",
            {
                "documents": [RESIDENCE, MARRIAGE],
                "reason": "Cần đối chiếu nơi cư trú của người đi đăng ký.",
                "due_date": due.isoformat(),
            },
        )
        assert asked["state"] == 5
        await sync_on_phone(page)
        await page.goto(f"/#/ho-so/{dossier_id}")
        supplement = page.locator("#supplement")
        await expect(page.locator(".status .state")).to_have_text("Yêu cầu bổ sung giấy tờ")
        # One picker per requested document, each kept under the form's field named like it.
        documents = supplement.get_by_test_id("supplied-document")
        await expect(documents).to_have_count(2)
        await expect(documents.nth(0).locator("legend")).to_have_text(RESIDENCE)
        await expect(documents.nth(1).locator("legend")).to_have_text(MARRIAGE)
        await expect(page.locator("#supplement-slot-0")).to_have_value(
            "attachments.residence_documents"
        )
        await expect(page.locator("#supplement-slot-1")).to_have_value(
            "attachments.marriage_certificate"
        )
        await expect(supplement).to_contain_text("Cần đối chiếu nơi cư trú của người đi đăng ký.")
        await expect(supplement).to_contain_text(f"Hạn bổ sung: {due.strftime('%d/%m/%Y')}")
        await expect(page.get_by_test_id("syncbar")).to_have_class(re.compile("attention"))
        await artifacts.screenshot(page, "request-for-documents")

        # No network: the person answers with a message and a photo of each paper.
        await page.context.set_offline(True)
        await supplement.locator("textarea").fill("Em gửi giấy xác nhận cư trú ạ.")
        await page.locator("#supplement-files-0").set_input_files(
            {"name": "xac-nhan-cu-tru.jpg", "mimeType": "image/jpeg", "buffer": photo_jpeg()}
        )
        await expect(documents.nth(0).locator(".thumb img")).to_have_count(1, timeout=15_000)
        await page.locator("#supplement-files-1").set_input_files(
            {"name": "ket-hon.jpg", "mimeType": "image/jpeg", "buffer": small_jpeg("ket hon")}
        )
        await expect(documents.nth(1).locator(".thumb img")).to_have_count(1, timeout=15_000)
        await expect(supplement.locator(".thumb img")).to_have_count(2)
        await artifacts.screenshot(page, "request-for-documents-answered-offline")
        await supplement.get_by_role("button", name="Gửi bổ sung").click()
        await expect(page.get_by_text("Đã trả lời yêu cầu bổ sung")).to_be_visible()

        # The page is closed and opened again, still with no network: nothing is lost.
        context = page.context
        await page.close()
        page = await context.new_page()
        artifacts.pages.append(page)
        await open_app(page)
        assert await page.evaluate("navigator.onLine") is False
        await page.goto(f"/#/ho-so/{dossier_id}")
        await expect(page.get_by_text("Đã trả lời yêu cầu bổ sung")).to_be_visible()
        await expect(page.get_by_test_id("syncbar")).not_to_have_attribute("data-pending", "0")

        # Back online: the photo and the answer go, and the dossier is being processed again.
        await context.set_offline(False)
        await expect(page.get_by_test_id("syncbar")).to_have_attribute(
            "data-pending", "0", timeout=30_000
        )
        await expect(page.locator(".status .state")).to_have_text("Đang xử lý", timeout=15_000)
        await artifacts.screenshot(page, "request-answered-synced")

        seen = await desk.dossier(dossier_id)
        assert seen["state"] == 4, seen
        assert len(seen["fields"]["attachments.residence_documents"]) == 1, seen["fields"]
        assert len(seen["fields"]["attachments.marriage_certificate"]) == 1, seen["fields"]
        answer = seen["history"][-1]
        # Which requested document each file answers.
        assert answer["detail"]["documents"] == [
            {"document": RESIDENCE, "files": seen["fields"]["attachments.residence_documents"]},
            {"document": MARRIAGE, "files": seen["fields"]["attachments.marriage_certificate"]},
        ], answer
        assert (
            answer["action"] == "answer_supplement"
            and answer["from_state"] == 5
            and answer["to_state"] == 4
        )
        assert answer["message"] == "Em gửi giấy xác nhận cư trú ạ."
        assert [h["action"] for h in seen["history"]][-4:] == [
            "receive",
            "start",
            "request_documents",
            "answer_supplement",
        ]
        # The file the phone sent is the one the desk can open.
        sha = seen["fields"]["attachments.residence_documents"][0]
        stored = await page.evaluate(f"""() => new Promise((resolve) => {{
          const open = indexedDB.open('motcua');
          open.onsuccess = () => {{
            const r = open.result.transaction('blobs').objectStore('blobs').get('{sha}');
            r.onsuccess = () => resolve(r.result ? r.result.uploaded : null);
          }};
        }})""")
        assert stored is True


async def a_draft_on_both_phones(page, phone2: SyncDevice, today: dt.date) -> str:
    """A birth draft begun on the other phone, then pulled by this one."""
    from playwright.async_api import expect

    dossier = uuid7()
    answers = birth_answers(today)
    answers["child.hometown"] = "Huế"
    phone2.queue("create_draft", dossier, {"procedure_code": "khai-sinh", "fields": answers})
    [created] = await phone2.sync()
    assert created["status"] == "applied" and created["version"] == 1, created
    await sync_on_phone(page)
    await page.goto(f"/#/ho-so/{dossier}")
    await expect(page.locator('[id="f-child.hometown"]')).to_have_value("Huế")
    return str(dossier)


async def server_view(phone2: SyncDevice, dossier_id: str) -> dict:
    return (await phone2.pull_all())[dossier_id]


async def test_a_field_changed_on_two_phones_is_resolved_on_the_phone_with_a_third_value(
    live_server, new_page, artifacts
):
    from playwright.async_api import expect

    passwords = demo_passwords(live_server)
    page = await new_page()
    await installed_and_signed_in(page, passwords[CITIZEN])
    today = await vn_today(page)
    async with other_device(live_server, CITIZEN, passwords[CITIZEN]) as phone2:
        dossier_id = await a_draft_on_both_phones(page, phone2, today)

        # Offline, this phone changes the hometown; meanwhile the other phone changes it too.
        await page.context.set_offline(True)
        hometown = page.locator('[id="f-child.hometown"]')
        await hometown.fill("Nam Định")
        await hometown.blur()
        await expect(page.get_by_test_id("syncbar")).not_to_have_attribute("data-pending", "0")
        phone2.queue(
            "edit_draft", uuid.UUID(dossier_id), {"changes": {"child.hometown": "Hải Phòng"}}, 1
        )
        [edited] = await phone2.sync()
        assert edited["status"] == "applied" and edited["version"] == 2, edited

        # Back online: the server keeps its value and the phone shows both, field by field.
        await page.context.set_offline(False)
        card = page.locator("#conflicts")
        await expect(card).to_be_visible(timeout=30_000)
        row = card.locator('.conflict[data-path="child.hometown"]')
        await expect(row.locator('[data-choice="server"]')).to_contain_text("Hải Phòng")
        await expect(row.locator('[data-choice="device"]')).to_contain_text("Nam Định")
        await expect(row.locator('[data-choice="device"]')).to_contain_text("từ máy này")
        await expect(hometown).to_have_value("Hải Phòng")
        view = await server_view(phone2, dossier_id)
        assert [(c["path"], c["server_value"], c["device_value"]) for c in view["conflicts"]] == [
            ("child.hometown", "Hải Phòng", "Nam Định")
        ]

        # Neither: the person types a third value.
        await row.locator('[data-choice="value"]').click()
        use = row.get_by_role("button", name="Dùng giá trị này")
        await expect(use).to_be_disabled()
        await row.locator(f"#conflict-{view['conflicts'][0]['id']}").fill("Thái Bình")
        await artifacts.screenshot(page, "conflict-third-value")
        await use.click()
        await expect(card).to_have_count(0)
        await expect(hometown).to_have_value("Thái Bình")
        await expect(page.get_by_test_id("syncbar")).to_have_attribute(
            "data-pending", "0", timeout=30_000
        )

        view = await server_view(phone2, dossier_id)
        assert view["conflicts"] == [] and view["fields"]["child.hometown"] == "Thái Bình", view
        # It went through the outbox as a resolve_conflict, a mutation of this phone.
        assert view["version"] == 4, view  # create, the other phone's edit, the clash, the choice


DISPATCHED = "motcua-sync"


async def sync_event_with_no_window(context, live_server):
    """Brings the network back with no window of the app open, and fires the sync event.

    Chromium fires the sync event the app registered once the network is back (its
    offline emulation holds Background Sync back, as a real outage would); this also
    fires it over CDP, so as not to depend on when Chromium decides to. Either way only
    the worker can act. Returns a blank page and Chromium's Background Sync record."""
    blank = await context.new_page()
    cdp = await context.new_cdp_session(blank)
    events: list[dict] = []
    cdp.on(
        "BackgroundService.backgroundServiceEventReceived",
        lambda e: events.append(e["backgroundServiceEvent"]),
    )
    await cdp.send("BackgroundService.startObserving", {"service": "backgroundSync"})
    await cdp.send(
        "BackgroundService.setRecording", {"shouldRecord": True, "service": "backgroundSync"}
    )
    registrations: list[dict] = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda e: registrations.extend(e["registrations"]),
    )
    await cdp.send("ServiceWorker.enable")
    await context.set_offline(False)
    for _ in range(100):
        if any(r["scopeURL"] == live_server.url("/") and not r["isDeleted"] for r in registrations):
            break
        await blank.wait_for_timeout(100)
    [registration] = [
        r for r in registrations if r["scopeURL"] == live_server.url("/") and not r["isDeleted"]
    ][:1]
    assert [p for p in context.pages if p.url.startswith(live_server.base_url)] == []
    await cdp.send(
        "ServiceWorker.dispatchSyncEvent",
        {
            "origin": live_server.base_url,
            "registrationId": registration["registrationId"],
            "tag": DISPATCHED,
            "lastChance": False,
        },
    )
    return blank, events


WORKER_RECORD = """async () => {
  const db = await new Promise((resolve, reject) => {
    const open = indexedDB.open('motcua');
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  const read = (store, how) => new Promise((resolve, reject) => {
    const r = how(db.transaction(store).objectStore(store));
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
  const sync = await read('meta', (s) => s.get('sync'));
  const outbox = await read('outbox', (s) => s.getAll());
  db.close();
  return {
    last_success_at: sync?.last_success_at ?? null,
    last_error: sync?.last_error ?? null,
    waiting: outbox.filter((i) => i.status === 'pending' && !i.discarded).length,
  };
}"""


async def worker_finished(context, live_server, blank, events: list[dict], since: str) -> None:
    """The sync event reached the worker (Chromium's Background Sync record) and the
    worker's pass ended well: its own record, read inside the worker with no window of
    the app open, shows a success after the network came back and nothing waiting.

    Chromium's "Sync completed" is not the test: it is written only for a registration
    Chromium fires itself, and Chromium may have fired (and spent) the registration
    while the page was still open and offline, before its offline state reached the
    worker; the event dispatched over DevTools has no completion record."""
    assert "Dispatched sync event" in [e["eventName"] for e in events], events
    [worker] = [w for w in context.service_workers if w.url.startswith(live_server.base_url)]
    for _ in range(300):
        record = await worker.evaluate(WORKER_RECORD)
        if (record["last_success_at"] or "") > since and record["waiting"] == 0:
            break
        await blank.wait_for_timeout(100)
    assert (record["last_success_at"] or "") > since, record
    assert record["last_error"] is None and record["waiting"] == 0, record


def iso_now() -> str:
    """Now as the app writes its instants (`Date.toISOString`), to compare its records with."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


async def test_background_sync_pushes_the_outbox_with_no_window_of_the_app_open(
    live_server, new_page
):
    from playwright.async_api import expect

    passwords = demo_passwords(live_server)
    page = await new_page()
    await installed_and_signed_in(page, passwords[CITIZEN])
    today = await vn_today(page)
    async with other_device(live_server, CITIZEN, passwords[CITIZEN]) as phone2:
        dossier_id = await a_draft_on_both_phones(page, phone2, today)

        # A change made offline waits in the outbox; then the app's only window is closed.
        context = page.context
        await context.set_offline(True)
        hometown = page.locator('[id="f-child.hometown"]')
        await hometown.fill("Quảng Trị")
        await hometown.blur()
        await expect(page.get_by_test_id("syncbar")).to_have_attribute("data-pending", "1")
        await page.close()

        # Signal again, and no window of the app open: only the worker can act.
        assert (await server_view(phone2, dossier_id))["fields"]["child.hometown"] == "Huế"
        since = iso_now()
        blank, events = await sync_event_with_no_window(context, live_server)

        # The service worker pushed the outbox on its own.
        for _ in range(150):
            view = await server_view(phone2, dossier_id)
            if view["fields"]["child.hometown"] == "Quảng Trị":
                break
            await blank.wait_for_timeout(200)
        assert view["fields"]["child.hometown"] == "Quảng Trị", view
        assert view["version"] == 2 and view["conflicts"] == [], view
        await worker_finished(context, live_server, blank, events, since)

        # Reopened, the app finds its outbox empty: nothing is sent twice.
        page = await context.new_page()
        await open_app(page)
        await expect(page.get_by_test_id("syncbar")).to_have_attribute("data-pending", "0")
        await page.goto(f"/#/ho-so/{dossier_id}")
        await expect(page.locator('[id="f-child.hometown"]')).to_have_value("Quảng Trị")


async def test_background_sync_uploads_a_photo_and_submits_with_no_window_of_the_app_open(
    live_server, new_page, artifacts
):
    from playwright.async_api import expect

    passwords = demo_passwords(live_server)
    page = await new_page()
    await installed_and_signed_in(page, passwords[CITIZEN])
    context = page.context

    # A whole birth dossier, its paper photographed and submitted with no network.
    await context.set_offline(True)
    await page.goto("/#/")
    await page.get_by_role("button", name="Đăng ký khai sinh").click()
    await expect(page.locator("form.draft h1")).to_have_text("Đăng ký khai sinh")
    await fill_birth_form(page, await vn_today(page))
    await expect(page.locator(".thumb img")).to_have_count(1, timeout=15_000)
    dossier_id = page.url.split("/ho-so/")[1].split("?")[0]
    photo = await page.evaluate("""() => new Promise((resolve) => {
      const open = indexedDB.open('motcua');
      open.onsuccess = () => {
        const r = open.result.transaction('blobs').objectStore('blobs').getAll();
        r.onsuccess = () => resolve(r.result.map((b) => ({sha256: b.sha256, size: b.size, uploaded: b.uploaded})));
      };
    })""")
    [photo] = photo
    assert photo["uploaded"] is False, photo
    await page.get_by_role("button", name="Tiếp tục").click()
    await expect(page.get_by_role("heading", name="Xem lại hồ sơ")).to_be_visible()
    await page.locator(".promise input").check()
    await page.get_by_role("button", name="Nộp hồ sơ").click()
    await expect(page.locator(".status .state")).to_have_text("Đã nộp trên máy – chờ gửi đi")
    await expect(page.get_by_test_id("syncbar")).not_to_have_attribute("data-pending", "0")
    await artifacts.screenshot(page, "submitted-offline")
    await page.close()

    async with other_device(live_server, CITIZEN, passwords[CITIZEN]) as phone2:
        missing = await phone2.http.post(
            "/api/blobs/missing", json={"hashes": [photo["sha256"]]}, headers=phone2.auth
        )
        assert missing.status_code == 200 and missing.json()["missing"] == [photo["sha256"]], (
            missing.text
        )
        assert dossier_id not in await phone2.pull_all()

        # Network back, no window of the app: the worker sends the photo, then the dossier.
        since = iso_now()
        blank, events = await sync_event_with_no_window(context, live_server)
        for _ in range(150):
            view = (await phone2.pull_all()).get(dossier_id)
            if view and view["state"] == 1:
                break
            await blank.wait_for_timeout(200)
        assert view and view["state"] == 1 and view["code"], view
        assert view["fields"]["attachments.birth_certificate"] == [photo["sha256"]], view["fields"]
        await worker_finished(context, live_server, blank, events, since)

        # The server holds the very bytes: their SHA-256 is the one the phone computed.
        stored = await phone2.http.get(f"/api/blobs/{photo['sha256']}", headers=phone2.auth)
        assert stored.status_code == 200, stored.text
        assert hashlib.sha256(stored.content).hexdigest() == photo["sha256"]
        assert len(stored.content) == photo["size"]

    # Reopened, the app shows the code the server gave, and nothing waits.
    page = await context.new_page()
    await open_app(page)
    await expect(page.get_by_test_id("syncbar")).to_have_attribute("data-pending", "0")
    await page.goto(f"/#/ho-so/{dossier_id}")
    code = view["code"]
    await expect(page.get_by_test_id("dossier-code")).to_have_text(
        " ".join(code[i : i + 4] for i in range(0, 16, 4))
    )
    await artifacts.screenshot(page, "code-after-background-sync")
