"""`motcua demo`: accounts for trying every role on one machine.

Passwords are new on every run; the database keeps only their hashes. For testers,
the run also writes them to <data dir>/demo-accounts.json (readable by the server's
user alone), which the /demo page shows in demo mode only (server/demo_page.py)."""

from __future__ import annotations

import logging
import os
import secrets
import uuid
from pathlib import Path

import msgspec
from piccolo.engine.base import Engine

from server.clock import utcnow
from server.database import write_transaction
from server.identity.passwords import hash_password
from server.identity.roles import Role
from server.identity.tables import Account

log = logging.getLogger("motcua.demo")

DEMO_COMMUNE = "00070"  # Phường Hoàn Kiếm, Hà Nội


class DemoAccount(msgspec.Struct):
    email: str
    role: str
    full_name: str
    commune_code: str
    password: str


_PEOPLE = (
    ("congdan@demo.example", Role.citizen, "Nguyễn Thị Lan", ""),
    ("luudong@demo.example", Role.outreach, "Trần Văn Minh", DEMO_COMMUNE),
    ("motcua@demo.example", Role.desk, "Lê Thu Hà", DEMO_COMMUNE),
    ("quantri@demo.example", Role.admin, "Phạm Quốc Anh", ""),
)


async def create_demo_accounts(engine: Engine) -> list[DemoAccount]:
    now = utcnow()
    created = []
    async with write_transaction(engine):
        for email, role, name, commune in _PEOPLE:
            password = secrets.token_urlsafe(9)
            values = {
                Account.full_name: name,
                Account.role: role.value,
                Account.commune_code: commune,
                Account.password_hash: hash_password(password),
                Account.activated_at: now,
                Account.is_demo: True,
            }
            existing = await Account.select(Account.id).where(Account.email == email).first()
            if existing:
                await Account.update(values).where(Account.email == email)
            else:
                await Account.insert(
                    Account(
                        id=uuid.uuid4(),
                        email=email,
                        created_at=now,
                        phone="0912345678",
                        **{column._meta.name: value for column, value in values.items()},
                    )
                )
            created.append(DemoAccount(email, role.value, name, commune, password))
    return created


ACCOUNTS_FILE = "demo-accounts.json"


def save_demo_accounts(data_dir: Path, accounts: list[DemoAccount]) -> Path:
    """The latest run's accounts and passwords, replacing the previous run's."""
    path = data_dir / ACCOUNTS_FILE
    data_dir.mkdir(parents=True, exist_ok=True)
    scratch = path.with_suffix(".tmp")
    # A scratch file left by a run that stopped keeps its own mode under O_CREAT: start
    # from none, so the passwords are never readable by others.
    scratch.unlink(missing_ok=True)
    fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(msgspec.json.encode(accounts))
    os.replace(scratch, path)
    return path


def load_demo_accounts(data_dir: Path) -> list[DemoAccount]:
    """The accounts of the last `motcua demo`; none if it never ran here, or if its
    file is not this version's list of accounts (`motcua demo` writes it again)."""
    try:
        raw = (data_dir / ACCOUNTS_FILE).read_bytes()
    except FileNotFoundError:
        return []
    try:
        return msgspec.json.decode(raw, type=list[DemoAccount])
    except (msgspec.DecodeError, msgspec.ValidationError):
        log.warning("%s is not a list of demo accounts: run `motcua demo`", ACCOUNTS_FILE)
        return []
