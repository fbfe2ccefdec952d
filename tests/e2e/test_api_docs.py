"""The API documentation renders in a browser that can reach nothing but this server:
Swagger UI's files are served from here (server/api_docs.py), not from a CDN."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest


@pytest.mark.parametrize("path", ["/schema", "/schema/swagger"])
async def test_docs_render_with_no_internet(live_server, new_page, artifacts, path):
    from playwright.async_api import expect

    page = await new_page()
    elsewhere: list[str] = []

    async def only_this_server(route):
        if urlsplit(route.request.url).hostname in ("localhost", "127.0.0.1"):
            await route.continue_()
        else:
            elsewhere.append(route.request.url)
            await route.abort()

    await page.route("**/*", only_this_server)
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if m.type == "error" else None)
    await page.goto(path)
    await expect(page.locator(".swagger-ui .info .title")).to_contain_text("motcua", timeout=20_000)
    # The operations are listed: one of the app's own endpoints is there.
    await expect(page.locator(".opblock-summary-path").first).to_be_visible()
    await expect(page.get_by_text("/api/communes", exact=True).first).to_be_visible()
    await artifacts.screenshot(page, "docs")
    assert elsewhere == [], elsewhere
    assert refused == [], refused
