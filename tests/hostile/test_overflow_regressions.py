"""Integers past what the database columns hold, in paths and queries: a 400 problem
naming the parameter, never a database overflow (a 500 on PostgreSQL). Found by
tests/hostile/test_schemathesis.py (catalog versions) and by reading the other
integer parameters it had not reached yet."""

from __future__ import annotations

import datetime as dt
import uuid

import httpx
import pytest

from server.identity.passwords import hash_password
from server.identity.tables import Account
from tests.sync.conftest import app  # noqa: F401  (fixture: the app in demo mode, so officials may use a password)

HUGE = "36893488147419103233"  # 2^65 + 1


@pytest.fixture
async def demo_client(app):
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://localhost:8000"
    ) as c:
        yield c


async def signed_in(client: httpx.AsyncClient, role: str, commune: str = "") -> None:
    email = f"{role}-{uuid.uuid4().hex[:8]}@example.vn"
    now = dt.datetime.now(dt.UTC)
    await Account.insert(
        Account(
            id=uuid.uuid4(),
            email=email,
            full_name="Người Thử",
            role=role,
            commune_code=commune,
            password_hash=hash_password("mật khẩu thử 1"),
            activated_at=now,
            created_at=now,
            is_demo=True,
        )
    )
    r = await client.post("/api/auth/login", json={"email": email, "password": "mật khẩu thử 1"})
    assert r.status_code == 200, r.text


def refused_naming(r: httpx.Response, name: str) -> None:
    assert r.status_code == 400, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert name in [e["path"] for e in r.json()["errors"]], r.json()


async def test_huge_integers_are_refused_by_name(demo_client: httpx.AsyncClient) -> None:
    client = demo_client
    refused_naming(await client.get(f"/api/catalog/khai-sinh/versions/{HUGE}"), "version")
    await signed_in(client, "citizen")
    refused_naming(await client.get("/api/me/activity", params={"before": HUGE}), "before")
    client.cookies.clear()
    await signed_in(client, "desk", "00070")
    refused_naming(await client.get("/api/desk/queue", params={"offset": HUGE}), "offset")
    # Within the bounds they still work.
    assert (await client.get("/api/desk/queue", params={"offset": "1000000"})).status_code == 200
