"""The pages emailed links open: small, server-rendered, working without the app.
Each asks for a click before anything changes, so a mail scanner that fetches
the link uses nothing up. One language per page (`?lang=`, else Accept-Language,
else Vietnamese) with a link to the other; after success, the way on into the app.
Styled like the app (pwa/src/style.css's colours), by an inline style and script
the page's CSP allows by hash and nothing else."""

from __future__ import annotations

import html
import json
from urllib.parse import urlencode

from litestar import Controller, MediaType, Request, Response, get

from server.i18n import LANGUAGES, Language, negotiate_language
from server.page_style import PAGE_STYLE
from server.security_headers import CSP, inline_policy

# The app's sign-in screen (pwa/src/ui/App.tsx: #/tai-khoan is the account page,
# which signs in when nobody is).
SIGN_IN = "/#/tai-khoan"

# Per page and language: the page's words, and what each refusal means to the person.
_WORDS: dict[str, dict[Language, dict[str, str]]] = {
    "activate": {
        "vi": {
            "title": "Kích hoạt tài khoản",
            "intro": "Bấm nút dưới đây để kích hoạt tài khoản của bạn.",
            "go": "Kích hoạt",
            "done": "Tài khoản đã được kích hoạt. Bây giờ bạn có thể đăng nhập.",
            "next": "Đăng nhập",
        },
        "en": {
            "title": "Activate your account",
            "intro": "Press the button below to activate your account.",
            "go": "Activate",
            "done": "Your account is activated. You can sign in now.",
            "next": "Sign in",
        },
    },
    "reset": {
        "vi": {
            "title": "Đặt lại mật khẩu",
            "intro": "Chọn mật khẩu mới, ít nhất 10 ký tự.",
            "field": "Mật khẩu mới",
            "go": "Lưu mật khẩu",
            "done": "Đã đổi mật khẩu. Hãy đăng nhập bằng mật khẩu mới.",
            "next": "Đăng nhập",
        },
        "en": {
            "title": "Reset your password",
            "intro": "Choose a new password of at least 10 characters.",
            "field": "New password",
            "go": "Save the password",
            "done": "Your password is changed. Sign in with the new password.",
            "next": "Sign in",
        },
    },
    "enroll": {
        "vi": {
            "title": "Đăng ký khóa truy cập (passkey)",
            "intro": "Cán bộ đăng nhập bằng khóa truy cập (passkey). Bấm nút và làm theo hướng dẫn của thiết bị.",
            "go": "Tạo passkey",
            "done": "Đã đăng ký passkey và đăng nhập.",
            "next": "Đăng nhập",
        },
        "en": {
            "title": "Register your passkey",
            "intro": "Officials sign in with a passkey. Press the button and follow your device.",
            "go": "Create a passkey",
            "done": "Your passkey is registered and you are signed in.",
            "next": "Sign in",
        },
    },
}
# Problem codes (the `type` /problems/<code>) the links' endpoints answer with.
_REFUSALS: dict[Language, dict[str, str]] = {
    "vi": {
        "link_invalid": "Đường dẫn không hợp lệ. Hãy mở đúng đường dẫn trong thư, hoặc yêu cầu gửi lại.",
        "link_used": "Đường dẫn đã được sử dụng. Nếu bạn đã làm xong bước này, hãy đăng nhập.",
        "link_expired": "Đường dẫn đã hết hạn. Hãy yêu cầu gửi đường dẫn mới từ màn hình đăng nhập.",
        "too_many_requests": "Bạn đã thử quá nhiều lần. Hãy đợi vài phút rồi thử lại.",
        "offline": "Không kết nối được máy chủ. Hãy kiểm tra mạng rồi thử lại.",
        "cancelled": "Thiết bị chưa tạo được khóa truy cập (đã huỷ hoặc hết thời gian). Hãy thử lại.",
        "other": "Chưa thực hiện được. Hãy thử lại sau.",
    },
    "en": {
        "link_invalid": "This link is not valid. Open the link exactly as mailed, or ask for a new one.",
        "link_used": "This link was already used. If you finished this step, sign in.",
        "link_expired": "This link has expired. Ask for a new one from the sign-in screen.",
        "too_many_requests": "Too many attempts. Wait a few minutes and try again.",
        "offline": "The server cannot be reached. Check the connection and try again.",
        "cancelled": "The device did not create a passkey (cancelled or timed out). Try again.",
        "other": "That did not work. Try again later.",
    },
}

_PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{title}</title><style>{style}</style></head>
<body><header><a class="brand" href="/">{brand}</a><a href="{switch_href}" hreflang="{other}" lang="{other}">{switch}</a></header>
<main><h1>{title}</h1><div class="card">{body}</div>
<p id="out" class="card" role="status" aria-live="polite"></p>
<a id="next" class="button next" href="{sign_in}">{next}</a></main>
<script>{script}</script></body></html>"""

# Shared by the three pages: the token, a POST that turns a refusal into words in the
# page's language (a field's own message when the server gave one, in that language
# too: the request says which), and the success step.
_COMMON = """const lang = document.documentElement.lang;
const token = new URLSearchParams(location.search).get("token") || "";
const out = document.getElementById("out");
const go = document.getElementById("go");
const say = (text, kind) => { out.textContent = text; out.className = "card " + kind; };
const refusal = (code) => REFUSALS[code] || REFUSALS.other;
async function post(path, body) {
  let r;
  try {
    r = await fetch(path, {method: "POST", headers: {"Content-Type": "application/json", "Accept-Language": lang}, body: JSON.stringify(body)});
  } catch (e) { throw new Error(refusal("offline")); }
  if (r.ok) return r.json().catch(() => ({}));
  const problem = await r.json().catch(() => ({}));
  const code = String(problem.type || "").split("/").pop();
  const field = (problem.errors || []).map(e => e.message).find(Boolean);
  const error = new Error(code === "validation_failed" && field ? field : refusal(code));
  error.code = code;
  throw error;
}
function showNext() {
  const next = document.getElementById("next");
  next.classList.add("shown");
  next.focus();
}
function done() {
  say(WORDS.done, "done");
  go.hidden = true;
  showNext();
}
async function attempt(work) {
  go.disabled = true;
  try { await work(); done(); }
  catch (e) {
    say(e.message, "error");
    // A used link most often means the step is done already: the way on is signing in.
    if (e.code === "link_used") showNext();
  }
  finally { go.disabled = false; }
}
"""

_BODIES = {
    "activate": '<p>{intro}</p><button id="go" type="button">{go}</button>',
    "reset": (
        '<p>{intro}</p><label for="pw">{field}</label>'
        '<input id="pw" type="password" autocomplete="new-password" minlength="10">'
        '<button id="go" type="button">{go}</button>'
    ),
    "enroll": '<p class="hint">{intro}</p><button id="go" type="button">{go}</button>',
}

_SCRIPTS = {
    "activate": """go.onclick = () => attempt(() => post("/api/auth/activate", {token}));""",
    "reset": """go.onclick = () => attempt(() =>
  post("/api/auth/password/reset", {token, password: document.getElementById("pw").value}));""",
    "enroll": """const b64 = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf))).replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
const unb64 = (s) => Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), c => c.charCodeAt(0));
go.onclick = () => attempt(async () => {
  const {challenge_id, options} = await post("/api/auth/enroll/options", {token});
  const publicKey = {...options, challenge: unb64(options.challenge),
    user: {...options.user, id: unb64(options.user.id)},
    excludeCredentials: (options.excludeCredentials || []).map(c => ({...c, id: unb64(c.id)}))};
  let cred;
  try { cred = await navigator.credentials.create({publicKey}); }
  catch (e) { throw new Error(refusal("cancelled")); }
  const credential = {id: cred.id, rawId: b64(cred.rawId), type: cred.type,
    response: {clientDataJSON: b64(cred.response.clientDataJSON), attestationObject: b64(cred.response.attestationObject),
               transports: cred.response.getTransports ? cred.response.getTransports() : []},
    clientExtensionResults: cred.getClientExtensionResults(), authenticatorAttachment: cred.authenticatorAttachment};
  await post("/api/auth/enroll/finish", {token, challenge_id, credential, name: "Passkey"});
});""",
}


def page_language(request: Request) -> Language:
    """`?lang=vi|en` (the switch link), else the browser's Accept-Language."""
    asked = request.query_params.get("lang", "")
    if asked in LANGUAGES:
        return asked  # pyright: ignore[reportReturnType]  # checked against LANGUAGES
    return negotiate_language(request.headers.get("accept-language"))


def _switch_href(request: Request, other: Language) -> str:
    """The same page in the other language, with the token the page's script acts on:
    the first `token` (URLSearchParams.get), and nothing else of the address."""
    tokens = request.query_params.getall("token", [])
    query = {"token": tokens[0]} if tokens else {}
    return "?" + urlencode({**query, "lang": other})


def render_page(name: str, request: Request) -> Response[str]:
    lang = page_language(request)
    other: Language = "en" if lang == "vi" else "vi"
    words = _WORDS[name][lang]
    escaped = {k: html.escape(v) for k, v in words.items()}
    # Script data as JSON, with "<" escaped so no text can close the <script>.
    data = (
        f"const WORDS = {json.dumps(words, ensure_ascii=False)};\n"
        f"const REFUSALS = {json.dumps(_REFUSALS[lang], ensure_ascii=False)};\n"
    ).replace("<", "\\u003c")
    page = _PAGE.format(
        lang=lang,
        other=other,
        title=escaped["title"],
        style=PAGE_STYLE,
        brand="Một cửa – Hộ tịch" if lang == "vi" else "One-stop – Civil status",
        switch_href=html.escape(_switch_href(request, other)),
        switch="English" if other == "en" else "Tiếng Việt",
        body=_BODIES[name].format(**escaped),
        sign_in=SIGN_IN,
        next=escaped["next"],
        script=data + _COMMON + _SCRIPTS[name],
    )
    # The page's own inline script and style, by hash; nothing else runs.
    return Response(
        page,
        media_type=MediaType.HTML,
        headers={CSP: inline_policy(page), "Content-Language": lang, "Vary": "Accept-Language"},
    )


class LinkPagesController(Controller):
    include_in_schema = False

    @get("/activate", media_type=MediaType.HTML)
    async def activate(self, request: Request) -> Response[str]:
        return render_page("activate", request)

    @get("/reset-password", media_type=MediaType.HTML)
    async def reset_password(self, request: Request) -> Response[str]:
        return render_page("reset", request)

    @get("/enroll", media_type=MediaType.HTML)
    async def enroll(self, request: Request) -> Response[str]:
        return render_page("enroll", request)
