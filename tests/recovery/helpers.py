"""Running `motcua` against a test's database, and the app in phases between runs."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import subprocess
import sys
import uuid
from collections.abc import Awaitable, Callable
from contextlib import aclosing
from pathlib import Path
from typing import Any, TypeVar

import httpx
import msgspec
from asgi_lifespan import LifespanManager
from click.testing import CliRunner, Result
from piccolo.engine.base import Engine

from harness.sync_client import SyncDevice, birth_answers, uuid7
from server.app import create_app
from server.attachments.store.base import blob_key
from server.attachments.store.local import LocalBlobStore
from server.cli import main
from server.clock import vn_today
from server.database import bound_engine
from server.settings import Settings
from tests.support.databases import CHEAP_PASSWORD_HASHING
from tests.sync.conftest import device_for, make_account

T = TypeVar("T")
MOTCUA = Path(sys.executable).parent / "motcua"  # the console script


def environment(settings: Settings) -> dict[str, str]:
    return {
        "MOTCUA_DATABASE_URL": settings.database_url,
        "MOTCUA_DATA_DIR": str(settings.data_dir),
        **CHEAP_PASSWORD_HASHING,
    }


def cli(settings: Settings, *args: str, env: dict[str, str] | None = None) -> Result:
    """`motcua ARGS` in this process, as a person would type it."""
    return CliRunner().invoke(main, list(args), env={**environment(settings), **(env or {})})


def motcua(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    """`motcua ARGS` as its own process, through the installed console script."""
    return subprocess.run(
        [str(MOTCUA), *args],
        env={**os.environ, **environment(settings)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


async def with_app(settings: Settings, work: Callable[[Any], Awaitable[T]]) -> T:
    """Start the app (as a server would), run `work`, stop it: a server's life."""
    app: Any = create_app(msgspec.structs.replace(settings, demo_mode=True))
    async with LifespanManager(app):
        return await work(app)


async def with_database(settings: Settings, work: Callable[[Engine], Awaitable[T]]) -> T:
    async with bound_engine(settings) as engine:
        return await work(engine)


class Phone(msgspec.Struct):
    """A device's credential and outbox position, kept between server lives."""

    credential: str
    device_id: uuid.UUID
    seq: int = 0

    def attach(self, app: Any) -> SyncDevice:
        transport = httpx.ASGITransport(app=app, client=("198.51.100.9", 40000))
        http = httpx.AsyncClient(transport=transport, base_url="http://localhost:8000")
        device = SyncDevice(http, self.credential, self.device_id)
        device.seq = self.seq
        return device


async def new_phone(app: Any) -> Phone:
    device = await device_for(app, await make_account("citizen"))
    async with aclosing(device.http):
        return Phone(device.credential, device.device_id)


async def push_draft(app: Any, phone: Phone, child: str = "Nguyễn Minh Khang") -> uuid.UUID:
    """One new draft, pushed and applied; then a pull (which makes the feed epoch)."""
    device = phone.attach(app)
    async with aclosing(device.http):
        dossier = uuid7()
        fields = birth_answers(vn_today(), child=child)
        device.queue("create_draft", dossier, {"procedure_code": "khai-sinh", "fields": fields})
        outcomes = await device.sync()
        assert [o["status"] for o in outcomes] == ["applied"], outcomes
        await device.pull_all()
        phone.seq = device.seq
        return dossier


async def store_blob(settings: Settings, data: bytes) -> Path:
    """Bytes put into the local blob store the way the server puts them."""
    store = LocalBlobStore(settings.data_dir / "blobs")
    key = blob_key(hashlib.sha256(data).hexdigest())
    await store.put_bytes(key, data)
    return store.path(key)


def utc(moment: Any) -> dt.datetime:
    """A stored time, whichever engine returned it, as an aware UTC datetime."""
    if isinstance(moment, str):
        moment = dt.datetime.fromisoformat(moment)
    assert isinstance(moment, dt.datetime)
    return moment.astimezone(dt.UTC)
