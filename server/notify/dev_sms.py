"""GET /dev/sms: the SMS kept in the database (demo_sms) in demo mode, as every host
shows them. Mounted only in demo mode with no SMS gateway, so it never exists on a
real server."""

from __future__ import annotations

import html

from litestar import MediaType, Router, get

from server.notify.delivery import sms_route
from server.notify.tables import DemoSms
from server.settings import Settings

_PAGE = """<!doctype html><html lang="en"><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>SMS</title>
<style>body{{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem}}
table{{border-collapse:collapse;width:100%}}td,th{{border-bottom:1px solid #ddd;padding:.4rem;
text-align:left;vertical-align:top}}td.text{{font-family:monospace;white-space:pre-wrap}}</style>
<body>{body}</body></html>"""


async def list_sms(limit: int = 200) -> list[dict]:
    """The newest `limit` messages, newest first."""
    return (
        await DemoSms.select()
        .order_by(DemoSms.delivered_at, ascending=False)
        .order_by(DemoSms.id, ascending=False)
        .limit(limit)
    )


def list_page(messages: list[dict]) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(m['delivered_at'].isoformat(timespec='seconds'))}</td>"
        f"<td>{html.escape(m['recipient'])}</td><td>{len(m['text'])}</td>"
        f'<td class="text">{html.escape(m["text"])}</td></tr>'
        for m in messages
    )
    body = (
        f"<h1>SMS ({len(messages)})</h1>"
        "<p>No SMS gateway is configured: outgoing SMS are kept here.</p>"
        "<table><tr><th>Time (UTC)</th><th>To</th><th>Length</th><th>Text</th></tr>"
        f"{rows}</table>"
    )
    return _PAGE.format(body=body)


def dev_sms_router() -> Router:
    @get("/", media_type=MediaType.HTML, include_in_schema=False)
    async def outbox_sms() -> str:
        return list_page(await list_sms())

    return Router(path="/dev/sms", route_handlers=[outbox_sms])


def sms_routes(settings: Settings) -> list[Router]:
    """The routes the app mounts for these settings: /dev/sms in demo mode without a gateway."""
    if sms_route(settings) != "demo":
        return []
    return [dev_sms_router()]
