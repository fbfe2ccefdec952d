"""Hostile input against real servers: a live `motcua serve` per engine for
schemathesis (module scope: one start for every operation), and the in-process app
with a device for the corpus replays."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from harness.devices import sign_in_device
from harness.server_process import PASSWORD, ServerProcess, insert_accounts, server_env
from server.database import bind_engine, build_engine, close_engine, open_engine
from server.identity.sessions import COOKIE
from server.settings import Settings
from tests.conftest import ENGINES, IN_CI

# The identity suite's app, browsers and SMTP server, for the sign-in holes.
from tests.identity.conftest import (  # noqa: F401  (fixtures)
    app_and_settings,
    browser,
    identity_settings,
    other_browser,
    smtp,
)
from tests.support import databases as dbs

COMMUNE = "00070"


@dataclass
class Session:
    token: str
    csrf: str

    def cookies(self) -> dict[str, str]:
        return {COOKIE: self.token}


@dataclass
class LiveApi:
    """A running server and who may talk to it: a session per role, device credentials
    for sync, and spare citizen sessions for the sign-out endpoints to end."""

    url: str
    engine: str
    settings: Settings
    sessions: dict[str, Session] = field(default_factory=dict)
    devices: dict[str, str] = field(default_factory=dict)
    spares: list[Session] = field(default_factory=list)
    process: ServerProcess | None = None  # its memory can be read from /proc


def _sign_in(url: str, email: str) -> tuple[Session, httpx.Client]:
    http = httpx.Client(base_url=url, timeout=60)
    r = http.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return Session(http.cookies[COOKIE], r.json()["csrf_token"]), http


def _session(url: str, email: str) -> Session:
    session, http = _sign_in(url, email)
    http.close()
    return session


async def _device_credential(url: str, email: str) -> str:
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        return (await sign_in_device(http, email, PASSWORD)).credential


async def _insert(settings: Settings, roles: list[tuple[str, str]]) -> list[str]:
    engine = build_engine(settings)
    bind_engine(engine)
    await open_engine(engine, settings)
    try:
        return await insert_accounts(roles)
    finally:
        await close_engine(engine)


@pytest.fixture(scope="module", params=ENGINES)
def live_api(request: pytest.FixtureRequest) -> Iterator[LiveApi]:
    engine = request.param
    data_dir = Path(tempfile.mkdtemp(prefix="motcua-hostile-"))
    pg_name = None
    if engine == "sqlite":
        path = dbs.copy_sqlite(request.getfixturevalue("sqlite_template"), data_dir)
        settings = dbs.settings_for(f"sqlite:///{path}", data_dir)
    else:
        problem = dbs.postgres_available()
        if problem:
            if IN_CI:
                pytest.fail(f"PostgreSQL is required under CI and is not reachable: {problem}")
            pytest.skip(f"PostgreSQL not reachable: {problem}")
        pg_name = dbs.create_pg_database(template=request.getfixturevalue("postgres_template"))
        settings = dbs.settings_for(dbs.pg_url(pg_name), data_dir)
    server = ServerProcess(server_env(settings), data_dir, f"hostile-{engine}").start()
    try:
        asyncio.run(server.wait_ready())
        roles = [("citizen", ""), ("outreach", COMMUNE), ("desk", COMMUNE), ("admin", "")] + [
            ("citizen", "")
        ] * 6
        emails = asyncio.run(_insert(settings, roles))
        api = LiveApi(server.url, engine, settings, process=server)
        for (role, _), email in zip(roles[:4], emails[:4], strict=True):
            api.sessions[role] = _session(server.url, email)
        api.devices["citizen"] = asyncio.run(_device_credential(server.url, emails[0]))
        api.devices["outreach"] = asyncio.run(_device_credential(server.url, emails[1]))
        api.spares = [_session(server.url, e) for e in emails[4:]]
        yield api
        if server.process is not None and server.process.poll() is not None:
            pytest.fail(f"the server died during the run:\n{server.log_text()}")
    except BaseException:
        print(server.log_text())
        raise
    finally:
        server.stop()
        if pg_name:
            dbs.drop_pg_database(pg_name)
