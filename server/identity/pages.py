"""The pages emailed links open: small, server-rendered, working without the app.
Each asks for a click before anything changes, so a mail scanner that fetches
the link uses nothing up."""

from __future__ import annotations

from litestar import Controller, MediaType, Response, get

from server.security_headers import CSP, inline_policy

_PAGE = """<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{title}</title>
<style>body{{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem}}
button,input{{font:inherit;padding:.6rem 1rem;margin:.3rem 0}}#out{{margin-top:1rem}}</style></head>
<body><h1>{title}</h1><p lang="en"><i>{title_en}</i></p>{body}<p id="out" role="status"></p>
<script>
const token = new URLSearchParams(location.search).get("token") || "";
const out = document.getElementById("out");
async function post(path, body) {{
  const r = await fetch(path, {{method: "POST", headers: {{"Content-Type": "application/json"}}, body: JSON.stringify(body)}});
  const data = await r.json().catch(() => ({{}}));
  if (!r.ok) throw new Error((data.title || r.status) + (data.detail ? ": " + data.detail : ""));
  return data;
}}
const b64 = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf))).replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
const unb64 = (s) => Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), c => c.charCodeAt(0));
{script}
</script></body></html>"""

_ACTIVATE = {
    "title": "Kích hoạt tài khoản",
    "title_en": "Activate your account",
    "body": '<p>Bấm nút để kích hoạt tài khoản của bạn.</p><button id="go">Kích hoạt / Activate</button>',
    "script": """document.getElementById("go").onclick = async () => {
  try { await post("/api/auth/activate", {token}); out.textContent = "Đã kích hoạt. Bạn có thể đăng nhập. / Activated: you can sign in."; }
  catch (e) { out.textContent = e.message; }
};""",
}
_RESET = {
    "title": "Đặt lại mật khẩu",
    "title_en": "Reset your password",
    "body": '<label>Mật khẩu mới / New password<br><input id="pw" type="password" autocomplete="new-password" minlength="10"></label><br><button id="go">Lưu / Save</button>',
    "script": """document.getElementById("go").onclick = async () => {
  try { await post("/api/auth/password/reset", {token, password: document.getElementById("pw").value}); out.textContent = "Đã đổi mật khẩu. / Password changed."; }
  catch (e) { out.textContent = e.message; }
};""",
}
_ENROLL = {
    "title": "Đăng ký khóa truy cập (passkey)",
    "title_en": "Register your passkey",
    "body": '<p>Cán bộ đăng nhập bằng khóa truy cập. Bấm nút và làm theo hướng dẫn của thiết bị.</p><button id="go">Tạo passkey / Create passkey</button>',
    "script": """document.getElementById("go").onclick = async () => {
  try {
    const {challenge_id, options} = await post("/api/auth/enroll/options", {token});
    const publicKey = {...options, challenge: unb64(options.challenge),
      user: {...options.user, id: unb64(options.user.id)},
      excludeCredentials: (options.excludeCredentials || []).map(c => ({...c, id: unb64(c.id)}))};
    const cred = await navigator.credentials.create({publicKey});
    const credential = {id: cred.id, rawId: b64(cred.rawId), type: cred.type,
      response: {clientDataJSON: b64(cred.response.clientDataJSON), attestationObject: b64(cred.response.attestationObject),
                 transports: cred.response.getTransports ? cred.response.getTransports() : []},
      clientExtensionResults: cred.getClientExtensionResults(), authenticatorAttachment: cred.authenticatorAttachment};
    await post("/api/auth/enroll/finish", {token, challenge_id, credential, name: "Passkey"});
    out.textContent = "Đã đăng ký passkey và đăng nhập. / Passkey registered, you are signed in.";
  } catch (e) { out.textContent = e.message; }
};""",
}


def _render(page: dict[str, str]) -> Response[str]:
    html = _PAGE.format(**page)
    # The page's own inline script and style, by hash; nothing else runs.
    return Response(html, media_type=MediaType.HTML, headers={CSP: inline_policy(html)})


class LinkPagesController(Controller):
    include_in_schema = False

    @get("/activate", media_type=MediaType.HTML)
    async def activate(self) -> Response[str]:
        return _render(_ACTIVATE)

    @get("/reset-password", media_type=MediaType.HTML)
    async def reset_password(self) -> Response[str]:
        return _render(_RESET)

    @get("/enroll", media_type=MediaType.HTML)
    async def enroll(self) -> Response[str]:
        return _render(_ENROLL)
