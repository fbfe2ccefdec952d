"""The Content-Security-Policy in real Chromium: the app installs, signs in, drafts a
birth dossier with a photo and still works offline from its service worker; an
administrator enrolls a passkey on the emailed-link page (its inline script allowed
by hash), opens the desk screens and piccolo-admin — and no page reports a CSP
violation (but for piccolo-admin's harmless probe for eval, refused). tests/hostile/test_security_headers.py checks the headers themselves."""

from __future__ import annotations

import httpx

from harness import samples
from harness.app_pages import app_ready, install_app, page_today, sign_in
from harness.tus_client import TusClient
from tests.e2e.test_desk_screens import SESSION, enroll
from tests.e2e.test_pwa_offline import CITIZEN, demo_password, fill_birth_form

# Every violation a document reports, kept across navigations and reloads.
WATCH = """() => {
  window.__csp = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`);
  });
}"""


async def _watched(new_page):
    """A page whose CSP violations are collected from the console and from events."""
    page = await new_page()
    console: list[str] = []
    page.on(
        "console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None
    )
    await page.add_init_script(f"({WATCH})()")
    return page, console


async def _violations(page, console: list[str]) -> list[str]:
    events = await page.evaluate("window.__csp || []")
    return console + events


async def test_the_app_works_under_its_policy_online_and_offline(live_server, new_page, artifacts):
    from playwright.async_api import expect

    page, console = await _watched(new_page)
    csp = (await page.request.get("/")).headers["content-security-policy"]
    assert "script-src 'self';" in csp and "'unsafe-inline'" not in csp, csp

    await install_app(page)
    await sign_in(page, CITIZEN, demo_password(live_server, CITIZEN))

    # A birth dossier with a photo: resized on a canvas, shown from a blob: URL, stored.
    await page.goto("/#/")
    await app_ready(page)
    await page.get_by_role("button", name="Đăng ký khai sinh").click()
    await expect(page.locator("form.draft h1")).to_have_text("Đăng ký khai sinh")
    today = await page_today(page)
    await fill_birth_form(page, today)
    await expect(page.locator(".thumb img")).to_have_count(1, timeout=15_000)
    await page.get_by_role("button", name="Tiếp tục").click()
    await expect(page.get_by_role("heading", name="Xem lại hồ sơ")).to_be_visible()
    draft = page.url.split("/ho-so/")[1].split("?")[0]
    await artifacts.screenshot(page, "review-online")
    assert await _violations(page, console) == []

    # No network: the worker serves the app, the draft and its photo are there.
    await page.context.set_offline(True)
    await page.reload()
    await app_ready(page)
    assert await page.evaluate("navigator.serviceWorker.controller !== null")
    await expect(page.locator(".offline-note")).to_be_visible()
    await page.goto(f"/#/ho-so/{draft}")
    await expect(page.get_by_role("heading", name="Xem lại hồ sơ")).to_be_visible()
    await page.get_by_role("link", name="Sửa").first.click()
    await expect(page.locator("form.draft h1")).to_have_text("Đăng ký khai sinh")
    await expect(page.locator(".thumb img")).to_have_count(1, timeout=15_000)
    await artifacts.screenshot(page, "draft-offline")
    assert await _violations(page, console) == []


async def test_the_link_pages_the_desk_and_the_admin_work_under_their_policies(
    live_server, new_page, virtual_authenticator, artifacts
):
    from playwright.async_api import expect

    page, console = await _watched(new_page)
    await virtual_authenticator(page)
    # The enrollment page runs its inline script (allowed by hash): the passkey is made.
    await enroll(page, live_server.create_admin("csp.admin@motcua.test", "Trần Văn Quản"))
    assert await _violations(page, console) == []

    # The app's passkey sign-in, then the desk screens (a chunk of their own, with
    # its own stylesheet).
    await page.set_viewport_size({"width": 1100, "height": 900})
    await page.goto("/#/tai-khoan")
    await app_ready(page)
    await page.get_by_role("button", name="Đăng nhập bằng passkey").click()
    await page.get_by_test_id("desk-link").click(timeout=15_000)
    await expect(page.get_by_test_id("desk-queue")).to_be_visible(timeout=15_000)
    await artifacts.screenshot(page, "desk")
    assert await _violations(page, console) == []

    # piccolo-admin, under /admin's own policy. Its bundle's global-object shim tries
    # `new Function("return this")` inside a try and falls back to `window`: refused
    # (no 'unsafe-eval', which nothing else in it needs) and reported, harmlessly. Any
    # other report fails the test.
    await page.goto("/admin/")
    await page.get_by_role("link", name="Account").click(timeout=20_000)
    await expect(page.get_by_text("Trần Văn Quản").first).to_be_visible(timeout=20_000)
    await page.wait_for_load_state("networkidle")
    await artifacts.screenshot(page, "admin")
    reported = await _violations(page, console)
    shim = [
        v
        for v in reported
        if ("blocked eval at" in v and "/admin/assets/index-" in v)
        or v.startswith("Evaluating a string as JavaScript violates")
    ]
    assert [v for v in reported if v not in shim] == [], reported

    # A PDF the administrator uploaded, opened as the desk's attachment links open it:
    # under the file's own policy (sandboxed) Chromium's viewer still shows the page.
    pdf = samples.pdf(40_000, seed=81)
    csrf = (await page.evaluate(SESSION))["body"]["csrf_token"]
    cookies = {c["name"]: c["value"] for c in await page.context.cookies()}
    async with httpx.AsyncClient(base_url=live_server.base_url, cookies=cookies) as http:
        report = await TusClient(http, {"X-CSRF-Token": csrf}).upload(pdf, filename="giay-to.pdf")
        assert report.ok, report.problem
    await pdf_is_shown(page, f"/api/blobs/{samples.sha(pdf)}")
    await artifacts.screenshot(page, "pdf-attachment")


async def pdf_is_shown(page, path: str) -> None:
    """Chromium's viewer loads the document into a frame of its own once it may: a
    policy that stops it leaves the viewer's frame empty (a grey page)."""
    await page.goto(path)
    for _ in range(100):
        if sum(1 for f in page.frames if f.url.endswith(path)) >= 2:
            return
        await page.wait_for_timeout(100)
    raise AssertionError(
        f"{path}: the PDF viewer shows nothing; frames {[f.url for f in page.frames]}"
    )
