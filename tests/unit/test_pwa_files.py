"""How the built app's files are served for caching (server/pwa_files.py): files with a
content hash in their name (pwa/dist/assets/) are kept by browsers for good, so the
service worker's precache takes them from the HTTP cache instead of downloading them a
second time on a first visit; the others (index.html, sw.js, icons, the manifest) are
checked with the server each time, and a check of an unchanged file is a 304 with no
body. bench/first_visit.py measures what this saves on 2G and 3G."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from litestar import Litestar
from litestar.config.compression import CompressionConfig

from server.pwa_files import pwa_router

JS = "console.log('the app');\n" * 200


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    (tmp_path / "assets").mkdir()
    (tmp_path / "icons").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>app</title>" * 40)
    (tmp_path / "sw.js").write_text(JS)
    (tmp_path / "assets" / "index-BJXhNoS5.js").write_text(JS)
    (tmp_path / "icons" / "icon-192.png").write_bytes(b"\x89PNG" + bytes(range(256)) * 8)
    app = Litestar(
        route_handlers=[pwa_router(tmp_path)],
        compression_config=CompressionConfig(backend="gzip", minimum_size=512),
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://app.test") as c:
        yield c


async def test_hashed_files_are_kept_for_good(client: httpx.AsyncClient) -> None:
    r = await client.get("/assets/index-BJXhNoS5.js")
    assert r.status_code == 200 and r.text == JS
    cache = {d.strip() for d in r.headers["cache-control"].split(",")}
    assert {"public", "max-age=31536000", "immutable"} <= cache, cache


@pytest.mark.parametrize("path", ["/", "/index.html", "/sw.js", "/icons/icon-192.png"])
async def test_other_files_are_checked_each_time(client: httpx.AsyncClient, path: str) -> None:
    r = await client.get(path)
    assert r.status_code == 200 and r.content
    assert r.headers["cache-control"] == "no-cache"
    etag = r.headers["etag"]

    same = await client.get(path, headers={"If-None-Match": etag})
    assert same.status_code == 304, same.headers
    assert same.content == b""
    assert same.headers["etag"] == etag
    assert same.headers["cache-control"] == "no-cache"

    # If-None-Match compares weakly (RFC 9110 13.1.2): W/"x" matches "x".
    for other, expected in (('"another"', 200), ("W/" + etag, 304), (f'"x", {etag}', 304)):
        r2 = await client.get(path, headers={"If-None-Match": other})
        assert r2.status_code == expected, (other, r2.status_code)
    assert (await client.get(path, headers={"If-None-Match": "*"})).status_code == 304


async def test_a_missing_file_is_not_found(client: httpx.AsyncClient) -> None:
    assert (await client.get("/assets/gone-12345678.js")).status_code == 404
    r = await client.get("/nothing.png", headers={"If-None-Match": "*"})
    assert r.status_code == 404


@pytest.mark.parametrize(
    "path",
    ["/" + "a" * 300, "/assets/" + "a" * 300 + ".js", "/" + "a/" * 3000, "/" + "ạ" * 100],
)
async def test_a_name_no_file_could_have_is_not_found(client: httpx.AsyncClient, path: str) -> None:
    """Past 255 bytes a name, or 4,096 a path, the file system refuses the lookup: it
    was a 500 on the public root (nginx sends every other path to the app)."""
    for method in ("GET", "HEAD"):
        r = await client.request(method, path)
        assert r.status_code == 404, (method, path[:40], r.status_code)
    assert (await client.get("/sw.js")).status_code == 200
