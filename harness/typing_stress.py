"""Fast typing into the birth registration form of the real app (Chromium) while the
sync loop, the service worker, a second device and the page's visibility all move at
random moments: the driver behind tests/e2e/test_typing_stress.py and
bench/typing_stress.py.

A draft is typed field by field, every text field of the form (the fields come from
the catalog, server/catalog/data), plus its choices, in one burst. Meanwhile, unless
the draft is a quiet one, a second task fires at random moments one of:

- `sync`: a sync pass (the `online` event the app syncs on);
- `sw`: a Background Sync registration, which makes the service worker fire `sync`
  and tell the page;
- `remote`: a second device of the same account (harness/sync_client.py) edits
  a field this page never types (extras.extract_copies), then a sync pass pulls it;
- `hide`: the page goes hidden and visible again (the app's visibilitychange handlers);
- `desk`: the commune's desk official writes to the person about a dossier the account
  submitted before the typing began, then a sync pass pulls the message (a newer server
  version of another dossier, and a notice, landing while the draft is typed).

When the draft has settled, every field's final value is compared with what was typed
(or what the second device wrote) on the screen, in the app's IndexedDB, on the server
and on the screen after a reload; a mismatch anywhere is a loss, and so is a desk
message that never reached the app. Pushes
(POST /api/sync/push) are counted per draft: a few for a form, not one per field.

Everything random comes from one seed, printed; MOTCUA_TYPING_SEED replays it (the
interleaving of typing and events also depends on timing, so a replay is close, not
identical)."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import random
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from harness.app_pages import page_today
from harness.devices import sign_in_device_at
from harness.http_client import served_client
from harness.phone import Phone
from harness.samples import scan_jpeg
from harness.sync_client import SyncDevice, birth_answers

CATALOG = Path(__file__).resolve().parents[1] / "server" / "catalog" / "data"
PROCEDURE = "khai-sinh"
TYPED = {"person_name", "personal_id", "text", "phone", "email", "date"}
CHOSEN = {"select", "sex", "ethnicity", "nationality", "province"}
REMOTE_FIELD = "extras.extract_copies"  # written only by the second device
# Choices whose fill rules copy the requester into a parent: left out, so that every
# value on the screen is one that was typed.
FILLING_RELATIONSHIPS = {"me", "cha"}
BURST_PUSHES = 5  # a form typed in one burst goes in a few pushes, not one per field
SETTLE_SECONDS = 90
# The app's typing pause (pwa/src/app.ts TYPING_PAUSE): a gap this long between two edits
# lets a push go, as it should; the page's own clock tells how many the typing had
# (on a loaded machine the driver itself may stall that long between keys).
TYPING_PAUSE_MS = 1500
SEED_ENV = "MOTCUA_TYPING_SEED"

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"]
MIDDLE = ["Văn", "Thị", "Gia", "Minh", "Ngọc", "Đức", "Thu", "Quang", "Hoài", "Bảo"]
GIVEN = [
    "Hà",
    "Khang",
    "An",
    "Bình",
    "Châu",
    "Dũng",
    "Giang",
    "Hương",
    "Lan",
    "Phúc",
    "Thảo",
    "Yến",
]
PLACES = [
    "phố Hàng Bạc, phường Hoàn Kiếm, Hà Nội",
    "đường Lê Lợi, phường Bến Thành, TP Hồ Chí Minh",
    "thôn Đông, xã Mường Chiên, Sơn La",
    "ngõ 12 phố Huế, phường Hai Bà Trưng, Hà Nội",
]
WORDS = [
    "Ngày mười một, tháng mười một, năm hai nghìn không trăm hai mươi sáu",
    "Bệnh viện Phụ sản Hà Nội",
    "Trạm y tế xã Mường Chiên",
    "Hà Nội",
    "Nam Định",
    "Thừa Thiên Huế",
]

IDB_DOSSIER = """(id) => new Promise((resolve, reject) => {
  const open = indexedDB.open('motcua');
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const db = open.result;
    const tx = db.transaction(['dossiers', 'outbox']);
    const d = tx.objectStore('dossiers').get(id);
    const items = tx.objectStore('outbox').getAll();
    tx.oncomplete = () => {
      db.close();
      resolve({ dossier: d.result || null,
                pending: items.result.filter((i) => i.status === 'pending').length,
                rejected: items.result.filter((i) => i.status === 'rejected').map((i) => i.reasons) });
    };
  };
})"""

SET_VISIBILITY = """(state) => {
  for (const [name, get] of [['visibilityState', () => state], ['hidden', () => state === 'hidden']]) {
    Object.defineProperty(document, name, { configurable: true, get });
  }
  document.dispatchEvent(new Event('visibilitychange'));
}"""

WATCH_EDITS = """() => {
  window.__edits = [];
  if (window.__watchingEdits) return;
  window.__watchingEdits = true;
  for (const type of ['input', 'change']) {
    document.addEventListener(type, () => window.__edits.push(performance.now()), true);
  }
}"""

PAUSES = """(ms) => window.__edits.slice(1).filter((t, i) => t - window.__edits[i] >= ms).length"""

REGISTER_SYNC = """() => navigator.serviceWorker.ready.then(async (r) => {
  if (!r.sync) return false;
  await r.sync.register('motcua-sync');
  return true;
})"""

SHOWN_VALUES = """(paths) => Object.fromEntries(paths.map((p) => {
  const el = document.getElementById('f-' + p);
  if (!el) return [p, null];
  if (el.getAttribute('role') === 'radiogroup') {
    const checked = el.querySelector('input:checked');
    return [p, checked ? checked.value : ''];
  }
  return [p, el.value];
}))"""


@dataclass
class FormField:
    path: str
    type: str
    allow_year: bool = False
    options: list[str] = field(default_factory=list)


def birth_form_fields() -> list[FormField]:
    """The birth form's fields this driver fills, in the order the form shows them:
    every typed field and every choice that is always visible, but not the commune
    picker, files, checkboxes, a date in words (the app writes it) or the field the
    second device writes."""
    from server.catalog.loader import _read_json, expand_sections, load_fragments

    raw = expand_sections(
        _read_json(CATALOG / "procedures" / f"{PROCEDURE}.json"), load_fragments(CATALOG), CATALOG
    )
    out = []
    for section in raw["form"]["sections"]:
        if "visible_when" in section:
            continue
        for f in section["fields"]:
            path = f"{section['id']}.{f['id']}"
            if "visible_when" in f or path == REMOTE_FIELD or f["type"] not in TYPED | CHOSEN:
                continue
            if "words_of_date" in f:
                continue  # written by the app from its date, not typed by the person
            options = [o["value"] for o in f.get("options", [])]
            if path == "requester.relationship":
                options = [o for o in options if o not in FILLING_RELATIONSHIPS]
            out.append(FormField(path, f["type"], bool(f.get("allow_year")), options))
    return out


def typed_value(f: FormField, rng: random.Random, today: dt.date) -> str:
    if f.type == "person_name":
        return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
    if f.type == "personal_id":
        return (
            "001"
            + rng.choice("01")
            + f"{rng.randint(70, 99)}"
            + "".join(rng.choice("0123456789") for _ in range(6))
        )
    if f.type == "phone":
        return "09" + "".join(rng.choice("0123456789") for _ in range(8))
    if f.type == "email":
        return f"nguoi{rng.randint(100, 99999)}@example.vn"
    if f.type == "date":
        if f.allow_year:
            return f"19{rng.randint(70, 99)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        return (today - dt.timedelta(days=rng.randint(1, 50))).isoformat()
    if f.path.endswith("residence"):
        return f"Số {rng.randint(1, 200)} {rng.choice(PLACES)}"
    return rng.choice(WORDS)


@dataclass
class DraftResult:
    index: int
    dossier_id: str
    quiet: bool
    fields: int
    pushes: int
    pauses: int
    forced: int
    events: Counter
    losses: list[str]

    @property
    def allowed_pushes(self) -> int:
        """A few for the burst, one per pause in the typing, one per pass an event starts."""
        return BURST_PUSHES + self.pauses + self.forced

    def line(self) -> str:
        events = ", ".join(f"{k} {v}" for k, v in sorted(self.events.items())) or "none"
        return (
            f"draft {self.index + 1} {'quiet' if self.quiet else 'stirred'}: {self.fields} fields, "
            f"{len(self.losses)} lost, {self.pushes} pushes (allowed {self.allowed_pushes}: "
            f"{self.pauses} typing pauses ≥ {TYPING_PAUSE_MS} ms, {self.forced} passes the events "
            f"start: {events})" + "".join(f"\n    LOST {loss}" for loss in self.losses)
        )


@dataclass
class StressResult:
    seed: int
    throttle: float
    drafts: list[DraftResult] = field(default_factory=list)
    other_losses: list[str] = field(default_factory=list)  # outside the drafts: desk messages

    @property
    def fields(self) -> int:
        return sum(d.fields for d in self.drafts)

    @property
    def losses(self) -> int:
        return sum(len(d.losses) for d in self.drafts) + len(self.other_losses)

    @property
    def drafts_with_losses(self) -> int:
        return sum(1 for d in self.drafts if d.losses)

    def summary(self) -> str:
        pushes = [d.pushes for d in self.drafts]
        return (
            f"seed {self.seed}, CPU {self.throttle:g}× slower: {len(self.drafts)} drafts, {self.fields} fields, "
            f"{self.losses} lost in {self.drafts_with_losses} drafts; pushes per draft "
            f"{min(pushes)}–{max(pushes)} (mean {sum(pushes) / len(pushes):.1f})"
        )


def seed_from_env() -> int:
    given = os.environ.get(SEED_ENV, "").strip()
    return int(given) if given else random.SystemRandom().randrange(1, 10**9)


async def second_device(
    base_url: str, email: str, password: str
) -> tuple[SyncDevice, httpx.AsyncClient]:
    """Another install of the same account, speaking the protocol (sign in, register)."""
    http = served_client(base_url)
    return await sign_in_device_at(base_url, email, password, http), http


class DeskOfficial:
    """The commune's desk official (a password session, as in demo mode) and the dossier
    the account submitted, from its second device, before the typing began."""

    def __init__(self, http: httpx.AsyncClient, csrf: str, dossier_id: str) -> None:
        self.http, self.csrf, self.dossier_id = http, csrf, dossier_id
        self.sent = 0

    @classmethod
    async def open(
        cls, base_url: str, desk: tuple[str, str], citizen: tuple[str, str], today: dt.date
    ) -> DeskOfficial:
        phone = await Phone.sign_in(base_url, *citizen)
        try:
            scan = await phone.upload(scan_jpeg("giay chung sinh"), "giay-chung-sinh.jpg")
            dossier_id = await phone.submit(
                "khai-sinh",
                birth_answers(today, child="Đỗ Thu Giang"),
                {"attachments.birth_certificate": scan},
            )
        finally:
            await phone.http.aclose()
        http = served_client(base_url)
        r = await http.post("/api/auth/login", json={"email": desk[0], "password": desk[1]})
        assert r.status_code == 200, r.text
        return cls(http, r.json()["csrf_token"], dossier_id)

    async def message(self, rng: random.Random) -> None:
        self.sent += 1
        text = f"Tin nhắn số {self.sent}: {rng.choice(WORDS)}"
        r = await self.http.post(
            f"/api/desk/dossiers/{self.dossier_id}/actions/message",
            json={"reason": text},
            headers={"X-CSRF-Token": self.csrf},
        )
        assert r.status_code == 200, r.text

    async def close(self) -> None:
        await self.http.aclose()


async def server_view(device: SyncDevice, dossier_id: str) -> dict[str, Any] | None:
    return (await device.pull_all()).get(dossier_id)


class Stirrer:
    """Fires the random events of one draft while it is typed."""

    def __init__(
        self,
        page,
        device: SyncDevice,
        dossier_id: str,
        rng: random.Random,
        desk: DeskOfficial | None,
    ) -> None:
        self.page, self.device, self.dossier_id, self.rng, self.desk = (
            page,
            device,
            dossier_id,
            rng,
            desk,
        )
        self.events: Counter = Counter()
        self.forced = 0  # passes the events start at once, by design
        self.remote_value: int | None = None

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), timeout=self.rng.uniform(0.3, 2.0))
                return
            except TimeoutError:
                pass
            await self.fire(
                self.rng.choice(["sync", "sw", "remote", "hide"] + (["desk"] if self.desk else []))
            )

    async def fire(self, kind: str) -> None:
        page = self.page
        if kind == "sync":
            await page.evaluate("window.dispatchEvent(new Event('online'))")
            self.forced += 1
        elif kind == "sw":
            if not await page.evaluate(REGISTER_SYNC):
                raise AssertionError("this Chromium has no Background Sync")
            self.forced += 1  # the worker's message may start a pass when no typing pause runs
        elif kind == "remote":
            view = await server_view(self.device, self.dossier_id)
            if view is None:
                return  # the draft has not reached the server yet
            value = self.rng.randint(1, 9)
            self.device.queue(
                "edit_draft",
                uuid.UUID(self.dossier_id),
                {"changes": {REMOTE_FIELD: value}},
                base_version=view["version"],
            )
            outcomes = await self.device.sync()
            assert outcomes and outcomes[-1]["status"] in ("applied", "merged"), outcomes
            self.remote_value = value
            await page.evaluate("window.dispatchEvent(new Event('online'))")  # a pass pulls it
            self.forced += 1
        elif kind == "desk":
            assert self.desk is not None  # drawn only when there is an official
            await self.desk.message(self.rng)
            await page.evaluate("window.dispatchEvent(new Event('online'))")  # a pass pulls it
            self.forced += 1
        elif kind == "hide":
            await page.evaluate(SET_VISIBILITY, "hidden")
            await asyncio.sleep(self.rng.uniform(0.05, 0.6))
            await page.evaluate(SET_VISIBILITY, "visible")
            # Two by design: hidden with work waiting asks the worker for a pass
            # (pwa/src/app.ts leaveToWorker), and visible again syncs at once.
            self.forced += 2
        self.events[kind] += 1


async def type_field(page, f: FormField, value: str, rng: random.Random) -> None:
    locator = page.locator(f'[id="f-{f.path}"]')
    if f.type == "date" and not f.allow_year:
        await locator.fill(value)  # a date input takes its value whole
        return
    await locator.click()
    await page.keyboard.type(value, delay=rng.randint(5, 45))


async def choose(page, f: FormField, rng: random.Random) -> str:
    if f.options:  # radios
        value = rng.choice(f.options)
        await page.check(f'input[name="{f.path}"][value="{value}"]')
        return value
    if f.type == "sex":
        value = rng.choice(["male", "female"])
        await page.check(f'input[name="{f.path}"][value="{value}"]')
        return value
    locator = page.locator(f'[id="f-{f.path}"]')
    values = [v for v in await locator.evaluate("(el) => [...el.options].map((o) => o.value)") if v]
    value = rng.choice(values[:40])
    await locator.select_option(value)
    return value


async def settle(page, device: SyncDevice, dossier_id: str) -> dict[str, Any]:
    """Waits until nothing waits in the outbox and the device holds the server's version."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SETTLE_SECONDS
    pulled = False
    while True:
        state = await page.evaluate(IDB_DOSSIER, dossier_id)
        if state["rejected"]:
            raise AssertionError(f"the server refused an item: {state['rejected']}")
        if state["pending"] == 0:
            if not pulled:
                await page.evaluate(
                    "window.dispatchEvent(new Event('online'))"
                )  # pull what the other device wrote
                pulled = True
            else:
                view = await server_view(device, dossier_id)
                if view and state["dossier"] and state["dossier"]["version"] >= view["version"]:
                    return state
        if loop.time() > deadline:
            raise AssertionError(
                f"draft {dossier_id} did not settle in {SETTLE_SECONDS} s: {state}"
            )
        await asyncio.sleep(0.3)


def compare(expected: dict[str, Any], got: dict[str, Any], where: str) -> list[str]:
    out = []
    for path, value in expected.items():
        have = got.get(path)
        if str(have if have is not None else "") != str(value):
            out.append(f"{path}: {where} has {have!r}, typed {value!r}")
    return out


async def open_dossier(page, dossier_id: str) -> None:
    from playwright.async_api import expect

    await page.goto(f"/#/ho-so/{dossier_id}")
    await expect(page.locator("form.draft h1")).to_have_text("Đăng ký khai sinh", timeout=30_000)


async def one_draft(
    page,
    device: SyncDevice,
    index: int,
    quiet: bool,
    seed: int,
    today: dt.date,
    pushes: Callable[[], int],
    desk: DeskOfficial | None = None,
) -> DraftResult:
    from playwright.async_api import expect

    typing_rng = random.Random(f"{seed}:{index}:typing")
    stir_rng = random.Random(f"{seed}:{index}:events")
    fields = birth_form_fields()
    before = pushes()
    await page.goto("/#/")
    await page.get_by_role("button", name="Đăng ký khai sinh").click()
    await expect(page.locator("form.draft h1")).to_have_text("Đăng ký khai sinh", timeout=30_000)
    dossier_id = page.url.split("/ho-so/")[1].split("?")[0]
    await page.evaluate(WATCH_EDITS)

    stirrer = Stirrer(page, device, dossier_id, stir_rng, desk)
    stop = asyncio.Event()
    stirring = None if quiet else asyncio.create_task(stirrer.run(stop))
    expected: dict[str, Any] = {}
    try:
        for f in fields:
            if f.type in CHOSEN:
                expected[f.path] = await choose(page, f, typing_rng)
            else:
                expected[f.path] = typed_value(f, typing_rng, today)
                await type_field(page, f, expected[f.path], typing_rng)
        await page.locator("form.draft h1").click()  # the last field loses focus: saved at once
    finally:
        stop.set()
        if stirring:
            await stirring
    if stirrer.remote_value is not None:
        expected[REMOTE_FIELD] = stirrer.remote_value
    pauses = await page.evaluate(PAUSES, TYPING_PAUSE_MS)

    state = await settle(page, device, dossier_id)
    losses = compare(expected, await page.evaluate(SHOWN_VALUES, list(expected)), "the screen")
    losses += compare(expected, state["dossier"]["answers"], "IndexedDB")
    view = await server_view(device, dossier_id)
    assert view is not None, "settled, yet the draft is not on the server"
    losses += compare(expected, view["fields"], "the server")
    count = pushes() - before
    await page.reload()
    await open_dossier(page, dossier_id)
    losses += compare(
        expected, await page.evaluate(SHOWN_VALUES, list(expected)), "the screen after reload"
    )
    return DraftResult(
        index,
        dossier_id,
        quiet,
        len(expected),
        count,
        pauses,
        stirrer.forced,
        stirrer.events,
        losses,
    )


async def desk_messages_seen(page, desk: DeskOfficial) -> list[str]:
    """Waits until the app holds every message the official wrote; returns those it lacks."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SETTLE_SECONDS
    while True:
        await page.evaluate("window.dispatchEvent(new Event('online'))")
        state = await page.evaluate(IDB_DOSSIER, desk.dossier_id)
        held = [
            m
            for m in ((state["dossier"] or {}).get("messages") or [])
            if m.get("author") == "official"
        ]
        if len(held) >= desk.sent:
            return []
        if loop.time() > deadline:
            return [
                f"desk message: the app holds {len(held)} of the official's {desk.sent} messages"
            ]
        await asyncio.sleep(0.5)


async def run_typing_stress(
    page,
    base_url: str,
    email: str,
    password: str,
    drafts: int,
    seed: int,
    throttle: float,
    quiet_every: int = 4,
    log: Callable[[str], None] = print,
    desk: tuple[str, str] | None = None,
) -> StressResult:
    """`page`: the app, installed and signed in as `email`. Draft 1, and every
    `quiet_every`-th after it, is typed with no events around it. `desk`: the email and
    password of the desk official of commune 00070, who writes to the person while the
    drafts are typed."""
    log(
        f"typing stress: seed {seed} (replay with {SEED_ENV}={seed}), {drafts} drafts, CPU {throttle:g}× slower"
    )
    device, http = await second_device(base_url, email, password)
    count = {"push": 0}

    def on_request(request) -> None:
        if request.method == "POST" and request.url.endswith("/api/sync/push"):
            count["push"] += 1

    page.on("request", on_request)
    cdp = await page.context.new_cdp_session(page)
    await cdp.send("Emulation.setCPUThrottlingRate", {"rate": throttle})
    today = await page_today(page)
    result = StressResult(seed, throttle)
    official = await DeskOfficial.open(base_url, desk, (email, password), today) if desk else None
    try:
        for i in range(drafts):
            draft = await one_draft(
                page, device, i, i % quiet_every == 0, seed, today, lambda: count["push"], official
            )
            result.drafts.append(draft)
            log(draft.line())
        if official:
            result.other_losses += await desk_messages_seen(page, official)
            for loss in result.other_losses:
                log(f"LOST {loss}")
    finally:
        page.remove_listener("request", on_request)
        await cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
        await cdp.detach()
        await http.aclose()
        if official:
            await official.close()
    log(result.summary())
    return result
