"""The local VNeID stand-in's login page in Chromium with JavaScript off: a person picks
a sample identity, types one, or cancels, and lands back at the application."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from harness.oidc_provider import OidcProvider, authorization_url, pkce_pair
from tests.e2e.conftest import Artifacts
from tests.identity.conftest import (  # noqa: F401 (fixtures, used by name)
    oidc_provider,
    oidc_provider_installed,
    oidc_redirect_uri,
)


async def test_the_login_page_works_without_javascript(
    browser, oidc_provider: OidcProvider, oidc_redirect_uri: str, artifacts: Artifacts
) -> None:
    context = await browser.new_context(java_script_enabled=False, locale="vi-VN")
    page = await context.new_page()
    arrived: list[dict[str, list[str]]] = []

    async def application(route) -> None:  # the relying party, as far as this test goes
        arrived.append(parse_qs(urlsplit(route.request.url).query))
        await route.fulfill(status=200, content_type="text/plain", body="ok")

    await page.route(f"{oidc_redirect_uri}?*", application)
    client = oidc_provider.client("motcua")
    _, challenge = pkce_pair()

    def start(state: str) -> str:
        return authorization_url(
            oidc_provider, client, code_challenge=challenge, state=state, nonce="n"
        )

    try:
        await page.goto(start("pick"))
        assert await page.title() == "Đăng nhập · Cổng định danh thử nghiệm"
        assert await page.get_by_role("heading", level=1).inner_text() == (
            "Cổng định danh thử nghiệm"
        )
        await artifacts.screenshot(page, "login page")
        await page.get_by_role("button", name="Trần Thị Hoa").click()
        await page.wait_for_url(f"{oidc_redirect_uri}?*")
        assert arrived[-1]["state"] == ["pick"] and arrived[-1]["code"]

        await page.goto(start("typed"))
        field = page.get_by_label("Tên đăng nhập hoặc số định danh cá nhân")
        await field.fill("không có ai")
        await page.get_by_role("button", name="Đăng nhập", exact=True).click()
        assert "không có ai" in await page.get_by_role("alert").inner_text()
        assert await field.input_value() == "không có ai"
        await artifacts.screenshot(page, "unknown login")
        await field.fill(oidc_provider.identity("mai")["claims"]["personal_id_number"])
        await page.get_by_role("button", name="Đăng nhập", exact=True).click()
        await page.wait_for_url(f"{oidc_redirect_uri}?*")
        assert arrived[-1]["state"] == ["typed"] and arrived[-1]["code"]

        await page.goto(start("cancel"))
        await page.get_by_role("button", name="Huỷ").click()
        await page.wait_for_url(f"{oidc_redirect_uri}?*")
        assert arrived[-1]["state"] == ["cancel"]
        assert arrived[-1]["error"] == ["access_denied"] and "code" not in arrived[-1]
    finally:
        await context.close()
