"""A birth registered with the keyboard alone, on a phone-sized screen (390×844, vi-VN),
in real Chromium against a real server: from the catalog to the dossier's code with
Tab, typing, Enter, Space and the arrow keys only; no click, no `fill`. The sign-in
before it is done by the shared helper. Every element Tab lands on must be in view,
clear of the form's sticky "Tiếp tục" bar (WCAG 2.4.11), and show a focus ring.

The commune is picked with the combobox (ARIA 1.2: aria-expanded, aria-controls,
aria-activedescendant, Escape closes), the birth certificate through the file chooser
opened with Enter. A second test checks how errors are told: a required field left
empty is marked aria-invalid and described by its error, which a polite live region
says; "Tiếp tục" with errors lands on the review's error summary, focused, whose link
brings focus back to the field."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from harness.app_pages import CODE_SHOWN, install_app, page_today, sign_in
from harness.samples import photo_jpeg
from sync.forms.date_words import date_in_words
from tests.e2e.test_pwa_offline import CITIZEN, demo_password

PHONE = {"width": 390, "height": 844}
# Presses of Tab allowed to reach the next control: the longest run is through the
# header and a section's optional fields.
TAB_LIMIT = 60

# What has focus, where it is drawn, and whether a person can see it there. A control
# kept out of sight on purpose (a file input) shows its focus on its label.
FOCUS_STATE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return {tag: 'BODY'};
  const tiny = (r) => r.width < 2 || r.height < 2;
  const shown = tiny(el.getBoundingClientRect()) && el.closest('label') ? el.closest('label') : el;
  const box = shown.getBoundingClientRect();
  // Wholly in view; one taller than the screen (a long error summary) from its top.
  const tall = box.height > innerHeight / 2;
  const inView = box.top >= 0 && box.left >= 0 && box.right <= innerWidth && (tall ? box.top < innerHeight / 2 : box.bottom <= innerHeight);
  const bar = document.querySelector('.actions.sticky');
  let covered = false;
  let barBox = null;
  if (bar && !bar.contains(el)) {
    const b = bar.getBoundingClientRect();
    barBox = [b.top, b.bottom];
    covered = box.bottom > b.top && box.top < b.bottom && box.right > b.left && box.left < b.right;
  }
  const style = getComputedStyle(shown);
  const ring = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== 'none';
  return {
    tag: el.tagName, id: el.id, name: el.getAttribute('name'), type: el.getAttribute('type'),
    role: el.getAttribute('role'), value: 'value' in el ? el.value : null, checked: !!el.checked,
    href: el.getAttribute('href'), text: (el.innerText || el.getAttribute('aria-label') || '').trim().slice(0, 60),
    inView, covered, ring, box: [box.top, box.bottom], bar: barBox,
  };
}"""


def describe(state: dict) -> str:
    return state.get("id") or state.get("name") or state.get("text") or state["tag"]


async def focused(page) -> dict:
    return await page.evaluate(FOCUS_STATE)


async def press(page, key: str) -> dict:
    """Presses `key`; the element then focused must be seen (in view, not under the bar, ringed)."""
    await page.keyboard.press(key)
    state = await focused(page)
    if state["tag"] != "BODY":
        assert state["inView"] and not state["covered"], f"focus out of sight after {key}: {state}"
        assert state["ring"], f"no focus indicator after {key}: {state}"
    return state


async def tab_to(page, matches: Callable[[dict], bool], what: str) -> dict:
    went: list[str] = []
    for _ in range(TAB_LIMIT):
        state = await press(page, "Tab")
        if state["tag"] != "BODY" and matches(state):
            return state
        went.append(describe(state))
    raise AssertionError(f"{what} not reached with Tab; focus went through {went}")


async def tab_to_id(page, element_id: str) -> dict:
    return await tab_to(page, lambda s: s["id"] == element_id, element_id)


async def type_into(page, element_id: str, text: str) -> None:
    await tab_to_id(page, element_id)
    await page.keyboard.type(text)
    assert (await focused(page))["value"] == text


async def choose_option(page, element_id: str, value: str) -> None:
    """A closed <select>: the arrow keys go through its options."""
    state = await tab_to_id(page, element_id)
    for _ in range(100):
        if state["value"] == value:
            return
        state = await press(page, "ArrowDown")
    raise AssertionError(f"{value} not among {element_id}'s options")


async def choose_radio(page, name: str, value: str) -> None:
    """Tab into the group, then Space and the arrow keys (which check as they move)."""
    state = await tab_to(page, lambda s: s["name"] == name and s["type"] == "radio", name)
    if state["value"] == value:
        state = await press(page, "Space")
    for _ in range(10):
        if state["value"] == value and state["checked"]:
            return
        state = await press(page, "ArrowDown")
    raise AssertionError(f"{name}={value} not checked with the arrow keys: {state}")


async def type_date(page, element_id: str, day: dt.date) -> None:
    """The browser's date field, typed part by part. Its order is the browser's own
    locale's (day first in Vietnamese, month first in the en-US of a bare Chromium),
    not the page's: typed day first, and month first if that was not it."""
    await tab_to_id(page, element_id)
    await page.keyboard.type(f"{day.day:02d}{day.month:02d}{day.year}")
    if (await focused(page))["value"] != day.isoformat():
        await press(page, "Shift+Tab")  # Shift+Tab goes back through the date's parts
        await press(page, "Shift+Tab")
        await page.keyboard.type(f"{day.month:02d}{day.day:02d}{day.year}")
    assert (await focused(page))["value"] == day.isoformat()


async def pick_commune(page, element_id: str, typed: str, name: str) -> None:
    from playwright.async_api import expect

    box = page.locator(f'[id="{element_id}"]')
    await tab_to_id(page, element_id)
    await expect(box).to_have_attribute("role", "combobox")
    await expect(box).to_have_attribute("aria-autocomplete", "list")
    list_id = await box.get_attribute("aria-controls")
    listbox = page.locator(f'[id="{list_id}"]')
    await expect(listbox).to_have_attribute("role", "listbox")
    await page.keyboard.type(typed)
    await expect(box).to_have_attribute("aria-expanded", "true")
    wanted = listbox.get_by_role("option", name=re.compile(name))
    await expect(wanted).to_be_visible()
    await expect(page.locator(".picker [role=status]")).to_contain_text("kết quả")

    # Escape closes the list and leaves what was typed; Down opens it again.
    await press(page, "Escape")
    await expect(box).to_have_attribute("aria-expanded", "false")
    await expect(listbox).to_be_hidden()
    await expect(box).to_have_value(typed)
    await press(page, "ArrowDown")
    await expect(box).to_have_attribute("aria-expanded", "true")

    for _ in range(20):
        active = await box.get_attribute("aria-activedescendant")
        if active and re.search(name, await page.locator(f'[id="{active}"]').inner_text()):
            break
        await press(page, "ArrowDown")
    else:
        raise AssertionError(f"{name} not reached with the arrow keys")
    # Up moves back a choice, Down forward again.
    await press(page, "ArrowUp")
    await expect(box).not_to_have_attribute("aria-activedescendant", active)
    await press(page, "ArrowDown")
    await expect(box).to_have_attribute("aria-activedescendant", active)
    option = page.locator(f'[id="{active}"]')
    await expect(option).to_have_attribute("aria-selected", "true")
    assert await listbox.locator('[aria-selected="true"]').count() == 1
    await press(page, "Enter")
    await expect(page.locator(".picked")).to_contain_text(name)
    # Focus is not lost with the text box: it is on the "Đổi" (change) button.
    change = page.locator(f'[id="{element_id}-change"]')
    await expect(change).to_be_focused()
    await expect(change).to_have_accessible_description(re.compile(name))

    # "Đổi" opens the box again, focused; Escape closes its list, a second Escape keeps
    # the commune picked and gives focus back to "Đổi": no trap.
    await press(page, "Enter")
    await expect(box).to_be_focused()
    await expect(box).to_have_attribute("aria-expanded", "true")
    await press(page, "Escape")
    await expect(box).to_have_attribute("aria-expanded", "false")
    await press(page, "Escape")
    await expect(change).to_be_focused()
    await expect(page.locator(".picked")).to_contain_text(name)


async def start_birth_form(page) -> None:
    """From the catalog: the birth procedure, then its start button, by keyboard."""
    from playwright.async_api import expect

    await page.goto("/#/thu-tuc")
    await expect(page.get_by_role("heading", name="Chọn thủ tục")).to_be_visible()
    await tab_to(page, lambda s: s["href"] == "#/thu-tuc/khai-sinh", "the birth procedure")
    await press(page, "Enter")
    start = page.get_by_role("button", name="Bắt đầu làm hồ sơ")
    await expect(start).to_be_enabled()
    await tab_to(page, lambda s: s["text"] == "Bắt đầu làm hồ sơ", "the start button")
    await press(page, "Enter")
    await expect(page.locator("form.draft h1")).to_have_text("Đăng ký khai sinh")


async def signed_in_phone(live_server, new_page):
    page = await new_page()
    await install_app(page)
    await sign_in(page, CITIZEN, demo_password(live_server, CITIZEN))
    await page.set_viewport_size(PHONE)
    return page


async def test_a_birth_is_registered_from_the_catalog_to_its_code_with_the_keyboard_alone(
    live_server, new_page, artifacts
):
    from playwright.async_api import expect

    page = await signed_in_phone(live_server, new_page)
    # Playwright catches file choosers once a listener is there; set up now, it is in
    # place long before the key that opens one (else a key may beat it).
    page.on("filechooser", lambda _: None)
    today = await page_today(page)
    born = today - dt.timedelta(days=10)

    await start_birth_form(page)
    await choose_option(page, "f-agency.province", "01")
    await pick_commune(page, "f-agency.commune", "hoan kiem", "Phường Hoàn Kiếm")
    await type_into(page, "f-requester.full_name", "Trần Thị Mai")
    await type_into(page, "f-requester.id_number", "001190012345")
    await type_into(page, "f-requester.residence", "Số 5 phố Hàng Bạc, phường Hoàn Kiếm, Hà Nội")
    await choose_radio(page, "requester.relationship", "me")
    await type_into(page, "f-child.full_name", "Nguyễn Minh Khang")
    await choose_radio(page, "child.sex", "male")
    await type_date(page, "f-child.birth_date", born)
    # As soon as the date is entered, the app writes it in words.
    await expect(page.locator('[id="f-child.birth_date_words"]')).to_have_value(date_in_words(born))
    await type_into(page, "f-child.birth_place", "Bệnh viện Phụ sản Hà Nội")
    await choose_radio(page, "child.birth_place_kind", "co_so_y_te")
    await type_into(page, "f-child.hometown", "Hà Nội")
    await choose_option(page, "f-child.ethnicity", "01")
    await choose_option(page, "f-child.nationality", "VN")
    # The mother's name, ID and residence come from the requester (fill rule).
    await expect(page.locator('[id="f-mother.full_name"]')).to_have_value("Trần Thị Mai")
    # A date that may be a year alone is typed as text.
    await type_into(page, "f-mother.birth_date", "1990-05-01")
    await choose_option(page, "f-mother.ethnicity", "01")
    await choose_option(page, "f-mother.nationality", "VN")

    # The birth certificate: "Chọn tệp" opens the file chooser on Enter.
    await tab_to_id(page, "f-attachments.birth_certificate")
    async with page.expect_file_chooser(timeout=5_000) as chooser:
        await page.keyboard.press("Enter")
    await (await chooser.value).set_files(
        {"name": "giay-chung-sinh.jpg", "mimeType": "image/jpeg", "buffer": photo_jpeg()}
    )
    await expect(page.locator(".thumb img")).to_have_count(1, timeout=15_000)

    await type_into(page, "f-contact.phone", "0912 345 678")
    await type_into(page, "f-contact.email", "mai@example.vn")
    await artifacts.screenshot(page, "form-filled")
    await tab_to(page, lambda s: s["text"] == "Tiếp tục", "Tiếp tục")
    assert await page.locator('form.draft [aria-invalid="true"]').count() == 0
    await press(page, "Enter")

    await expect(page.get_by_role("heading", name="Xem lại hồ sơ")).to_be_visible()
    await expect(page.locator(".error-box")).to_have_count(0)
    await tab_to(page, lambda s: s["type"] == "checkbox", "the promise")
    await press(page, "Space")
    await expect(page.locator(".promise input")).to_be_checked()
    await artifacts.screenshot(page, "review")
    await tab_to(page, lambda s: s["text"] == "Nộp hồ sơ", "Nộp hồ sơ")
    await page.keyboard.press("Enter")

    code = page.get_by_test_id("dossier-code")
    await expect(code).to_have_text(CODE_SHOWN, timeout=30_000)
    await expect(page.locator(".status .state")).to_have_text("Mới đăng ký")
    await artifacts.screenshot(page, "dossier-with-code")


async def test_an_error_is_marked_described_said_and_summarized_with_links_to_the_field(
    live_server, new_page, artifacts
):
    from playwright.async_api import expect

    page = await signed_in_phone(live_server, new_page)
    await start_birth_form(page)

    # A required field left empty: marked invalid, described by its error, said politely.
    name = page.locator('[id="f-requester.full_name"]')
    await expect(page.get_by_label("Họ, chữ đệm và tên").first).to_have_attribute(
        "id", "f-requester.full_name"
    )
    await tab_to_id(page, "f-requester.full_name")
    await expect(name).not_to_have_attribute("aria-invalid", "true")
    await press(page, "Tab")
    await expect(name).to_have_attribute("aria-invalid", "true")
    await expect(name).to_have_accessible_description(re.compile("Vui lòng nhập thông tin này"))
    error_id = (await name.get_attribute("aria-describedby") or "").split()[-1]
    await expect(page.locator(f'[id="{error_id}"]')).to_have_text("Vui lòng nhập thông tin này.")
    announcer = page.get_by_test_id("error-announcer")
    await expect(announcer).to_have_attribute("aria-live", "polite")
    await expect(announcer).to_have_text("Họ, chữ đệm và tên: Vui lòng nhập thông tin này.")
    # A radio group is named by its label and described by its error too.
    relationship = page.locator('[id="f-requester.relationship"]')
    await expect(relationship).to_have_attribute("role", "radiogroup")
    await expect(relationship).to_have_accessible_name(re.compile("Quan hệ"))

    # Enter in a text field is "Tiếp tục": the review opens on its error summary, focused.
    await tab_to_id(page, "f-requester.residence")
    await press(page, "Enter")
    summary = page.get_by_test_id("error-summary")
    await expect(summary).to_be_focused()
    await expect(summary).to_have_attribute("role", "alert")
    await expect(summary).to_have_accessible_name(re.compile("chỗ cần sửa trước khi nộp"))
    await artifacts.screenshot(page, "error-summary")
    first = await press(page, "Tab")
    assert first["tag"] == "A" and "field=agency.province" in first["href"], first

    # Its link brings focus back to the field, marked and described.
    await press(page, "Enter")
    province = page.locator('[id="f-agency.province"]')
    await expect(province).to_be_focused()
    await expect(province).to_have_attribute("aria-invalid", "true")
    await expect(province).to_have_accessible_description(re.compile("Vui lòng nhập thông tin này"))
    state = await focused(page)
    assert state["inView"] and not state["covered"], state
