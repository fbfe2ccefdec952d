"""An administrator's enrollment in a real browser: the link `motcua create-admin`
prints, opened in Chromium, whose virtual authenticator creates the passkey; then
a passkey sign-in from another browser context, and the used link refused."""

from __future__ import annotations

import re

ADMIN_EMAIL = "quan.tri@motcua.test"
ADMIN_NAME = "Trần Thị Quản Trị"

# What the app does to sign in with a passkey, with the base64url conversions of
# server/identity/pages.py. Returns the HTTP status and body of /passkey/verify.
PASSKEY_SIGN_IN = """async () => {
  const b64 = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf))).replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
  const unb64 = (s) => Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), c => c.charCodeAt(0));
  const r1 = await fetch("/api/auth/passkey/options", {method: "POST"});
  if (!r1.ok) return {step: "options", status: r1.status, body: await r1.text()};
  const {challenge_id, options} = await r1.json();
  const publicKey = {...options, challenge: unb64(options.challenge),
    allowCredentials: (options.allowCredentials || []).map(c => ({...c, id: unb64(c.id)}))};
  const cred = await navigator.credentials.get({publicKey});
  const credential = {id: cred.id, rawId: b64(cred.rawId), type: cred.type,
    response: {clientDataJSON: b64(cred.response.clientDataJSON),
               authenticatorData: b64(cred.response.authenticatorData),
               signature: b64(cred.response.signature),
               userHandle: cred.response.userHandle ? b64(cred.response.userHandle) : null},
    clientExtensionResults: cred.getClientExtensionResults(),
    authenticatorAttachment: cred.authenticatorAttachment};
  const r2 = await fetch("/api/auth/passkey/verify", {method: "POST",
    headers: {"Content-Type": "application/json"}, body: JSON.stringify({challenge_id, credential})});
  return {step: "verify", status: r2.status, body: await r2.json()};
}"""

SESSION = """async () => {
  const r = await fetch("/api/auth/session");
  return {status: r.status, body: await r.json()};
}"""


async def test_admin_enrolls_with_a_passkey_then_signs_in_with_it(
    live_server, new_page, virtual_authenticator, artifacts
):
    from playwright.async_api import expect  # here: without it, the fixtures skip or fail

    link = live_server.create_admin(ADMIN_EMAIL, ADMIN_NAME)
    assert link.startswith(f"{live_server.base_url}/enroll?token="), link

    # Enrollment, in the browser the link is opened in.
    page = await new_page()
    enrolling = await virtual_authenticator(page)
    await page.goto(link)
    await expect(page.locator("h1")).to_have_text("Đăng ký khóa truy cập (passkey)")
    await artifacts.screenshot(page, "enroll-page")
    await page.get_by_role("button", name=re.compile("Tạo passkey")).click()
    await expect(page.locator("#out")).to_have_text(
        "Đã đăng ký passkey và đăng nhập.", timeout=15_000
    )
    await artifacts.screenshot(page, "enrolled")

    session = await page.evaluate(SESSION)
    assert session["status"] == 200, session
    assert session["body"]["email"] == ADMIN_EMAIL
    assert session["body"]["full_name"] == ADMIN_NAME
    assert session["body"]["role"] == "admin"
    admin_id = session["body"]["account_id"]

    credentials = await enrolling.credentials()
    assert len(credentials) == 1, credentials
    assert credentials[0]["isResidentCredential"], credentials[0]
    assert credentials[0]["rpId"] == "localhost" and credentials[0]["userName"] == ADMIN_EMAIL

    # The same link was also emailed (the dev mailbox, as no SMTP host is set).
    mail = live_server.mail_to(ADMIN_EMAIL)[-1]
    assert link in mail.get_body(preferencelist=("plain",)).get_content()

    # Passkey sign-in from a new browser context (no cookies), whose authenticator
    # holds a copy of the credential.
    other = await new_page()
    signing_in = await virtual_authenticator(other)
    await signing_in.add_credential(credentials[0])
    await other.goto("/")
    assert (await other.evaluate(SESSION))["status"] == 401
    result = await other.evaluate(PASSKEY_SIGN_IN)
    assert result["status"] == 200, result
    assert result["body"]["account_id"] == admin_id
    session = await other.evaluate(SESSION)
    assert session["status"] == 200, session
    assert session["body"]["account_id"] == admin_id
    assert session["body"]["email"] == ADMIN_EMAIL and session["body"]["role"] == "admin"
    await artifacts.screenshot(other, "signed-in-with-passkey")

    # The link is spent: opened again, the page says so in words, and signs no one in.
    again = await new_page()
    await virtual_authenticator(again)
    await again.goto(link)
    await again.get_by_role("button", name=re.compile("Tạo passkey")).click()
    await expect(again.locator("#out")).to_have_text(re.compile("Đường dẫn đã được sử dụng"))
    await artifacts.screenshot(again, "link-reused")
    assert (await again.evaluate(SESSION))["status"] == 401
    assert len(await enrolling.credentials()) == 1
