"""GET /dev/mail: the development mailbox in the browser, from the database (every
host shows every message). Mounted only in demo mode with no SMTP host: it shows
every link mailed (password resets, enrollments) to whoever opens it, so it never
exists on a real server. /dev/mail/<id>.eml/source is the message as sent."""

from __future__ import annotations

import html
import re
from typing import Annotated

from litestar import MediaType, Response, Router, get
from litestar.exceptions import NotFoundException
from litestar.params import PathParameter

from server.notify.delivery import mail_route
from server.notify.mailbox import MailboxEntry, find_entry, find_raw, list_entries
from server.settings import Settings

_LINK = re.compile(r"https?://[^\s<>\"]+")
_PAGE = """<!doctype html><html lang="en"><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem}}
table{{border-collapse:collapse;width:100%}}td,th{{border-bottom:1px solid #ddd;padding:.4rem;
text-align:left;vertical-align:top}}pre{{white-space:pre-wrap;background:#f6f6f6;padding:1rem}}</style>
<body>{body}</body></html>"""


def _linkify(text: str) -> str:
    parts, last = [], 0
    for match in _LINK.finditer(text):
        parts.append(html.escape(text[last : match.start()]))
        url = html.escape(match.group(0))
        parts.append(f'<a href="{url}">{url}</a>')
        last = match.end()
    parts.append(html.escape(text[last:]))
    return "".join(parts)


def _links(entry: MailboxEntry) -> str:
    return "<br>".join(f'<a href="{html.escape(u)}">{html.escape(u)}</a>' for u in entry.links)


def list_page(entries: list[MailboxEntry]) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(e.date)}</td><td>{html.escape(e.recipient)}</td>"
        f'<td><a href="/dev/mail/{html.escape(e.name)}">{html.escape(e.subject)}</a></td>'
        f"<td>{_links(e)}</td></tr>"
        for e in entries
    )
    body = (
        f"<h1>Mailbox ({len(entries)})</h1>"
        "<p>No SMTP host is configured: outgoing mail is kept here.</p>"
        "<table><tr><th>Time</th><th>To</th><th>Subject</th><th>Links</th></tr>"
        f"{rows}</table>"
    )
    return _PAGE.format(title="Mailbox", body=body)


def message_page(entry: MailboxEntry) -> str:
    body = (
        '<p><a href="/dev/mail">&larr; Mailbox</a></p>'
        f"<h1>{html.escape(entry.subject)}</h1>"
        f"<p>To: {html.escape(entry.recipient)}<br>Date: {html.escape(entry.date)}</p>"
        f"<pre>{_linkify(entry.text)}</pre>"
    )
    return _PAGE.format(title=html.escape(entry.subject), body=body)


def dev_mail_router() -> Router:
    @get("/", media_type=MediaType.HTML, include_in_schema=False)
    async def mailbox() -> str:
        return list_page(await list_entries())

    @get("/{name:str}", media_type=MediaType.HTML, include_in_schema=False)
    async def message(name: Annotated[str, PathParameter(max_length=64)]) -> str:
        entry = await find_entry(name)
        if entry is None:
            raise NotFoundException()
        return message_page(entry)

    @get("/{name:str}/source", include_in_schema=False)
    async def source(name: Annotated[str, PathParameter(max_length=64)]) -> Response[bytes]:
        raw = await find_raw(name)
        if raw is None:
            raise NotFoundException()
        return Response(raw, media_type="message/rfc822")

    return Router(path="/dev/mail", route_handlers=[mailbox, message, source])


def notify_routes(settings: Settings) -> list[Router]:
    """The routes of this domain that the app mounts for these settings."""
    if mail_route(settings) != "mailbox":
        return []
    return [dev_mail_router()]
