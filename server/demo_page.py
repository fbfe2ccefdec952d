"""/demo, in demo mode only: the demo accounts with their passwords (from the last
`motcua demo`, server/demo.py), and how a tester gets past the robot check. The
app's demo banner (pwa/src/ui/DemoBanner.tsx) links here. Outside demo mode the
route does not exist (404)."""

from __future__ import annotations

import html

from litestar import MediaType, Request, Response, get
from litestar.datastructures import State

from server.demo import load_demo_accounts
from server.i18n import Language
from server.identity.pages import page_language
from server.identity.roles import ROLE_NAMES
from server.page_style import PAGE_STYLE
from server.security_headers import CSP, inline_policy
from server.settings import Settings

_WORDS: dict[Language, dict[str, str]] = {
    "vi": {
        "title": "Chế độ thử: tài khoản dùng thử",
        "intro": "Máy chủ này đang chạy ở chế độ thử. Dữ liệu chỉ để thử, mật khẩu đổi mỗi lần chạy lại <code>motcua demo</code>.",
        "role": "Vai trò",
        "email": "Thư điện tử",
        "password": "Mật khẩu",
        "name": "Họ tên",
        "none": "Chưa có tài khoản thử: hãy chạy <code>motcua demo</code> (hoặc <code>make run</code>).",
        "captcha": "Mã xác nhận: ở chế độ thử, bấm “Hiện đáp án (chế độ thử)” dưới ảnh để xem đáp án.",
        "mail": "Thư và tin nhắn gửi đi được giữ lại để xem",
        "open": "Mở ứng dụng và đăng nhập",
        "switch": "English",
    },
    "en": {
        "title": "Demo mode: demo accounts",
        "intro": "This server runs in demo mode. The data is for trying only; the passwords change every time <code>motcua demo</code> runs.",
        "role": "Role",
        "email": "Email",
        "password": "Password",
        "name": "Name",
        "none": "No demo accounts yet: run <code>motcua demo</code> (or <code>make run</code>).",
        "captcha": "Robot check: in demo mode, press “Show the answer (demo)” under the picture to see it.",
        "mail": "Outgoing mail and SMS are kept here to read",
        "open": "Open the app and sign in",
        "switch": "Tiếng Việt",
    },
}


def _rows(settings: Settings, lang: Language) -> str:
    rows = []
    for account in load_demo_accounts(settings.data_dir):
        role = ROLE_NAMES.get(account.role, {}).get(lang, account.role)
        rows.append(
            f'<tr data-role="{html.escape(account.role)}"><td>{html.escape(role)}</td>'
            f"<td><code>{html.escape(account.email)}</code></td>"
            f'<td><code class="password">{html.escape(account.password)}</code></td>'
            f"<td>{html.escape(account.full_name)}</td></tr>"
        )
    return "".join(rows)


def _kept_messages(settings: Settings, label: str) -> str:
    """Links to the dev mailbox and SMS list, where they exist (no real mail or SMS out)."""
    kept = [
        p
        for p, real in (("/dev/mail", settings.smtp_host), ("/dev/sms", settings.sms_gateway_url))
        if not real
    ]
    return (
        f"<p>{label}: " + " · ".join(f'<a href="{p}">{p}</a>' for p in kept) + "</p>"
        if kept
        else ""
    )


def render_demo_page(settings: Settings, lang: Language) -> str:
    words = _WORDS[lang]
    other = "en" if lang == "vi" else "vi"
    rows = _rows(settings, lang)
    table = (
        f"<table><thead><tr><th>{words['role']}</th><th>{words['email']}</th>"
        f"<th>{words['password']}</th><th>{words['name']}</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
        if rows
        else f"<p>{words['none']}</p>"
    )
    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{words["title"]}</title><style>{PAGE_STYLE}</style></head>
<body><header><a class="brand" href="/">{"Một cửa – Hộ tịch" if lang == "vi" else "One-stop – Civil status"}</a>
<a href="?lang={other}" hreflang="{other}" lang="{other}">{words["switch"]}</a></header>
<main><h1>{words["title"]}</h1><p>{words["intro"]}</p>
<div class="card">{table}</div>
<p class="card">{words["captcha"]}</p>
{_kept_messages(settings, words["mail"])}
<a class="button" href="/#/tai-khoan">{words["open"]}</a></main></body></html>"""


@get("/demo", media_type=MediaType.HTML, include_in_schema=False)
async def demo_page(request: Request, state: State) -> Response[str]:
    page = render_demo_page(state.settings, page_language(request))
    # Passwords: never kept by a cache; only its own inline style applies.
    return Response(
        page,
        media_type=MediaType.HTML,
        headers={CSP: inline_policy(page), "Cache-Control": "no-store", "Vary": "Accept-Language"},
    )


def demo_routes(settings: Settings) -> list:
    return [demo_page] if settings.demo_mode else []
