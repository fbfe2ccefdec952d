"""The installed PWA driven in Chromium (Playwright) as a person would use it: the app
opened and installed on a first visit, a sign-in, an outreach birth typed in. Shared
by the end-to-end tests and the benchmarks that run the real app."""

from __future__ import annotations

import asyncio
import datetime as dt
import re

from harness.samples import photo_jpeg

# commune (5 digits) and year (2), then the permuted sequence part and the check character
CODE_SHOWN = re.compile(r"^\d{4} \d{3}[0-9A-Z] [0-9A-Z]{4} [0-9A-Z]{4}$")

# True once the catalog, the communes and the birth form are in the app's IndexedDB.
REFERENCE_STORED = """() => new Promise((resolve) => {
  const open = indexedDB.open('motcua');
  open.onerror = () => resolve(false);
  open.onsuccess = () => {
    const db = open.result;
    if (!db.objectStoreNames.contains('reference')) { db.close(); resolve(false); return; }
    const keys = db.transaction('reference').objectStore('reference').getAllKeys();
    keys.onsuccess = () => {
      const k = keys.result;
      db.close();
      resolve(k.includes('catalog') && k.includes('communes') && k.includes('procedure:khai-sinh'));
    };
  };
})"""


async def page_today(page) -> dt.date:
    """Today in Việt Nam as the page's clock has it (the form checks dates against it)."""
    return dt.date.fromisoformat(
        await page.evaluate(
            "new Intl.DateTimeFormat('en-CA', {timeZone: 'Asia/Ho_Chi_Minh'}).format(new Date())"
        )
    )


async def app_ready(page):
    from playwright.async_api import expect

    await expect(page.locator("main")).to_have_attribute("data-ready", "true")


async def open_app(page):
    await page.set_viewport_size({"width": 412, "height": 900})
    await page.goto("/")
    await app_ready(page)


async def install_app(page, timeout_ms: int = 20_000) -> None:
    """The first visit, online: the app opens, its worker takes control and the
    reference data (catalog, communes) is stored for offline use."""
    await open_app(page)
    # A function, not an expression: Playwright evals an expression in the page,
    # which the app's Content-Security-Policy (no 'unsafe-eval') refuses.
    await page.wait_for_function(
        "() => navigator.serviceWorker.controller !== null", timeout=timeout_ms
    )
    await page.wait_for_function(REFERENCE_STORED, timeout=timeout_ms, polling=250)


# Answers to the questions the app asked, kept until Playwright has sent them.
_answers: set[asyncio.Future] = set()


def answer_the_sign_in_question(page, yes: bool) -> list[str]:
    """The next sign-in asks whether what was made here while nobody was signed in is
    the person's (it goes into their account only if so): they answer `yes`, or no.
    Returns the list the question is put in once asked."""
    asked: list[str] = []

    def on_dialog(dialog) -> None:
        asked.append(dialog.message)
        answer = asyncio.ensure_future(dialog.accept() if yes else dialog.dismiss())
        _answers.add(answer)
        answer.add_done_callback(_answers.discard)

    page.once("dialog", on_dialog)
    return asked


async def submit_sign_in(page, email: str, password: str) -> None:
    """The sign-in form filled in and sent; what follows is the caller's to wait for."""
    await page.goto("/#/tai-khoan")
    await page.locator("#signin-email").fill(email)
    await page.locator("#signin-password").fill(password)
    await page.get_by_role("button", name="Đăng nhập", exact=True).click()


async def sign_in(page, email: str, password: str, adopt_drafts: bool = False):
    """Signs in with a password; `adopt_drafts`: the phone holds drafts typed signed
    out, and the person says they are theirs when asked."""
    from playwright.async_api import expect

    asked = answer_the_sign_in_question(page, yes=True) if adopt_drafts else None
    await submit_sign_in(page, email, password)
    await expect(page.get_by_role("heading", name="Đăng xuất khỏi máy này")).to_be_visible(
        timeout=15_000
    )
    if asked is not None:
        assert asked and "soạn khi chưa đăng nhập" in asked[0], asked


async def fill_outreach_birth(page, today: dt.date, child: str, mother_id: str):
    f = lambda path: page.locator(f'[id="f-{path}"]')  # noqa: E731
    # The agency is the official's commune, filled in already.
    await f("requester.full_name").fill("Lò Thị Xuân")
    await f("requester.id_number").fill(mother_id)
    await f("requester.residence").fill("Bản Mường, xã Hoàn Kiếm")
    await page.check('input[name="requester.relationship"][value="me"]')
    await f("child.full_name").fill(child)
    await page.check('input[name="child.sex"][value="female"]')
    await f("child.birth_date").fill((today - dt.timedelta(days=20)).isoformat())
    # The date of birth in words is filled in from the date.
    await f("child.birth_place").fill("Trạm y tế xã")
    await page.check('input[name="child.birth_place_kind"][value="co_so_y_te"]')
    await f("child.hometown").fill("Sơn La")
    await f("child.ethnicity").select_option("03")
    await f("child.nationality").select_option("VN")
    await f("mother.birth_date").fill("1995")
    await f("mother.ethnicity").select_option("03")
    await f("mother.nationality").select_option("VN")
    await f("attachments.birth_certificate").set_input_files(
        {"name": f"{child}.jpg", "mimeType": "image/jpeg", "buffer": photo_jpeg()}
    )
    await f("contact.phone").fill("0987654321")
    await f("contact.phone").blur()
