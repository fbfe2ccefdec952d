"""The progressive web app, built into pwa/dist, served at "/".

Caching, for a first visit on a slow link (bench/first_visit.py): files named by their
content hash (pwa/dist/assets/) never change, so browsers keep them for a year and the
service worker's precache takes them from the HTTP cache the page just filled instead
of downloading them again. Every other file (index.html, sw.js, the icons, the
manifest) keeps its name across versions: browsers check it with the server each time,
and an unchanged one is a 304 without a body."""

from __future__ import annotations

from pathlib import Path

from litestar import MediaType, Router, get
from litestar.datastructures import CacheControlHeader
from litestar.static_files import create_static_files_router
from litestar.types import ASGIApp, Message, Receive, Scope, Send

NOT_BUILT = """<!doctype html><html lang="vi"><meta charset="utf-8">
<title>motcua</title><p>Ứng dụng chưa được build: chạy <code>make run</code>.
<p lang="en">The app is not built yet: run <code>make run</code>.
<p><a href="/schema">API</a></html>"""

HASHED = CacheControlHeader(public=True, max_age=365 * 24 * 3600, immutable=True)
NAMED = CacheControlHeader(no_cache=True)
# What a 304 repeats of the 200 it stands for (RFC 9110 15.4.5).
_KEPT_ON_304 = {b"etag", b"cache-control", b"last-modified", b"vary", b"date", b"expires"}


def _tags(value: str) -> set[str]:
    """The entity tags of an If-None-Match header, compared weakly (W/ dropped)."""
    return {t.strip().removeprefix("W/") for t in value.split(",") if t.strip()}


def not_modified(app: ASGIApp) -> ASGIApp:
    """Answers a GET or HEAD whose If-None-Match names the file's ETag with a 304 and no
    body (Litestar's file responses always send the file)."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        asked = next(
            (v.decode("latin-1") for k, v in scope.get("headers", ()) if k == b"if-none-match"),
            None,
        )
        if scope["type"] != "http" or scope.get("method") not in ("GET", "HEAD") or not asked:
            await app(scope, receive, send)
            return
        wanted = _tags(asked)
        answered = False

        async def sending(message: Message) -> None:
            nonlocal answered
            if answered:  # the file's body, not sent after a 304
                return
            if message["type"] == "http.response.start" and message["status"] == 200:
                headers = list(message.get("headers", ()))
                etag = next((v.decode("latin-1") for k, v in headers if k.lower() == b"etag"), "")
                if "*" in wanted or (etag and etag.removeprefix("W/") in wanted):
                    answered = True
                    kept = [(k, v) for k, v in headers if k.lower() in _KEPT_ON_304]
                    await send({"type": "http.response.start", "status": 304, "headers": kept})
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
                    return
            await send(message)

        await app(scope, receive, sending)

    return middleware


# Past these, the file system refuses the lookup (ENAMETOOLONG) and Litestar answers 500.
_NAME_MAX, _PATH_MAX = 255, 4096


def no_such_long_name(app: ASGIApp) -> ASGIApp:
    """A 404 for a path no file here could have: one of its names longer than a file
    name may be, or the whole longer than a path."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "").encode("utf-8", "surrogateescape")
        if len(path) > _PATH_MAX or any(len(name) > _NAME_MAX for name in path.split(b"/")):
            await send({"type": "http.response.start", "status": 404, "headers": []})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        await app(scope, receive, send)

    return middleware


def pwa_router(dist: Path) -> Router:
    if (dist / "index.html").is_file():
        named = create_static_files_router(
            path="/",
            directories=[dist],
            html_mode=True,
            name="pwa",
            include_in_schema=False,
            cache_control=NAMED,
            middleware=[no_such_long_name, not_modified],
        )
        if not (dist / "assets").is_dir():
            return named
        hashed = create_static_files_router(
            path="/assets",
            directories=[dist / "assets"],
            name="pwa-assets",
            include_in_schema=False,
            cache_control=HASHED,
            middleware=[no_such_long_name],
        )
        return Router(path="/", route_handlers=[hashed, named])

    @get("/", media_type=MediaType.HTML, include_in_schema=False)
    async def not_built() -> str:
        return NOT_BUILT

    return Router(path="/", route_handlers=[not_built])
