"""The development pages (/dev/mail, /dev/sms, /dev/payments) exist in demo mode only.

Mounted whenever no SMTP host was set, /dev/mail let anyone ask for a victim's
password reset and read the link there. Without a real channel and outside demo
mode, mail and SMS now wait in the outbox: nothing is written where a browser can
read it, and the start-up log and `motcua check` say that nothing is delivered."""

from __future__ import annotations

import datetime as dt
import logging
import os
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import msgspec
import pytest
from asgi_lifespan import LifespanManager

from server.app import create_app
from server.database import write_transaction
from server.identity.passwords import hash_password
from server.identity.tables import Account
from server.notify.sms import deliver_due_sms, enqueue_sms
from server.notify.tables import DemoMail, DemoSms, OutboxMessage
from server.notify.worker import deliver_due
from server.settings import Settings
from tests.notify.samples import RECEIVED

DEV_PAGES = ("/dev/mail", "/dev/sms", "/dev/payments")


@pytest.fixture
def undelivered(settings: Settings) -> Settings:
    """No SMTP host, no SMS gateway, demo mode off: a production server not yet configured."""
    return msgspec.structs.replace(settings, smtp_host="", sms_gateway_url="", demo_mode=False)


def dev_routes(settings: Settings) -> list[str]:
    return sorted({r.path for r in create_app(settings).routes if r.path.startswith("/dev")})


def test_dev_pages_are_mounted_in_demo_mode_only(undelivered: Settings) -> None:
    assert dev_routes(undelivered) == []
    demo = dev_routes(msgspec.structs.replace(undelivered, demo_mode=True))
    assert {p.rsplit("/", 1)[0] if p.count("/") > 2 else p for p in demo} >= set(DEV_PAGES)
    # Demo mode with real channels: only the payment stand-in is left.
    real = msgspec.structs.replace(
        undelivered,
        demo_mode=True,
        smtp_host="127.0.0.1",
        sms_gateway_url="http://127.0.0.1:9/send",
    )
    assert [p for p in dev_routes(real) if not p.startswith("/dev/payments")] == []


async def test_a_reset_link_asked_for_anonymously_is_nowhere_to_read(undelivered: Settings) -> None:
    app = create_app(undelivered)
    async with LifespanManager(app):
        now = dt.datetime.now(dt.UTC)
        victim = f"victim-{uuid.uuid4().hex[:8]}@example.vn"
        await Account.insert(
            Account(
                id=uuid.uuid4(),
                email=victim,
                full_name="Nạn Nhân",
                role="citizen",
                password_hash=hash_password("mật khẩu của nạn nhân"),
                activated_at=now,
                created_at=now,
            )
        )
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://localhost:8000"
        ) as attacker:
            asked = await attacker.post("/api/auth/password/forgot", json={"email": victim})
            assert asked.status_code == 202
            # One pass of the sender, as the background loop runs it: nothing goes anywhere.
            assert await deliver_due(app.state.engine, undelivered, 50) == 0
            waiting = await OutboxMessage.select(OutboxMessage.status).where(
                OutboxMessage.recipient == victim
            )
            assert [m["status"] for m in waiting] == ["pending"]
            assert await DemoMail.count() == 0
            for path in DEV_PAGES:
                page = await attacker.get(path)
                assert "reset-password?token=" not in page.text
                assert (
                    "Mailbox" not in page.text
                    and "SMS (" not in page.text
                    and "payments" not in page.text
                )


async def test_sms_wait_in_the_outbox_too(undelivered: Settings) -> None:
    app = create_app(undelivered)
    async with LifespanManager(app):
        await OutboxMessage.delete(force=True)
        async with write_transaction(app.state.engine):
            await enqueue_sms("0912 345 678", "dossier_received", "vi", RECEIVED)
        assert await deliver_due_sms(app.state.engine, undelivered, 50) == 0
        assert [m["status"] for m in await OutboxMessage.select(OutboxMessage.status)] == [
            "pending"
        ]
        assert await DemoSms.count() == 0
        await OutboxMessage.delete(force=True)


class Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


async def test_the_start_up_log_says_nothing_is_delivered(undelivered: Settings) -> None:
    # On the logger itself: the app's logging set-up replaces the root's handlers.
    kept, logger = Kept(), logging.getLogger("motcua.notify")
    logger.addHandler(kept)
    try:
        async with LifespanManager(create_app(undelivered)):
            pass
    finally:
        logger.removeHandler(kept)
    said = "\n".join(kept.lines)
    assert "NO MAIL IS DELIVERED" in said and "MOTCUA_SMTP_HOST" in said, said
    assert "NO SMS IS DELIVERED" in said and "MOTCUA_SMS_GATEWAY_URL" in said, said


def motcua(tmp_path: Path, *args: str, **env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MOTCUA_")}
    done = subprocess.run(
        [sys.executable, "-m", "server.cli", *args],
        capture_output=True,
        text=True,
        env={**clean, "MOTCUA_DATA_DIR": str(tmp_path), **env},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def check(tmp_path: Path, **env: str) -> str:
    return motcua(tmp_path, "check", **env)


def test_motcua_check_says_where_mail_and_sms_go(tmp_path: Path) -> None:
    held = check(tmp_path)
    assert "mail:     NOT DELIVERED" in held and "MOTCUA_SMTP_HOST" in held, held
    assert "sms:      NOT DELIVERED" in held and "MOTCUA_SMS_GATEWAY_URL" in held, held
    demo = check(tmp_path, MOTCUA_DEMO="1")
    assert "/dev/mail" in demo and "/dev/sms" in demo and "NOT DELIVERED" not in demo, demo
    real = check(
        tmp_path,
        MOTCUA_SMTP_HOST="mail.example.vn",
        MOTCUA_SMS_GATEWAY_URL="https://sms.example.vn/send",
    )
    assert (
        "mail:     SMTP mail.example.vn:25" in real
        and "sms:      gateway https://sms.example.vn/send" in real
    ), real


def test_create_admin_does_not_promise_a_mail_that_is_not_sent(tmp_path: Path) -> None:
    motcua(tmp_path, "migrate")
    out = motcua(tmp_path, "create-admin", "--email", "admin@example.vn", "--name", "Quản Trị")
    assert "NOT emailed until MOTCUA_SMTP_HOST is set" in out and "/enroll?token=" in out, out
