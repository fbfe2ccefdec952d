"""An upgrade of the app keeps everything on the phone. The app as phones run it
(built from the released commit) drafts and queues offline; the server is then
upgraded to this code, with a new version of the birth form; the phone's service
worker updates while a push is on its way (the server applied it, its answer never
came back), and the new app upgrades the phone's IndexedDB. Every draft, photo and
queued change is still there, the queue is sent again and the server applies each
mutation exactly once; the drafts made with the old form keep it."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from harness.app_pages import app_ready, install_app, page_today, sign_in
from tests.e2e.test_pwa_offline import CITIZEN, demo_password, fill_birth_form

REPO = Path(__file__).resolve().parents[2]
# The app as phones run it: its IndexedDB is at version 1 (a single schema, before the
# numbered upgrade steps). When a release ships, move this to it; an older one stays a
# fair test too (a phone may skip releases), as long as it still builds.
RELEASED_APP = "bb6c443ac5f6dfa1c7c06d533b17bb7eaf88db2a"
OLD_LABEL = "Giấy chứng sinh"
NEW_LABEL = "Giấy chứng sinh (bản gốc, do cơ sở y tế cấp)"

# The device's IndexedDB as the app left it: the version, the outbox's indexes, every
# dossier, queued mutation and photo (with the SHA-256 of the bytes actually stored).
DEVICE_STATE = """async () => {
  const db = await new Promise((resolve, reject) => {
    const open = indexedDB.open('motcua');
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  const all = (store) => new Promise((resolve, reject) => {
    const r = db.transaction(store).objectStore(store).getAll();
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
  const hex = async (blob) => [...new Uint8Array(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer()))]
    .map((b) => b.toString(16).padStart(2, '0')).join('');
  const [dossiers, outbox, blobs, device] = await Promise.all([all('dossiers'), all('outbox'), all('blobs'),
    new Promise((resolve) => { const r = db.transaction('meta').objectStore('meta').get('device'); r.onsuccess = () => resolve(r.result); })]);
  const state = {
    version: db.version,
    outbox_indexes: [...db.transaction('outbox').objectStore('outbox').indexNames].sort(),
    device_id: device ? device.device_id : null,
    dossiers: dossiers.map((d) => ({ id: d.id, schema_version: d.schema_version, answers: d.answers, state: d.state })),
    outbox: outbox.map((i) => ({ seq: i.seq, id: i.id, kind: i.kind, dossier_id: i.dossier_id, status: i.status,
                                 payload: i.payload, sent: !!i.sent })),
    blobs: await Promise.all(blobs.map(async (b) => ({ sha256: b.sha256, size: b.size, digest: await hex(b.blob) }))),
  };
  db.close();
  return state;
}"""

# The script the page runs: tells one build of the app from another.
PAGE_SCRIPT = "() => document.querySelector('script[type=module]').getAttribute('src')"

UPDATE_WORKER = """async () => {
  const changed = new Promise((resolve) => navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true }));
  const registration = await navigator.serviceWorker.getRegistration();
  await registration.update();
  await changed;
  const worker = navigator.serviceWorker.controller;
  if (worker.state !== 'activated') {
    await new Promise((resolve) => worker.addEventListener('statechange', () => worker.state === 'activated' && resolve()));
  }
  return worker.state;
}"""


def build_app(pwa_dir: Path, out: Path) -> Path:
    done = subprocess.run(
        ["npx", "vite", "build", "--outDir", str(out), "--emptyOutDir"],
        cwd=pwa_dir,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, f"vite build in {pwa_dir} failed:\n{done.stdout}{done.stderr}"
    return out


def released_source(target: Path) -> Path:
    """The released commit's app (pwa/ and the shared data in sync/), with today's node_modules."""
    known = subprocess.run(
        ["git", "-C", str(REPO), "cat-file", "-e", f"{RELEASED_APP}^{{commit}}"],
        capture_output=True,
        text=True,
    )
    if known.returncode != 0:
        pytest.fail(
            f"the released app's commit {RELEASED_APP} is not in this clone's history "
            "(a shallow clone? fetch the full history)"
        )
    target.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", RELEASED_APP, "pwa", "sync"],
        capture_output=True,
        check=True,
    )
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    (target / "pwa" / "node_modules").symlink_to((REPO / "pwa" / "node_modules").resolve())
    return target / "pwa"


def catalog_with_new_birth_form(target: Path) -> Path:
    """The catalog data with the birth form changed (a clearer label): `motcua seed`
    makes it version 2 of khai-sinh."""
    shutil.copytree(REPO / "server" / "catalog" / "data", target)
    path = target / "procedures" / "khai-sinh.json"
    text = path.read_text()
    old = f'"vi": "{OLD_LABEL}"'
    assert text.count(old) == 1, "the birth form's certificate label moved; update this test"
    path.write_text(text.replace(old, f'"vi": "{NEW_LABEL}"'))
    return target


def other_photo() -> bytes:
    """Another paper: a photo of its own, so the two drafts hold two different files."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (1800, 2400), (245, 245, 250))
    draw = ImageDraw.Draw(img)
    for x in range(100, 1700, 80):
        draw.line([(x, 150), (x, 2250)], fill=(20, 90, 40), width=5)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=92)
    return out.getvalue()


async def server_rows(live_server, sql: str, *args) -> list[tuple]:
    """Rows from the server's database (`?` placeholders), on either engine."""
    url = live_server.env["MOTCUA_DATABASE_URL"]
    if url.startswith("sqlite"):
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
            return [tuple(r) for r in db.execute(sql, args).fetchall()]
    import asyncpg

    n = iter(range(1, 100))
    connection = await asyncpg.connect(url)
    try:
        return [
            tuple(r)
            for r in await connection.fetch(re.sub(r"\?", lambda _: f"${next(n)}", sql), *args)
        ]
    finally:
        await connection.close()


def queued(state: dict) -> list[tuple]:
    """What the outbox holds, as the server would see it (not whether it went out yet)."""
    return [
        (
            i["seq"],
            i["id"],
            i["kind"],
            i["dossier_id"],
            i["status"],
            json.dumps(i["payload"], sort_keys=True),
        )
        for i in state["outbox"]
    ]


async def test_an_upgrade_keeps_every_draft_photo_and_queued_change(
    live_server, new_page, artifacts, tmp_path
):
    from playwright.async_api import expect

    released = build_app(released_source(tmp_path / "released"), tmp_path / "dist-released")
    current = build_app(REPO / "pwa", tmp_path / "dist-current")
    released_script = re.search(
        r'<script type="module"[^>]* src="([^"]+)"', (released / "index.html").read_text()
    )[1]
    current_script = re.search(
        r'<script type="module"[^>]* src="([^"]+)"', (current / "index.html").read_text()
    )[1]
    assert released_script != current_script

    # The server as it is today, serving the released app.
    live_server.stop()
    live_server.env["MOTCUA_PWA_DIST"] = str(released)
    live_server.start()
    password = demo_password(live_server, CITIZEN)

    page = await new_page()
    await install_app(page)
    assert await page.evaluate(PAGE_SCRIPT) == released_script
    await sign_in(page, CITIZEN, password)
    await expect(page.get_by_test_id("syncbar")).to_contain_text("Đồng bộ lúc", timeout=15_000)

    # Days without signal: a dossier drafted and submitted, another left as a draft,
    # each with a photo.
    await page.context.set_offline(True)
    today = await page_today(page)
    await page.goto("/#/")
    await page.get_by_role("button", name="Đăng ký khai sinh").click()
    # The released app speaks form-language level 1: the server leaves the date in
    # words out of its form (sync/forms/README.md, Language levels), so it is typed.
    await fill_birth_form(page, today, words_by_hand=True)
    await expect(page.locator(".thumb img")).to_have_count(1, timeout=15_000)
    submitted_id = page.url.split("/ho-so/")[1].split("?")[0]
    await page.get_by_role("button", name="Tiếp tục").click()
    await expect(page.locator(".error-box")).to_have_count(0)
    await page.locator(".promise input").check()
    await page.get_by_role("button", name="Nộp hồ sơ").click()
    await expect(page.locator(".status .state")).to_have_text("Đã nộp trên máy – chờ gửi đi")

    await page.goto("/#/")
    await page.get_by_role("button", name="Đăng ký khai sinh").click()
    await expect(page.locator('label[for="f-attachments.birth_certificate"]')).to_contain_text(
        OLD_LABEL
    )
    await page.locator('[id="f-child.full_name"]').fill("Nguyễn Thảo Vy")
    await page.locator('[id="f-attachments.birth_certificate"]').set_input_files(
        {"name": "giay-chung-sinh-2.jpg", "mimeType": "image/jpeg", "buffer": other_photo()}
    )
    await expect(page.locator(".thumb img")).to_have_count(1, timeout=15_000)
    draft_id = page.url.split("/ho-so/")[1].split("?")[0]
    await page.goto("/#/")
    await expect(page.get_by_test_id("syncbar")).not_to_have_attribute("data-pending", "0")

    before = await page.evaluate(DEVICE_STATE)
    assert before["version"] == 1 and before["outbox_indexes"] == ["dossier"], before
    # (the demo account's earlier dossiers came down at sign-in: they are kept too)
    mine = [d for d in before["dossiers"] if d["id"] in (submitted_id, draft_id)]
    assert len(mine) == 2 and {d["schema_version"] for d in mine} == {1}, before["dossiers"]
    assert len(before["blobs"]) == 2 and all(b["digest"] == b["sha256"] for b in before["blobs"]), (
        before["blobs"]
    )
    assert before["outbox"] and not any(i["sent"] for i in before["outbox"])
    assert "submit" in [i["kind"] for i in before["outbox"]]
    await artifacts.screenshot(page, "released-app-offline-with-queue")

    # Meanwhile the server is upgraded: this code, this app, a new birth form.
    live_server.stop()
    live_server.env["MOTCUA_PWA_DIST"] = str(current)
    live_server.env["MOTCUA_CATALOG_DIR"] = str(catalog_with_new_birth_form(tmp_path / "catalog"))
    live_server.motcua("seed")
    live_server.start()
    assert await server_rows(
        live_server, "SELECT current_version FROM procedure WHERE code = ?", "khai-sinh"
    ) == [(2,)]

    # Still offline, the phone opens the app again: the worker cannot reach the new
    # version, so the released app opens, with everything.
    await page.reload()
    await app_ready(page)
    assert await page.evaluate(PAGE_SCRIPT) == released_script
    assert await page.evaluate(DEVICE_STATE) == before

    # Signal again. The push reaches the server, which applies it; its answer is held
    # back (a link that drops at the wrong moment) while the worker updates, and the
    # app restarts as the new version. The new app's first push is held too, until
    # its database has been looked at.
    pushes: list[list[int]] = []
    first_push_applied = asyncio.Event()
    send_again = asyncio.Event()
    lost_answers: list = []

    async def on_push(route):
        body = json.loads(route.request.post_data or "{}")
        pushes.append([m["seq"] for m in body.get("mutations", [])])
        if len(pushes) == 1:
            lost_answers.append((route, await route.fetch()))
            first_push_applied.set()
            return
        await send_again.wait()
        await route.continue_()

    await page.context.route("**/api/sync/push", on_push)
    await page.context.set_offline(False)
    await asyncio.wait_for(first_push_applied.wait(), 60)
    device_id = before["device_id"]
    applied = await server_rows(
        live_server,
        "SELECT seq FROM applied_mutation WHERE CAST(device_id AS TEXT) = ? ORDER BY seq",
        device_id,
    )
    assert [s for (s,) in applied] == pushes[0] == [i["seq"] for i in before["outbox"]]

    assert await asyncio.wait_for(page.evaluate(UPDATE_WORKER), 60) == "activated"
    await page.reload()
    await app_ready(page)
    assert await page.evaluate(PAGE_SCRIPT) == current_script
    for route, response in lost_answers:  # the released app is gone: its answer has nowhere to go
        with contextlib.suppress(Exception):
            await route.fulfill(response=response)

    # The new app upgraded the database in place: every draft, photo and queued change
    # is there, the queue unchanged (marked sent: the server may hold it).
    after = await page.evaluate(DEVICE_STATE)
    assert after["version"] == 2 and after["outbox_indexes"] == ["dossier", "status"], after
    assert after["device_id"] == device_id
    assert queued(after) == queued(before)
    assert all(i["sent"] for i in after["outbox"])
    assert {d["id"]: d["answers"] for d in after["dossiers"]} == {
        d["id"]: d["answers"] for d in before["dossiers"]
    }
    assert sorted(after["blobs"], key=lambda b: b["sha256"]) == sorted(
        before["blobs"], key=lambda b: b["sha256"]
    )
    await artifacts.screenshot(page, "new-app-after-upgrade")

    # The queue goes again; the server answers with what it did the first time.
    send_again.set()
    await expect(page.get_by_test_id("syncbar")).to_have_attribute(
        "data-pending", "0", timeout=30_000
    )
    assert len(pushes) >= 2 and pushes[1] == pushes[0], pushes
    await page.goto(f"/#/ho-so/{submitted_id}")
    await expect(page.get_by_test_id("dossier-code")).to_have_text(
        re.compile(r"^\d{4} "), timeout=30_000
    )
    await expect(page.locator(".status .state")).to_have_text("Mới đăng ký")
    await artifacts.screenshot(page, "submitted-dossier-after-upgrade")

    # Each mutation applied once: one record per seq, none a repeat, the device's
    # sequence at the last one, and each dossier's history one entry per mutation.
    seqs = [i["seq"] for i in before["outbox"]]
    rows = await server_rows(
        live_server,
        "SELECT seq, CAST(dossier_id AS TEXT), repeat_of FROM applied_mutation "
        "WHERE CAST(device_id AS TEXT) = ? ORDER BY seq",
        device_id,
    )
    assert [r[0] for r in rows] == seqs and all(r[2] is None for r in rows), rows
    assert await server_rows(
        live_server,
        "SELECT last_seq FROM device_sequence WHERE CAST(device_id AS TEXT) = ?",
        device_id,
    ) == [(max(seqs),)]
    for dossier_id in (submitted_id, draft_id):
        mutations = sum(1 for r in rows if r[1] == dossier_id)
        history = await server_rows(
            live_server,
            "SELECT action FROM dossier_history WHERE CAST(dossier_id AS TEXT) = ?",
            dossier_id,
        )
        [(version, schema_version)] = await server_rows(
            live_server,
            "SELECT version, schema_version FROM dossier WHERE CAST(id AS TEXT) = ?",
            dossier_id,
        )
        assert len(history) == mutations == version, (dossier_id, history, mutations, version)
        assert schema_version == 1  # drafted with the form as it was
    held = {b["sha256"] for b in before["blobs"]}
    on_server = {sha for (sha,) in await server_rows(live_server, "SELECT sha256 FROM blob")}
    assert held <= on_server

    # The draft made with the old form keeps it, offline too; a new one gets the new form.
    await page.context.set_offline(True)
    await page.goto(f"/#/ho-so/{draft_id}")
    await expect(page.locator('[id="f-child.full_name"]')).to_have_value("Nguyễn Thảo Vy")
    label = page.locator('label[for="f-attachments.birth_certificate"]')
    await expect(label).to_contain_text(OLD_LABEL)
    await expect(label).not_to_contain_text(NEW_LABEL)
    await expect(page.locator(".thumb img")).to_have_count(1)
    await artifacts.screenshot(page, "old-form-draft-after-upgrade")
    await page.goto("/#/")
    await page.get_by_role("button", name="Đăng ký khai sinh").click()
    await expect(page.locator('label[for="f-attachments.birth_certificate"]')).to_contain_text(
        NEW_LABEL
    )


# What a newer version of the app does on opening: asks for the database at a higher
# version. Unless told to finish, it stops there (its upgrade aborted), so the database
# stays as it was and the page that gave way comes back to it.
NEWER_VERSION_OPENS = """(finish) => new Promise((resolve) => {
  const probe = indexedDB.open('motcua');
  probe.onsuccess = () => {
    const version = probe.result.version;
    probe.result.close();
    const open = indexedDB.open('motcua', version + 1);
    open.onupgradeneeded = () => { if (!finish) open.transaction.abort(); };
    open.onsuccess = () => { open.result.close(); resolve('upgraded'); };
    open.onerror = () => resolve(open.error.name);
  };
})"""

DRAFT_ANSWER = """([id, path]) => new Promise((resolve) => {
  const open = indexedDB.open('motcua');
  open.onsuccess = () => {
    const r = open.result.transaction('dossiers').objectStore('dossiers').get(id);
    r.onsuccess = () => { open.result.close(); resolve(r.result ? r.result.answers[path] ?? null : null); };
  };
})"""


async def test_a_page_left_open_saves_its_typing_and_restarts_when_a_newer_version_takes_the_database(
    live_server, new_page, artifacts
):
    from playwright.async_api import expect

    page = await new_page()
    await install_app(page)
    other = await page.context.new_page()  # another tab of the phone
    await other.goto("/health")
    await page.get_by_role("button", name="Đăng ký khai sinh").click()
    name = page.locator('[id="f-child.full_name"]')
    await expect(name).to_be_editable()
    draft_id = page.url.split("/ho-so/")[1].split("?")[0]

    # Typing, and at once the other tab opens a newer version of the app (before the
    # form's pause-then-save, or while that save is on its way). This page saves what was
    # typed, closes its database and restarts (as the newer version, in real life).
    await name.fill("Nguyễn Minh")
    async with page.expect_navigation(timeout=15_000):
        assert await other.evaluate(NEWER_VERSION_OPENS, False) == "AbortError"
    await app_ready(page)
    assert await other.evaluate(DRAFT_ANSWER, [draft_id, "child.full_name"]) == "Nguyễn Minh"
    await expect(name).to_have_value("Nguyễn Minh")

    # The restarted page saves as before.
    await name.fill("Nguyễn Minh Khang")
    await name.blur()
    await other.wait_for_function(
        f"""() => ({DRAFT_ANSWER})(["{draft_id}", "child.full_name"])
                                      .then((v) => v === "Nguyễn Minh Khang")""",
        polling=200,
        timeout=15_000,
    )
    await artifacts.screenshot(page, "draft-after-restart")


async def test_an_app_older_than_its_database_says_so_and_leaves_the_data_alone(
    live_server, new_page, artifacts
):
    """A release rolled back after phones had run a newer one: the older app cannot open
    a database made by the newer one. It says so, instead of "Opening…" for ever."""
    from playwright.async_api import expect

    page = await new_page()
    await install_app(page)
    other = await page.context.new_page()
    await other.goto("/health")
    await page.get_by_role("button", name="Đăng ký khai sinh").click()
    await page.locator('[id="f-child.full_name"]').fill("Nguyễn Minh Khang")
    draft_id = page.url.split("/ho-so/")[1].split("?")[0]

    async with page.expect_navigation(timeout=15_000):
        assert await other.evaluate(NEWER_VERSION_OPENS, True) == "upgraded"
    failure = page.get_by_test_id("open-failure")
    await expect(failure).to_contain_text("phiên bản mới hơn của ứng dụng")
    await expect(failure).to_contain_text("không bị xoá")
    await expect(page.locator("main")).to_have_attribute("data-ready", "false")
    await expect(page.get_by_test_id("syncbar")).to_have_count(0)  # it could not say what waits
    assert await other.evaluate(DRAFT_ANSWER, [draft_id, "child.full_name"]) == "Nguyễn Minh Khang"
    await artifacts.screenshot(page, "older-app-newer-database")
