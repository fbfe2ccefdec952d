"""Signing in with VNeID in real Chromium, against a real OpenID provider on this machine
(harness/oidc_provider.py): the person presses "Đăng nhập bằng VNeID", picks a demo
identity at the provider, comes back signed in, and a new birth dossier has the
requester's name and ID filled in and marked as verified; changed, the mark says so.
Then offline drafting and a sync with the provider down: the device credential is all
syncing needs. A cancel at the provider comes back as words on the account page."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.app_pages import answer_the_sign_in_question, app_ready, install_app, sign_in
from harness.oidc_provider import OidcClient, OidcProvider, demo_identities, provider_problem
from tests.conftest import IN_CI
from tests.e2e.test_accessibility import AXE_JS, BLOCKING, WCAG_AA_TAGS, axe_violations
from tests.e2e.test_prefill_cleared import NOTHING_PENDING
from tests.e2e.test_pwa_offline import CITIZEN, demo_password

CLIENT_SECRET = "motcua-e2e-client-secret-0123456789abcdef"
AN = next(i for i in demo_identities() if i["login"] == "an")
HOA = next(i for i in demo_identities() if i["login"] == "hoa")


@pytest.fixture
def vneid(live_server, tmp_path: Path) -> Iterator[OidcProvider]:
    """The local provider registered for this server's callback, and the server
    restarted with it as its one provider ("vneid")."""
    problem = provider_problem()
    if problem:
        if IN_CI:
            pytest.fail(f"the local OpenID provider is required under CI: {problem}")
        pytest.skip(problem)
    client = OidcClient(
        client_id="motcua",
        client_secret=CLIENT_SECRET,
        redirect_uris=[live_server.url("/api/auth/oidc/vneid/callback")],
    )
    provider = OidcProvider(clients=[client]).start()
    try:
        providers_file = tmp_path / "oidc-providers.json"
        providers_file.write_text(
            json.dumps(
                {
                    "providers": [
                        {
                            "name": "vneid",
                            "label": {"vi": "VNeID", "en": "VNeID"},
                            "issuer": provider.issuer,
                            "client_id": "motcua",
                            "client_secret_env": "MOTCUA_OIDC_VNEID_SECRET",
                        }
                    ]
                }
            )
        )
        live_server.stop()
        live_server.env.update(
            MOTCUA_OIDC_PROVIDERS_FILE=str(providers_file),
            MOTCUA_OIDC_VNEID_SECRET=CLIENT_SECRET,
        )
        live_server.start()
        yield provider
    finally:
        provider.stop()


async def server_fields(live_server, dossier_id: str) -> dict:
    """The dossier's answers as the server keeps them (read from its database)."""
    url = live_server.env["MOTCUA_DATABASE_URL"]
    if url.startswith("sqlite"):
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
            row = (
                db.execute(
                    "SELECT fields FROM dossier WHERE id = ?", (dossier_id.replace("-", ""),)
                ).fetchone()
                or db.execute("SELECT fields FROM dossier WHERE id = ?", (dossier_id,)).fetchone()
            )
        return json.loads(row[0]) if row else {}
    import asyncpg

    connection = await asyncpg.connect(url)
    try:
        raw = await connection.fetchval(
            "SELECT fields FROM dossier WHERE id = $1::uuid", dossier_id
        )
    finally:
        await connection.close()
    return json.loads(raw) if raw else {}


# test_accessibility.py's run, over one part of the page.
RUN_AXE_IN = """async ([selector, tags]) => {
  const result = await axe.run(selector, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return result.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' '))}));
}"""


async def assert_accessible(page, where: str, part: str | None = None) -> None:
    """axe-core's WCAG 2.2 AA rules: nothing serious or critical on this screen (or in
    its `part`, a CSS selector)."""
    if not AXE_JS.is_file():
        return  # test_accessibility.py says why (npm ci in pwa/)
    found = await axe_violations(page)
    if part:
        found = await page.evaluate(RUN_AXE_IN, [part, WCAG_AA_TAGS])
    blocking = [v for v in found if v["impact"] in BLOCKING]
    assert blocking == [], f"{where}: {blocking}"


async def sign_in_with_vneid(page, provider: OidcProvider, label: str):

    await page.goto("/#/tai-khoan")
    await app_ready(page)
    await page.get_by_role("button", name="Đăng nhập bằng VNeID").click()
    # At the provider's own page.
    await page.wait_for_url(re.compile(re.escape(provider.issuer) + r"/interaction/"))
    await page.get_by_role("button", name=re.compile("^" + re.escape(label))).click()


async def test_signed_in_with_vneid_a_new_draft_is_prefilled_and_syncs_with_the_provider_down(
    live_server, vneid: OidcProvider, new_page, artifacts
):
    from playwright.async_api import expect

    page = await new_page()
    await install_app(page)
    await page.goto("/#/tai-khoan")
    await expect(page.get_by_role("button", name="Đăng nhập bằng VNeID")).to_be_visible()
    await artifacts.screenshot(page, "signed-out")
    await assert_accessible(page, "signed out, with the VNeID button")

    await sign_in_with_vneid(page, vneid, AN["label"])
    await artifacts.screenshot(page, "back-from-provider")
    await expect(page.get_by_test_id("oidc-notice")).to_have_text("Đã đăng nhập bằng VNeID")
    await expect(page.get_by_role("heading", name="Đăng xuất khỏi máy này")).to_be_visible(
        timeout=15_000
    )
    # The address no longer says how it came back: a reload does not redo it.
    assert "oidc=" not in page.url
    facts = page.get_by_test_id("verified-facts")
    await expect(facts).to_contain_text(AN["claims"]["name"])
    await expect(facts).to_contain_text(AN["claims"]["personal_id_number"])
    await expect(page.get_by_test_id("linked-identity")).to_contain_text("4821")
    await artifacts.screenshot(page, "signed-in-account")
    await assert_accessible(page, "account: verified facts and linked accounts")

    # A new birth dossier: the requester is the person the provider verified.
    await page.goto("/#/")
    await page.get_by_role("button", name="Đăng ký khai sinh").click()
    await expect(page.locator("form.draft h1")).to_have_text("Đăng ký khai sinh")
    dossier_id = page.url.split("/ho-so/")[1].split("?")[0]
    f = lambda path: page.locator(f'[id="f-{path}"]')  # noqa: E731 - ids hold dots
    mark = lambda path: page.locator(f'[id="f-{path}-verified"]')  # noqa: E731
    await expect(f("requester.full_name")).to_have_value(AN["claims"]["name"])
    await expect(f("requester.id_number")).to_have_value(AN["claims"]["personal_id_number"])
    await expect(f("requester.residence")).to_have_value(AN["claims"]["address"]["formatted"])
    for path in ("requester.full_name", "requester.id_number", "requester.residence"):
        await expect(mark(path)).to_have_text("✓ Đã xác thực qua VNeID")
        # Said to a screen reader with the field, not by colour alone.
        described = await f(path).get_attribute("aria-describedby")
        assert f"f-{path}-verified" in (described or "").split(), described
    # The app's own checks accept what the provider verified.
    await expect(page.locator('[id="f-requester.id_number"] ~ .error')).to_have_count(0)
    await artifacts.screenshot(page, "prefilled")
    # The requester's part: the commune list of a fresh form is test_accessibility's.
    await assert_accessible(page, "draft with verified marks", "#s-requester")

    # Changed by the person: allowed, and the mark says it differs.
    await f("requester.full_name").fill("Nguyễn Văn Ân")
    await f("requester.full_name").blur()
    await expect(mark("requester.full_name")).to_have_text(
        "✎ Đã sửa — khác thông tin VNeID đã xác thực"
    )
    await expect(mark("requester.id_number")).to_have_text("✓ Đã xác thực qua VNeID")
    # Kept with the draft: a reload shows the same marks.
    await page.wait_for_function(NOTHING_PENDING, polling=200, timeout=20_000)
    await page.reload()
    await app_ready(page)
    await expect(mark("requester.full_name")).to_have_text(
        "✎ Đã sửa — khác thông tin VNeID đã xác thực"
    )
    await artifacts.screenshot(page, "changed-mark")

    # Offline: drafting goes on; meanwhile the provider goes down for good.
    await page.context.set_offline(True)
    await f("child.full_name").fill("Nguyễn Minh Khôi")
    await f("child.hometown").fill("Hà Nội")
    await f("child.hometown").blur()
    await expect(page.get_by_test_id("syncbar")).not_to_have_attribute("data-pending", "0")
    vneid.kill()
    await page.context.set_offline(False)

    # Back online: the change goes on the device's credential, with no provider.
    await page.goto("/#/dong-bo")
    await expect(page.get_by_test_id("syncbar")).to_have_attribute(
        "data-pending", "0", timeout=30_000
    )
    await expect(page.get_by_role("heading", name="Chờ gửi (0)")).to_be_visible()
    await expect(page.get_by_test_id("sign-in-to-send")).to_have_count(0)
    await expect(page.get_by_text("Lần đồng bộ thành công gần nhất")).not_to_contain_text("chưa có")
    await artifacts.screenshot(page, "synced-provider-down")
    fields = await server_fields(live_server, dossier_id)
    assert fields.get("requester.full_name") == "Nguyễn Văn Ân", fields
    assert fields.get("requester.id_number") == AN["claims"]["personal_id_number"], fields
    assert fields.get("child.full_name") == "Nguyễn Minh Khôi", fields


async def test_cancelled_at_the_provider_comes_back_to_the_account_page_in_words(
    live_server, vneid: OidcProvider, new_page, artifacts
):
    from playwright.async_api import expect

    page = await new_page()
    await install_app(page)
    await page.goto("/#/tai-khoan")
    await page.get_by_role("button", name="Đăng nhập bằng VNeID").click()
    await page.wait_for_url(re.compile(re.escape(vneid.issuer) + r"/interaction/"))
    await page.get_by_role("button", name="Huỷ").click()

    error = page.get_by_test_id("oidc-error")
    await expect(error).to_have_text(
        "Bạn đã hủy đăng nhập bằng VNeID. Chưa có gì thay đổi; bạn có thể thử lại bất cứ lúc nào."
    )
    await expect(error).to_have_attribute("role", "alert")
    await expect(error).to_be_focused()
    assert page.url.endswith("#/tai-khoan"), page.url
    # Still signed out, with every way to sign in still offered.
    await expect(page.locator("#signin-email")).to_be_visible()
    await expect(page.get_by_role("button", name="Đăng nhập bằng VNeID")).to_be_visible()
    await artifacts.screenshot(page, "cancelled")
    await assert_accessible(page, "account: a cancel in words")

    # Signed in with a password after all: the cancel is old news.
    await sign_in(page, CITIZEN, demo_password(live_server, CITIZEN))
    await expect(page.get_by_test_id("oidc-error")).to_have_count(0)


async def test_provider_down_at_the_start_is_said_in_words_and_nothing_changes(
    live_server, vneid: OidcProvider, new_page, artifacts
):
    from playwright.async_api import expect

    page = await new_page()
    await install_app(page)
    await page.goto("/#/tai-khoan")
    button = page.get_by_role("button", name="Đăng nhập bằng VNeID")
    await expect(button).to_be_visible()
    vneid.kill()
    await button.click()
    error = page.get_by_test_id("oidc-start-error")
    await expect(error).to_have_text("VNeID hiện không phản hồi. Hãy thử lại sau ít phút.")
    await expect(error).to_be_focused()
    assert page.url.endswith("#/tai-khoan"), page.url
    await expect(page.locator("#signin-email")).to_be_visible()
    await expect(page.get_by_role("button", name="Đăng nhập bằng VNeID")).to_be_enabled()
    await artifacts.screenshot(page, "provider-down")


async def test_a_password_account_links_vneid_and_unlinks_it(
    live_server, vneid: OidcProvider, new_page, artifacts
):
    from playwright.async_api import expect

    password = demo_password(live_server, CITIZEN)
    page = await new_page()
    await install_app(page)
    await sign_in(page, CITIZEN, password)
    linked = page.get_by_test_id("linked-accounts")
    await expect(linked).to_contain_text("Chưa liên kết tài khoản định danh điện tử nào.")
    await expect(page.get_by_test_id("verified-facts")).to_have_count(0)

    await linked.get_by_role("button", name="Liên kết VNeID", exact=True).click()
    await page.wait_for_url(re.compile(re.escape(vneid.issuer) + r"/interaction/"))
    await page.get_by_role("button", name=re.compile("^" + re.escape(HOA["label"]))).click()

    await expect(page.get_by_test_id("oidc-notice")).to_have_text("Đã liên kết VNeID")
    assert page.url.endswith("#/tai-khoan"), page.url
    await expect(page.get_by_test_id("linked-identity")).to_contain_text("7356")
    await expect(page.get_by_test_id("verified-facts")).to_contain_text(HOA["claims"]["name"])
    await expect(linked.get_by_role("button", name="Liên kết VNeID", exact=True)).to_have_count(0)
    await artifacts.screenshot(page, "linked")

    # The password remains, so unlinking is allowed.
    await linked.get_by_role("button", name="Bỏ liên kết VNeID").click()
    await expect(linked).to_contain_text("Đã bỏ liên kết VNeID.")
    await expect(page.get_by_test_id("linked-identity")).to_have_count(0)
    await expect(linked.get_by_role("button", name="Liên kết VNeID", exact=True)).to_be_visible()
    # What it verified goes with it: a new draft is not pre-filled from it any more.
    await expect(page.get_by_test_id("verified-facts")).to_have_count(0)
    await artifacts.screenshot(page, "unlinked")


async def test_an_e_id_sign_in_over_drafts_someone_typed_signed_out_asks_first(
    live_server, vneid: OidcProvider, new_page
):
    """Back from the provider on a phone holding a draft typed while nobody was signed
    in: the person is asked before it joins their account. Declined, the session the
    return made is ended, none of the provider's facts stay on screen, and the draft
    stays on the phone."""
    from playwright.async_api import expect

    page = await new_page()
    await install_app(page)
    await page.get_by_role("button", name="Đăng ký khai sinh").click()
    await expect(page.locator("form.draft h1")).to_have_text("Đăng ký khai sinh")
    field = page.locator('[id="f-child.full_name"]')
    await field.fill("Con của người soạn trước")
    await field.blur()
    await expect(page.get_by_test_id("syncbar")).not_to_have_attribute("data-pending", "0")
    asked = answer_the_sign_in_question(page, yes=False)

    await sign_in_with_vneid(page, vneid, AN["label"])
    await expect(page.get_by_test_id("oidc-error")).to_contain_text(
        "Chưa đăng nhập", timeout=15_000
    )
    assert len(asked) == 1 and "1 hồ sơ" in asked[0], asked
    assert await page.evaluate("async () => (await fetch('/api/me')).status") == 401
    await expect(page.get_by_test_id("verified-facts")).to_have_count(0)
    await expect(page.get_by_role("heading", name="Đăng xuất khỏi máy này")).to_have_count(0)
    await page.goto("/#/")
    await expect(page.locator('a.dossier-item[href^="#/ho-so/"]')).to_have_count(1)
