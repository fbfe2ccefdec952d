"""The desk sees, in real Chromium against a real server, which requester answers are
what the person's e-ID verified. The citizen's verified identity is written into the
server's database (as a sign-in with VNeID leaves it; the provider itself is not needed
here) and VNeID is configured with its label. The citizen's second phone submits two
births: one with the requester's answers as verified, one with the name changed and
the residence emptied. The queue marks the second; its page says, beside each answer,
"Đã xác thực qua VNeID", "Khác thông tin đã xác thực qua VNeID: <the verified name>" and
that the verified residence is missing."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
import uuid

import asyncpg

from harness.sync_client import SyncDevice, birth_answers, uuid7
from harness.tus_client import TusClient
from server.clock import vn_today
from tests.e2e.test_desk_deadlines import desk_page
from tests.e2e.test_pwa_offline import CITIZEN
from tests.e2e.test_pwa_round_trip import demo_passwords, other_device, small_jpeg

RESIDENCE = "Số 5 phố Hàng Bạc, phường Hoàn Kiếm, Hà Nội"  # birth_answers' requester's
FACTS = {
    "id_number": "001190012345",
    "full_name": "TRẦN THỊ MAI",
    "birth_date": "1990-05-01",
    "sex": "female",
    "residence": RESIDENCE,
}


def configure_vneid(live_server, tmp_path) -> None:
    """VNeID among the server's providers (its label names it on the desk's screens)."""
    providers = tmp_path / "providers.json"
    providers.write_text(
        json.dumps(
            {
                "providers": [
                    {
                        "name": "vneid",
                        "label": {"vi": "VNeID", "en": "VNeID"},
                        "issuer": "https://vneid.example.vn",
                        "client_id": "motcua",
                        "client_secret": "not-used-here",
                    }
                ]
            }
        ),
        "utf-8",
    )
    live_server.stop()
    live_server.env["MOTCUA_OIDC_PROVIDERS_FILE"] = str(providers)
    live_server.start()


async def verified_identity(live_server, email: str) -> None:
    """The row a sign-in with VNeID leaves on the account, written in the server's database."""
    url = live_server.env["MOTCUA_DATABASE_URL"]
    at = dt.datetime.now(dt.UTC)
    columns = ["id", "account_id", "provider", "subject", *FACTS, "linked_at", "verified_at"]
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
            (account,) = db.execute("SELECT id FROM account WHERE email = ?", (email,)).fetchone()
            db.execute(
                f"INSERT INTO external_identity ({', '.join(columns)}) "
                f"VALUES ({', '.join('?' * len(columns))})",
                (
                    str(uuid.uuid4()),
                    account,
                    "vneid",
                    "sub-mai",
                    *FACTS.values(),
                    *[at.isoformat()] * 2,
                ),
            )
        return
    connection = await asyncpg.connect(url)
    try:
        account = await connection.fetchval("SELECT id FROM account WHERE email = $1", email)
        await connection.execute(
            f"INSERT INTO external_identity ({', '.join(columns)}) "
            f"VALUES ({', '.join(f'${i}' for i in range(1, len(columns) + 1))})",
            uuid.uuid4(),
            account,
            "vneid",
            "sub-mai",
            *FACTS.values(),
            at,
            at,
        )
    finally:
        await connection.close()


async def submitted(device: SyncDevice, photo_sha256: str, **answers) -> str:
    dossier = uuid7()
    fields = {**birth_answers(vn_today()), **answers}
    device.queue("create_draft", dossier, {"procedure_code": "khai-sinh", "fields": fields})
    device.queue(
        "attach", dossier, {"path": "attachments.birth_certificate", "sha256": photo_sha256}, 1
    )
    device.queue("submit", dossier, {}, 2)
    outcomes = await device.sync()
    assert outcomes[-1]["state"] == 1, outcomes
    return str(dossier)


async def test_the_desk_sees_verified_and_changed_requester_answers(
    live_server, new_page, artifacts, tmp_path
) -> None:
    from playwright.async_api import expect

    configure_vneid(live_server, tmp_path)
    passwords = demo_passwords(live_server)
    await verified_identity(live_server, CITIZEN)
    async with other_device(live_server, CITIZEN, passwords[CITIZEN]) as phone:
        photo = small_jpeg("giay chung sinh")
        report = await TusClient(phone.http, phone.auth).upload_if_missing(photo, "gcs.jpg")
        assert report.ok, report
        sha = hashlib.sha256(photo).hexdigest()
        as_verified = await submitted(phone, sha, **{"child.full_name": "Nguyễn Minh An"})
        changed = await submitted(
            phone,
            sha,
            **{
                "child.full_name": "Nguyễn Minh Bảo",
                "requester.full_name": "Trần Thị Mây",
                "requester.residence": "",
                "mother.residence": RESIDENCE,
            },
        )

    page = await desk_page(new_page, live_server, passwords["motcua@demo.example"], changed, 1)
    fields = page.get_by_test_id("desk-fields")

    def flag(path: str):
        return fields.locator(f'[data-path="{path}"] [data-testid="desk-verified-flag"]')

    await expect(flag("requester.full_name")).to_have_text(
        "⚠ Khác thông tin đã xác thực qua VNeID: TRẦN THỊ MAI"
    )
    await expect(flag("requester.full_name")).to_have_attribute("data-status", "changed")
    await expect(flag("requester.id_number")).to_have_text("✓ Đã xác thực qua VNeID")
    await expect(flag("requester.residence")).to_have_text(
        f"⚠ Chưa khai; VNeID đã xác thực: {RESIDENCE}"
    )
    # Only the requester's answers: the mother's section has none.
    await expect(fields.get_by_test_id("desk-verified-flag")).to_have_count(3)
    await expect(page.get_by_test_id("desk-verified-at")).to_contain_text("VNeID")
    await artifacts.screenshot(page, "desk-verified-requester")

    await page.goto(f"/#/mot-cua/ho-so/{as_verified}")
    await expect(page.locator(".desk-dossier")).to_have_attribute("data-state", "1")
    await expect(flag("requester.full_name")).to_have_text("✓ Đã xác thực qua VNeID")
    await expect(fields.locator('[data-status="verified"]')).to_have_count(3)

    # The queue marks the changed one, not the other. (The demo's own dossiers are
    # there too: this citizen's, whose requester is someone else, are marked as well.)
    await page.goto("/#/mot-cua")
    queue = page.get_by_test_id("desk-queue")

    def item(dossier: str):
        return queue.locator(f'a[href="#/mot-cua/ho-so/{dossier}"]')

    await expect(item(changed).get_by_test_id("queue-requester-changed")).to_have_text(
        "Khác thông tin đã xác thực"
    )
    await expect(item(as_verified)).to_have_count(1)
    await expect(item(as_verified).get_by_test_id("queue-requester-changed")).to_have_count(0)
