"""WCAG 2.2 AA in real Chromium: axe-core over every screen of every role, in both
languages, online and offline; and what axe does not measure well: the size of
touch targets (2.5.8), reduced motion (2.3.3), reflow at 320 CSS px with no text cut
off (1.4.10), a visible focus ring (2.4.7) and a focused field never hidden under the
form's sticky bar (2.4.11).

axe-core is the copy npm installed for the app (pwa/node_modules/axe-core), injected
into each page. One server and one browser per test; the engine does not matter to
what the screens look like, so these tests run on SQLite alone."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from harness.app_pages import app_ready, fill_outreach_birth, install_app, page_today, sign_in
from server.demo_dossiers import BIRTH_DRAFT, EXTRACT
from tests.e2e.conftest import IN_CI
from tests.e2e.test_pwa_offline import CITIZEN
from tests.e2e.test_pwa_round_trip import (
    DESK,
    MARRIAGE,
    RESIDENCE,
    demo_passwords,
    desk_session,
    other_device,
    submitted_birth,
)

OUTREACH = "luudong@demo.example"
ADMIN = "quantri@demo.example"

AXE_JS = Path(__file__).resolve().parents[2] / "pwa" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
BLOCKING = ("serious", "critical")

# The violations as plain data, each node's selectors and the rule's help.
RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    targets: v.nodes.map((n) => n.target.join(' ')),
    summaries: v.nodes.map((n) => n.failureSummary),
  }));
}"""


@pytest.fixture
def engine_kind() -> str:
    return "sqlite"


@dataclass
class Screen:
    role: str
    name: str
    open: Callable[[object, bool], Awaitable[None]]  # (page, offline)


@pytest.fixture(autouse=True)
def axe_installed() -> None:
    """axe-core comes with the app's dev dependencies (`npm ci` in pwa/, which `make test`
    runs). Missing, like Chromium: a skip locally, a failure under CI."""
    if not AXE_JS.is_file():
        problem = f"{AXE_JS} is missing: run `npm ci` in pwa/"
        if IN_CI:
            pytest.fail(problem)
        pytest.skip(problem)


async def axe_violations(page) -> list[dict]:
    # A page's own scripts cannot add it (the Content-Security-Policy allows none
    # inline); DevTools' evaluation can.
    if not await page.evaluate("() => typeof window.axe === 'object'"):
        await page.evaluate(AXE_JS.read_text())
    return await page.evaluate(RUN_AXE, WCAG_AA_TAGS)


async def set_language(page, lang: str) -> None:
    from playwright.async_api import expect

    if await page.evaluate("() => localStorage.getItem('motcua.lang') || 'vi'") != lang:
        await page.locator("header.top button.lang").click()
    await expect(page.locator("header.top button.lang")).to_have_text(
        "EN" if lang == "vi" else "VI"
    )


async def go(page, hash_path: str, ready: str | None = None) -> None:
    """The app's own navigation (no reload, so it works offline), then its content."""
    from playwright.async_api import expect

    await page.evaluate("(h) => { location.hash = h; }", hash_path)
    await app_ready(page)
    if ready:
        await expect(page.locator(ready).first).to_be_visible(timeout=15_000)


def report(found: dict[str, list[dict]]) -> str:
    lines = []
    for where, violations in found.items():
        for v in violations:
            lines.append(f"{where}: {v['id']} ({v['impact']}) – {v['help']} <{v['helpUrl']}>")
            for target, summary in zip(v["targets"], v["summaries"], strict=True):
                first = (summary or "").strip().splitlines()
                lines.append(f"    {target}  {first[1].strip() if len(first) > 1 else ''}")
    return "\n".join(lines)


async def check_screens(page, screens: list[Screen], found: dict, artifacts, offline: bool):
    state = "offline" if offline else "online"
    for lang in ("vi", "en"):
        for screen in screens:
            await screen.open(page, offline)
            await set_language(page, lang)
            violations = await axe_violations(page)
            where = f"{screen.role}/{screen.name}/{lang}/{state}"
            found[where] = violations
            if any(v["impact"] in BLOCKING for v in violations):
                await artifacts.screenshot(page, where)


async def both_ways(page, screens: list[Screen], found: dict, artifacts) -> None:
    """Each screen online, then with the network gone (the app loaded already)."""
    await check_screens(page, screens, found, artifacts, offline=False)
    await page.context.set_offline(True)
    await check_screens(page, screens, found, artifacts, offline=True)


# -- the screens --------------------------------------------------------------


def at(role: str, name: str, path: str, ready: str, offline_ready: str | None = None) -> Screen:
    """A screen at `path`, ready when `ready` shows (`offline_ready` when offline)."""
    return Screen(
        role, name, lambda page, offline: go(page, path, (offline and offline_ready) or ready)
    )


# The desk's screens need the server: offline they say so, in their problem box.
DESK_OFFLINE = "[data-testid=desk-problem]"


async def draft_with_errors(page, offline: bool) -> None:
    from playwright.async_api import expect

    await go(page, f"#/ho-so/{BIRTH_DRAFT}", "form.draft")
    # A wrong ID number and a required field left empty: both say so beside the field.
    f = lambda path: page.locator(f'[id="f-{path}"]')  # noqa: E731
    await f("requester.id_number").fill("12")
    await f("requester.id_number").blur()
    await f("child.birth_place").focus()
    await f("child.birth_place").blur()
    await expect(page.locator(".field.has-error [aria-invalid=true]")).to_have_count(2)
    # To the form's end, where its sticky bar rests below the last fields: left where the
    # focus scrolled it, the bar covered the last checkboxes or not depending on the
    # save note's length at that moment, and axe's target size with it (a focused field
    # is never under the bar: test_keyboard_focus_shows_and_is_never_under_the_sticky_bar).
    await page.evaluate("() => window.scrollTo(0, document.scrollingElement.scrollHeight)")
    await page.evaluate("() => new Promise((done) => requestAnimationFrame(() => done()))")


async def dossier_asked_for_documents(live_server, passwords: dict[str, str]) -> str:
    """A birth submitted from another phone, received, and asked for two documents:
    its page has a file picker per document."""
    from server.clock import vn_today

    async with (
        other_device(live_server, CITIZEN, passwords[CITIZEN]) as phone,
        desk_session(live_server, passwords[DESK]) as desk,
    ):
        dossier_id, _ = await submitted_birth(phone, vn_today())
        await desk.act(dossier_id, "receive")
        await desk.act(dossier_id, "start")
        due = vn_today() + dt.timedelta(days=5)
        asked = await desk.act(
            dossier_id,
            "request_documents",
            {"documents": [RESIDENCE, MARRIAGE], "reason": "Cần đối chiếu.", "due_date": str(due)},
        )
        assert asked["state"] == 5, asked
    return dossier_id


def citizen_screens(code: str, asked: str | None = None) -> list[Screen]:
    asked_screen = [at("citizen", "dossier-asked-for-documents", f"#/ho-so/{asked}", "#supplement")]
    return (asked_screen if asked else []) + [
        at("citizen", "home", "#/", ".dossier-item"),
        at("citizen", "catalog", "#/thu-tuc", "main a[href^='#/thu-tuc/']"),
        at("citizen", "procedure", "#/thu-tuc/khai-sinh", "main h1"),
        Screen("citizen", "draft-with-errors", draft_with_errors),
        at("citizen", "review", f"#/ho-so/{BIRTH_DRAFT}/xem-lai", "main h1"),
        at("citizen", "dossier", f"#/ho-so/{EXTRACT}", "main h1"),
        at("citizen", "sync", "#/dong-bo", "main h1"),
        at("citizen", "account", "#/tai-khoan", "main h1"),
        at("citizen", "lookup-result", f"#/tra-cuu?code={code}", "main h1"),
    ]


async def desk_action_with_errors(page, offline: bool) -> None:
    """A dossier with its "ask for documents" form open, sent empty: its fields say so."""
    from playwright.async_api import expect

    if offline:  # no dossier to act on without the server
        await go(page, f"#/mot-cua/ho-so/{EXTRACT}", DESK_OFFLINE)
        return
    await go(page, f"#/mot-cua/ho-so/{EXTRACT}", ".desk-dossier")
    form = page.get_by_test_id("form-request_documents")
    if not await form.count():
        await page.locator('button[data-action="request_documents"]').click()
    await form.locator("button[type=submit]").click()
    await expect(form.locator("[aria-invalid=true]").first).to_be_visible()


SIGNED_OUT_SCREENS = [
    at("anyone", "sign-in-and-register", "#/tai-khoan", "#signin-email"),
    at("anyone", "lookup", "#/tra-cuu", "main h1"),
]
DESK_SCREENS = [
    at("desk", "queue", "#/mot-cua", "[data-testid=queue-item]", DESK_OFFLINE),
    at("desk", "dossier", f"#/mot-cua/ho-so/{EXTRACT}", ".desk-dossier", DESK_OFFLINE),
    at("desk", "reports", "#/mot-cua/bao-cao", ".chart", DESK_OFFLINE),
    Screen("desk", "action-form-with-errors", desk_action_with_errors),
]
RECOVERY_SCREENS = [
    at("admin", "recovery", "#/mot-cua/sau-khoi-phuc", "main h1"),
]


async def signed_in_page(new_page, email: str, password: str, *, width: int = 412):
    page = await new_page()
    await install_app(page)
    await page.set_viewport_size({"width": width, "height": 900})
    await sign_in(page, email, password)
    return page


async def test_every_screen_of_every_role_has_no_serious_axe_violation(
    live_server, new_page, artifacts
):
    from playwright.async_api import expect

    passwords = demo_passwords(live_server)
    found: dict[str, list[dict]] = {}

    # Anyone: signing in and registering, the public lookup, the activation page.
    page = await new_page()
    await install_app(page)
    # The pages emailed links open: server-rendered, in both languages at once.
    for link in ("activate", "reset-password", "enroll"):
        await page.goto(live_server.url(f"/{link}?token=x"))
        found[f"anyone/{link}/vi+en/online"] = await axe_violations(page)
    await install_app(page)
    await both_ways(page, SIGNED_OUT_SCREENS, found, artifacts)
    # Opened again in English, the page says it is English (screen readers' voice).
    await page.context.set_offline(False)
    await page.reload()
    await app_ready(page)
    assert await page.evaluate("() => document.documentElement.lang") == "en"
    await page.close()

    # The citizen, with the demo dossiers (a submitted extract, a birth draft) and a
    # birth the desk asked documents for.
    asked = await dossier_asked_for_documents(live_server, passwords)
    page = await signed_in_page(new_page, CITIZEN, passwords[CITIZEN])
    await go(page, "#/", ".dossier-item")
    code = (await page.locator(".dossier-item .code-inline").first.text_content() or "").strip()
    await both_ways(page, citizen_screens(code, asked), found, artifacts)
    await page.close()

    # The desk official: the queue, a dossier, the reports; an administrator: recovery.
    page = await signed_in_page(new_page, DESK, passwords[DESK], width=1100)
    await both_ways(page, DESK_SCREENS, found, artifacts)
    await page.close()
    page = await signed_in_page(new_page, ADMIN, passwords[ADMIN], width=1100)
    await both_ways(page, RECOVERY_SCREENS, found, artifacts)
    await page.close()

    # The outreach official: the outreach screen and a birth's receipt, made offline.
    page = await signed_in_page(new_page, OUTREACH, passwords[OUTREACH])
    await go(page, "#/luu-dong", "main h1")
    await page.get_by_role("button", name="Giữ trước 20 mã").click()
    await expect(page.get_by_test_id("codes-left")).to_have_text("20")
    await page.get_by_role("button", name="Thêm trẻ mới").click()
    await expect(page.locator(".picked")).to_be_visible()
    await fill_outreach_birth(page, await page_today(page), "Lò Thị Hoa", "014195012345")
    await expect(page.locator(".thumb img")).to_have_count(1, timeout=15_000)
    await page.get_by_role("button", name="Tiếp tục").click()
    await page.locator(".promise input").check()
    await page.get_by_role("button", name="Nộp hồ sơ").click()
    await expect(page.get_by_test_id("receipt-code")).to_be_visible(timeout=15_000)
    receipt = page.url.split("#", 1)[1]
    outreach = [
        at("outreach", "outreach", "#/luu-dong", ".dossier-item"),
        at("outreach", "receipt", "#" + receipt, "[data-testid=receipt-code]"),
    ]
    await both_ways(page, outreach, found, artifacts)

    artifacts.keep_file("axe.json", json.dumps(found, ensure_ascii=False, indent=1))
    blocking = {
        where: [v for v in violations if v["impact"] in BLOCKING]
        for where, violations in found.items()
    }
    blocking = {where: v for where, v in blocking.items() if v}
    assert not blocking, "serious or critical axe violations:\n" + report(blocking)


# -- what axe does not measure: target size, motion, reflow, focus not obscured ----

# Every control a finger or a pointer aims at, as shown (display: none has no box).
CONTROLS = (
    "a[href], button, input:not([type=hidden]), select, textarea, summary, "
    "[role=button], [role=tab], [tabindex]:not([tabindex='-1'])"
)

# WCAG 2.5.8: at least 24×24 CSS px, or a 24 px circle on its centre touching no other
# control nor another small one's circle; a link inside a sentence is exempt.
# Stricter for form controls and buttons (below).
SMALL_TARGETS = """(controls) => {
  // A control hidden from sight but kept for the keyboard (a file input inside its
  // "Chọn tệp" label) is aimed at through its label: the label is the target.
  const aimedAt = (el) => (el.matches('.visually-hidden') && el.closest('label')) || el;
  const els = [...new Set([...document.querySelectorAll(controls)].map(aimedAt))].filter((el) => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden';
  });
  const rects = els.map((el) => el.getBoundingClientRect());
  const small = (r) => r.width < 23.99 || r.height < 23.99;
  const centre = (r) => [r.left + r.width / 2, r.top + r.height / 2];
  const distance = ([x, y], r) => Math.hypot(Math.max(r.left - x, 0, x - r.right), Math.max(r.top - y, 0, y - r.bottom));
  const inSentence = (el) => el.tagName === 'A' && getComputedStyle(el).display === 'inline'
    && el.parentElement && el.parentElement.textContent.trim().length > el.textContent.trim().length;
  // Form controls and buttons are 24 px whatever their spacing: a checkbox beside its
  // label text, a button in a row, are aimed at by a finger on a bumpy bus.
  const always = (el) => el.matches('button, input, select, textarea, label, [role=button], [role=tab]');
  const found = [];
  els.forEach((el, i) => {
    const r = rects[i];
    if (!small(r) || inSentence(el)) return;
    if (always(el)) {
      found.push(`${el.outerHTML.slice(0, 100)} is ${r.width.toFixed(1)}×${r.height.toFixed(1)}`);
      return;
    }
    const c = centre(r);
    const crowded = els.some((other, j) => {
      if (j === i || other.contains(el) || el.contains(other)) return false;
      if (distance(c, rects[j]) < 12) return true;
      return small(rects[j]) && Math.hypot(c[0] - centre(rects[j])[0], c[1] - centre(rects[j])[1]) < 24;
    });
    if (crowded) found.push(`${el.outerHTML.slice(0, 100)} is ${r.width.toFixed(1)}×${r.height.toFixed(1)}`);
  });
  return found;
}"""

# Under prefers-reduced-motion: reduce, anything that still moves.
MOVING = """() => {
  const found = [];
  const seconds = (list) => list.split(',').map((s) => parseFloat(s) * (s.trim().endsWith('ms') ? 0.001 : 1));
  for (const el of [document.documentElement, ...document.querySelectorAll('*')]) {
    for (const pseudo of [null, '::before', '::after']) {
      const cs = getComputedStyle(el, pseudo);
      const moving = seconds(cs.transitionDuration).some((s) => s > 0)
        || (cs.animationName !== 'none' && seconds(cs.animationDuration).some((s) => s > 0.001))
        || cs.scrollBehavior === 'smooth';
      if (moving) found.push(`${el.tagName.toLowerCase()}${pseudo || ''}.${el.className}: transition ${cs.transitionDuration}, animation ${cs.animationName} ${cs.animationDuration}, scroll ${cs.scrollBehavior}`);
    }
  }
  return found;
}"""

# A style the app might add one day (a fading button, a spinning badge): a constructed
# sheet, as the Content-Security-Policy refuses inline styles.
PROBE_MOTION = """() => {
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(`@keyframes probe-spin { to { transform: rotate(1turn); } }
    button { transition: background-color 0.4s ease; }
    .badge { animation: probe-spin 1s infinite; }
    html { scroll-behavior: smooth; }`);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
}"""

# WCAG 1.4.10 at 320 CSS px: the page never scrolls sideways.
SIDEWAYS = """() => {
  const page = document.scrollingElement;
  const wide = [...document.querySelectorAll('body *')].filter((el) => el.getBoundingClientRect().right > innerWidth + 1)
    .map((el) => el.outerHTML.slice(0, 100));
  return page.scrollWidth > innerWidth ? {scrollWidth: page.scrollWidth, innerWidth, wide: wide.slice(0, 8)} : null;
}"""


# Text cut off by its box (a one-line bar with an ellipsis): content lost on a narrow screen.
# One allowance: the sync bar's two lines beside a badge ("1 cần chú ý") may not hold
# the whole state; the bar is the link to the sync page, which says it all.
CUT_TEXT = """() => [...document.querySelectorAll('body *')].filter((el) => {
  if (el.closest('.syncbar') && el.closest('.syncbar').querySelector('.badge')) return false;
  // Words for screen readers only (a live region, a hidden heading) are meant to be unseen.
  if (el.closest('.visually-hidden')) return false;
  const cs = getComputedStyle(el);
  const clips = cs.overflowX !== 'visible' && cs.overflowX !== 'auto' && cs.overflowX !== 'scroll';
  return clips && el.textContent.trim() && el.getBoundingClientRect().width > 0
    && (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1);
}).map((el) => `${el.outerHTML.slice(0, 80)}… shows ${el.clientWidth}×${el.clientHeight} of ${el.scrollWidth}×${el.scrollHeight}`)"""


async def test_targets_motion_and_reflow_on_every_screen(live_server, new_page, artifacts):
    """On a 320 px wide screen (a small phone, or 1280 px at 400 % zoom) in both
    languages: no sideways scrolling, no control under 24×24 px that crowds another,
    and with reduced motion asked for, nothing moves."""
    from tests.e2e.conftest import SHOW_ALL_SECTIONS

    passwords = demo_passwords(live_server)
    problems: list[str] = []

    async def check(page, screens: list[Screen]) -> None:
        await page.set_viewport_size({"width": 320, "height": 640})
        await page.emulate_media(reduced_motion="reduce")
        for lang in ("vi", "en"):
            for screen in screens:
                await screen.open(page, False)
                await set_language(page, lang)
                where = f"{screen.role}/{screen.name}/{lang}"
                # Every form section laid out, so that each control has its box.
                await page.evaluate(SHOW_ALL_SECTIONS, True)
                sideways = await page.evaluate(SIDEWAYS)
                if sideways:
                    problems.append(f"{where}: scrolls sideways at 320 px: {sideways}")
                    await artifacts.screenshot(page, f"{where}-sideways")
                for cut in await page.evaluate(CUT_TEXT):
                    problems.append(f"{where}: text cut at 320 px: {cut}")
                for small in await page.evaluate(SMALL_TARGETS, CONTROLS):
                    problems.append(f"{where}: small target {small}")
                for moving in await page.evaluate(MOVING):
                    problems.append(f"{where}: moves with reduced motion asked: {moving}")
                await page.evaluate(SHOW_ALL_SECTIONS, False)
        # Offline, the bars say more (the offline note, "Ngoại tuyến" in the sync bar).
        await page.context.set_offline(True)
        for lang in ("vi", "en"):
            await screens[0].open(page, True)
            await set_language(page, lang)
            for cut in await page.evaluate(CUT_TEXT):
                problems.append(f"{screens[0].name}/{lang}/offline: text cut at 320 px: {cut}")
                await artifacts.screenshot(page, f"{screens[0].name}-{lang}-offline-cut")
        await page.context.set_offline(False)
        await page.evaluate(PROBE_MOTION)
        for moving in await page.evaluate(MOVING):
            problems.append(f"a style added later moves with reduced motion asked: {moving}")

    page = await new_page()
    await install_app(page)
    await check(page, SIGNED_OUT_SCREENS)
    await page.close()

    asked = await dossier_asked_for_documents(live_server, passwords)
    page = await signed_in_page(new_page, CITIZEN, passwords[CITIZEN])
    await go(page, "#/", ".dossier-item")
    code = (await page.locator(".dossier-item .code-inline").first.text_content() or "").strip()
    await check(page, citizen_screens(code, asked))
    await page.close()

    page = await signed_in_page(new_page, DESK, passwords[DESK])
    await check(page, DESK_SCREENS)
    await page.close()

    page = await signed_in_page(new_page, OUTREACH, passwords[OUTREACH])
    await check(page, [at("outreach", "outreach", "#/luu-dong", "main h1")])

    assert not problems, "\n".join(problems)


# The focused control: its ring, and whether the sticky bar at the bottom covers it.
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const cs = getComputedStyle(el);
  const bar = document.querySelector('.actions.sticky');
  const r = el.getBoundingClientRect();
  const b = bar && bar.getBoundingClientRect();
  const under = !!bar && !bar.contains(el) && r.bottom > b.top + 0.5 && r.top < b.bottom - 0.5;
  return {what: el.outerHTML.slice(0, 100), ring: cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2,
          outline: `${cs.outlineStyle} ${cs.outlineWidth} ${cs.outlineColor}`, under};
}"""


async def test_keyboard_focus_shows_and_is_never_under_the_sticky_bar(
    live_server, new_page, artifacts
):
    """Tabbing through a phone's screens: every control focused shows a ring of at
    least 2 px (WCAG 2.4.7), and on the draft form each field comes into view above the
    form's sticky bar (Tiếp tục), never under it (WCAG 2.4.11)."""
    passwords = demo_passwords(live_server)
    page = await signed_in_page(new_page, CITIZEN, passwords[CITIZEN])
    await page.set_viewport_size({"width": 390, "height": 640})
    problems = []
    for path, ready, tabs in (
        ("#/", ".dossier-item", 15),
        ("#/tai-khoan", "main h1", 15),
        (f"#/ho-so/{BIRTH_DRAFT}", "form.draft", 50),
    ):
        await go(page, path, ready)
        # The keyboard starts from the top of the page, the header first.
        await page.evaluate("() => { document.activeElement?.blur(); scrollTo(0, 0); }")
        for _ in range(tabs):
            await page.keyboard.press("Tab")
            seen = await page.evaluate(FOCUSED)
            if seen and not seen["ring"]:
                problems.append(
                    f"{path}: no visible focus ring on {seen['what']} ({seen['outline']})"
                )
            if seen and seen["under"]:
                problems.append(f"{path}: focused under the sticky bar: {seen['what']}")
                await artifacts.screenshot(page, "focus-under-the-bar")
    assert not problems, "\n".join(problems)


# The commune choice the arrow keys are on, wholly inside the box that scrolls it.
ACTIVE_CHOICE_SHOWN = """() => {
  const active = document.getElementById(document.activeElement.getAttribute('aria-activedescendant'));
  let box = active && active.parentElement;
  while (box && box !== document.body && getComputedStyle(box).overflowY === 'visible') box = box.parentElement;
  if (!box) return false;
  const r = active.getBoundingClientRect(), b = box.getBoundingClientRect();
  return r.top >= b.top - 0.5 && r.bottom <= b.bottom + 0.5;
}"""


async def test_the_commune_list_open_on_a_new_draft_has_no_serious_axe_violation(
    live_server, new_page, artifacts
):
    """A new birth draft, no commune chosen yet: "phuong" typed into the commune box
    opens its list of many choices (the demo draft the screens above open has its
    commune chosen). In both languages axe finds nothing serious, at the phone width
    the other screens are checked at; on a small phone (320 × 640) the screen does not
    scroll sideways, cuts no text, has no small target, and Down reaches the last
    choice, scrolled into view."""
    from playwright.async_api import TimeoutError as PlaywrightTimeout
    from playwright.async_api import expect

    from tests.e2e.conftest import SHOW_ALL_SECTIONS

    passwords = demo_passwords(live_server)
    page = await signed_in_page(new_page, CITIZEN, passwords[CITIZEN])
    found: dict[str, list[dict]] = {}
    problems: list[str] = []
    for lang in ("vi", "en"):
        await page.set_viewport_size({"width": 412, "height": 900})
        await go(page, "#/thu-tuc/khai-sinh", "main h1")
        await set_language(page, lang)
        await page.get_by_role(
            "button", name=re.compile("Bắt đầu làm hồ sơ|Start the dossier")
        ).click()
        await expect(page.locator("form.draft")).to_be_visible(timeout=15_000)
        box = page.locator('[id="f-agency.commune"]')
        await box.fill("phuong")
        await expect(box).to_have_attribute("aria-expanded", "true")
        list_id = await box.get_attribute("aria-controls")
        options = page.locator(f'[id="{list_id}"] [role=option]:visible')
        await expect(options).to_have_count(20)
        where = f"citizen/new-draft-commune-list-open/{lang}"
        # Every form section laid out: one skipped while off screen (content-visibility)
        # has no true boxes, and axe would take its checkboxes for covered by a field.
        await page.evaluate(SHOW_ALL_SECTIONS, True)
        found[where] = await axe_violations(page)
        await page.set_viewport_size({"width": 320, "height": 640})
        if sideways := await page.evaluate(SIDEWAYS):
            problems.append(f"{where}: scrolls sideways at 320 px: {sideways}")
        problems += [f"{where}: text cut at 320 px: {c}" for c in await page.evaluate(CUT_TEXT)]
        problems += [
            f"{where}: small target {s}" for s in await page.evaluate(SMALL_TARGETS, CONTROLS)
        ]
        await page.evaluate(SHOW_ALL_SECTIONS, False)
        # Every choice is reached from the text box with Down, and shown when reached.
        for _ in range(20):
            await page.keyboard.press("ArrowDown")
        last = await options.last.get_attribute("id")
        await expect(box).to_have_attribute("aria-activedescendant", last or "")
        # The scrolling into view follows the key's render (an effect): waited for.
        try:
            await page.wait_for_function(ACTIVE_CHOICE_SHOWN, timeout=5_000)
        except PlaywrightTimeout:
            problems.append(f"{where}: the last choice, reached with Down, not scrolled into view")
        if any(v["impact"] in BLOCKING for v in found[where]) or problems:
            await artifacts.screenshot(page, where)
    artifacts.keep_file("axe.json", json.dumps(found, ensure_ascii=False, indent=1))
    blocking = {w: [v for v in vs if v["impact"] in BLOCKING] for w, vs in found.items()}
    blocking = {w: v for w, v in blocking.items() if v}
    assert not blocking, "serious or critical axe violations:\n" + report(blocking)
    assert not problems, "\n".join(problems)
