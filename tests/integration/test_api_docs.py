"""The API documentation (/schema, /schema/swagger) loads nothing from another host:
every script, style and icon it names is served by this server (from the app's build,
pwa/dist/api-docs), and its Content-Security-Policy names no other host either."""

from __future__ import annotations

import re

import httpx
import pytest

# Every URL an HTML page can load: src= and href= (links to elsewhere are none here).
_REFERENCES = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")


@pytest.mark.parametrize("path", ["/schema", "/schema/swagger"])
async def test_docs_name_only_this_server_and_each_file_is_there(
    client: httpx.AsyncClient, path: str
) -> None:
    page = await client.get(path)
    assert page.status_code == 200 and "SwaggerUIBundle" in page.text
    # No address of another host anywhere in the page (the OpenAPI document included).
    assert re.findall(r"(?:https?:)?//[\w.-]+\.\w+", page.text) == []
    references = _REFERENCES.findall(page.text)
    assert references, page.text[:500]
    for url in references:
        assert url.startswith("/") and not url.startswith("//"), url
        asset = await client.get(url)
        assert asset.status_code == 200, url
        assert len(asset.content) > 0, url
    assert {"/api-docs/swagger-ui-bundle.js", "/api-docs/swagger-ui.css"} <= set(references)
    policy = page.headers["content-security-policy"]
    assert "http" not in policy, policy


async def test_the_viewer_files_are_real_swagger_ui(client: httpx.AsyncClient) -> None:
    script = await client.get("/api-docs/swagger-ui-bundle.js")
    assert script.headers["content-type"].startswith(("text/javascript", "application/javascript"))
    assert b"SwaggerUIBundle" in script.content
    style = await client.get("/api-docs/swagger-ui.css")
    assert style.headers["content-type"].startswith("text/css")
    assert b".swagger-ui" in style.content
