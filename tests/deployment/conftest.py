"""The deployment of deploy/ on this machine: three `motcua serve` hosts on one
PostgreSQL database, blobs in moto's S3 server, nginx with deploy/nginx/motcua.conf
in front. Without nginx these tests are skipped locally and fail under CI
(tests/conftest.py's nginx_installed)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from harness.deployment import Deployment
from harness.s3_server import S3Server
from harness.server_process import insert_accounts
from server.database import bound_engine
from server.identity.devices import register_device
from server.identity.tables import Account
from server.settings import Settings
from tests.conftest import ENGINES, IN_CI
from tests.support import databases as dbs


@pytest.fixture(scope="session")
def s3_server() -> S3Server:
    try:
        server = S3Server().start()
    except ImportError as exc:  # moto[server] is a test dependency
        if IN_CI:
            pytest.fail(f"moto is required under CI: {exc}")
        pytest.skip(f"moto not installed: {exc}")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def shared_settings(nginx_installed: None, postgres_database: str, tmp_path: Path) -> Settings:
    """The hosts' one database: several hosts need PostgreSQL."""
    if "postgres" not in ENGINES:
        pytest.skip("PostgreSQL is not among MOTCUA_TEST_ENGINES")
    return dbs.settings_for(dbs.pg_url(postgres_database), tmp_path / "data")


@pytest.fixture
async def deployment(
    shared_settings: Settings, s3_server: S3Server, tmp_path: Path
) -> AsyncIterator[Deployment]:
    """Three hosts behind nginx; the test's tables bound to their database."""
    async with bound_engine(shared_settings):
        deployed = Deployment(shared_settings, tmp_path / "deploy", env=s3_server.bucket_env())
        try:
            async with deployed:
                yield deployed
        finally:
            print(deployed.logs())  # pytest shows it when the test failed


async def device_credential(role: str = "citizen", commune: str = "") -> tuple[uuid.UUID, str]:
    """A registered install of a new account (the tables bound to the hosts' database)."""
    (email,) = await insert_accounts([(role, commune)])
    account = await Account.select(Account.id).where(Account.email == email).first()
    device_id = uuid.uuid4()
    return device_id, await register_device(account["id"], device_id, "máy thử triển khai")
