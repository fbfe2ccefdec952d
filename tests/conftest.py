from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager

from harness.nginx import nginx_problem
from server.app import create_app
from server.identity import passwords
from server.settings import Settings
from tests.support import databases as dbs

IN_CI = os.environ.get("CI", "").lower() == "true"
ENGINES = [e for e in os.environ.get("MOTCUA_TEST_ENGINES", "sqlite,postgres").split(",") if e]
TESTS = Path(__file__).resolve().parent
# Whole directories that share a marker, so `-m "not e2e"` needs no edit in each file.
DIRECTORY_MARKERS = {"e2e": "e2e", "field": "field", "hostile": "hostile"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        relative = item.path.resolve().relative_to(TESTS)
        marker = DIRECTORY_MARKERS.get(relative.parts[0]) if len(relative.parts) > 1 else None
        if marker:
            item.add_marker(marker)


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing() -> None:
    """Accounts a test inserts before any app starts are hashed cheaply too."""
    passwords.use_settings(dbs.settings_for("sqlite:///unused.db", TESTS))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("sqlite-template")
    settings = dbs.settings_for(f"sqlite:///{directory / 'motcua.db'}", directory)
    dbs.prepare_database(settings)
    return directory / "motcua.db"


@pytest.fixture(scope="session")
def postgres_template() -> str:
    """A migrated, seeded PostgreSQL database that each test clones."""
    problem = dbs.postgres_available()
    if problem:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required under CI and is not reachable: {problem}")
        pytest.skip(f"PostgreSQL not reachable: {problem}")
    # One template per xdist worker (gw0, gw1...): CREATE DATABASE ... TEMPLATE refuses
    # a template another worker is connected to, and each worker drops its own.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = dbs.create_pg_database(f"motcua_template_{worker}")
    try:
        dbs.prepare_database(dbs.settings_for(dbs.pg_url(name), Path("/tmp")))
        yield name
    finally:
        dbs.drop_pg_database(name)


@pytest.fixture
def postgres_database(postgres_template: str) -> str:
    """A fresh copy of the template per test (about 0.3 s), dropped afterwards."""
    name = dbs.create_pg_database(template=postgres_template)
    try:
        yield name
    finally:
        dbs.drop_pg_database(name)


@pytest.fixture(scope="session")
def nginx_installed() -> None:
    """Debian's nginx, for the tests that put it in front of a server (tests/deployment,
    tests/identity/test_trusted_proxies.py). Missing: a skip locally, a failure under CI."""
    problem = nginx_problem()
    if problem:
        if IN_CI:
            pytest.fail(f"nginx is required under CI: {problem}")
        pytest.skip(problem)


@pytest.fixture(params=ENGINES)
def engine_kind(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def settings(engine_kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    data_dir = tmp_path / "data"
    if engine_kind == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = dbs.copy_sqlite(template, data_dir)
        return dbs.settings_for(f"sqlite:///{path}", data_dir)
    name = request.getfixturevalue("postgres_database")
    return dbs.settings_for(dbs.pg_url(name), data_dir)


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    # The app runs in the test's own event loop (no test-client thread), so a
    # PostgreSQL pool opened at start-up is usable and closed at shutdown.
    app = create_app(settings)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost:8000") as c:
            yield c
