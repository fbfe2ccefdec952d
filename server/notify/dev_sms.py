"""GET /dev/sms: the SMS written to <data dir>/sms in development. Mounted only in
demo mode with no SMS gateway, so it never exists on a real server."""

from __future__ import annotations

import html
import re
from pathlib import Path

import msgspec
from litestar import MediaType, Router, get

from server.notify.delivery import sms_route
from server.notify.mailbox import newest_files
from server.notify.sms import SmsFile, sms_dir
from server.settings import Settings

NAME = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.json$")
_decoder = msgspec.json.Decoder(SmsFile)
_PAGE = """<!doctype html><html lang="en"><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>SMS</title>
<style>body{{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem}}
table{{border-collapse:collapse;width:100%}}td,th{{border-bottom:1px solid #ddd;padding:.4rem;
text-align:left;vertical-align:top}}td.text{{font-family:monospace;white-space:pre-wrap}}</style>
<body>{body}</body></html>"""


def list_sms(directory: Path, limit: int = 200) -> list[SmsFile]:
    """The newest `limit` messages, newest first."""
    found = []
    for path in newest_files(directory, NAME, limit):
        try:
            found.append(_decoder.decode(path.read_bytes()))
        except (FileNotFoundError, msgspec.DecodeError):
            continue
    return found


def list_page(messages: list[SmsFile]) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(m.written_at.isoformat(timespec='seconds'))}</td>"
        f"<td>{html.escape(m.to)}</td><td>{len(m.text)}</td>"
        f'<td class="text">{html.escape(m.text)}</td></tr>'
        for m in messages
    )
    body = (
        f"<h1>SMS ({len(messages)})</h1>"
        "<p>No SMS gateway is configured: outgoing SMS are kept here.</p>"
        "<table><tr><th>Time (UTC)</th><th>To</th><th>Length</th><th>Text</th></tr>"
        f"{rows}</table>"
    )
    return _PAGE.format(body=body)


def dev_sms_router(directory: Path) -> Router:
    @get("/", media_type=MediaType.HTML, include_in_schema=False, sync_to_thread=True)
    def outbox_sms() -> str:
        return list_page(list_sms(directory))

    return Router(path="/dev/sms", route_handlers=[outbox_sms])


def sms_routes(settings: Settings) -> list[Router]:
    """The routes the app mounts for these settings: /dev/sms in demo mode without a gateway."""
    if sms_route(settings) != "files":
        return []
    return [dev_sms_router(sms_dir(settings.data_dir))]
