"""The progressive web app, built into pwa/dist, served at "/"."""

from __future__ import annotations

from pathlib import Path

from litestar import MediaType, Router, get
from litestar.static_files import create_static_files_router

NOT_BUILT = """<!doctype html><html lang="vi"><meta charset="utf-8">
<title>motcua</title><p>Ứng dụng chưa được build: chạy <code>make run</code>.
<p lang="en">The app is not built yet: run <code>make run</code>.
<p><a href="/schema">API</a></html>"""


def pwa_router(dist: Path) -> Router:
    if (dist / "index.html").is_file():
        return create_static_files_router(
            path="/", directories=[dist], html_mode=True, name="pwa", include_in_schema=False
        )

    @get("/", media_type=MediaType.HTML, include_in_schema=False)
    async def not_built() -> str:
        return NOT_BUILT

    return Router(path="/", route_handlers=[not_built])
