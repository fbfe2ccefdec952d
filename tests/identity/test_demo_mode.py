"""Demo mode's helps for testers, and their absence otherwise: /demo lists the demo
accounts with their passwords (from the last `motcua demo`), the robot check's answer
can be read at its `answer_url`, and /health/live says demo mode is on (the app shows
its banner). Outside demo mode /demo and every answer URL are 404, on both databases."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import msgspec
import pytest
from asgi_lifespan import LifespanManager

from server.app import create_app
from server.demo import create_demo_accounts, save_demo_accounts
from server.identity.captcha.service import consume_captcha
from server.settings import Settings


async def _client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost:8000") as c:
            c.app = app  # pyright: ignore[reportAttributeAccessIssue]  # the engine, for the accounts
            yield c


@pytest.fixture
async def demo(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async for c in _client(msgspec.structs.replace(settings, demo_mode=True)):
        yield c


@pytest.fixture
async def production(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async for c in _client(msgspec.structs.replace(settings, demo_mode=False)):
        yield c


async def test_outside_demo_mode_no_answer_and_no_accounts_page(
    production: httpx.AsyncClient, settings: Settings
) -> None:
    # Even with a demo run's file on disk, nothing of it is served.
    save_demo_accounts(settings.data_dir, await create_demo_accounts(production.app.state.engine))  # pyright: ignore[reportAttributeAccessIssue]
    challenge = (await production.post("/api/captcha")).json()
    assert "answer_url" not in challenge
    answer = await production.get(f"/api/captcha/{challenge['id']}/answer")
    assert answer.status_code == 404
    assert answer.json()["type"] == "/problems/not_found"
    assert (await production.get("/demo")).status_code == 404
    assert (await production.get("/health/live")).json()["demo_mode"] is False


async def test_demo_mode_shows_the_answer_and_it_still_works(demo: httpx.AsyncClient) -> None:
    assert (await demo.get("/health/live")).json()["demo_mode"] is True
    challenge = (await demo.post("/api/captcha")).json()
    assert challenge["answer_url"] == f"/api/captcha/{challenge['id']}/answer"
    shown = await demo.get(challenge["answer_url"])
    assert shown.status_code == 200 and shown.headers["cache-control"] == "no-store"
    answer = shown.json()["answer"]
    assert len(answer) == 5
    # Reading it used nothing up: the answer passes, once.
    await consume_captcha(challenge["id"], answer)
    assert (await demo.get(challenge["answer_url"])).status_code == 410
    assert (await demo.get("/api/captcha/not-an-id/answer")).status_code == 404


async def test_demo_page_lists_the_accounts_of_the_last_run(
    demo: httpx.AsyncClient, settings: Settings
) -> None:
    empty = await demo.get("/demo")
    assert empty.status_code == 200 and "motcua demo" in empty.text
    accounts = await create_demo_accounts(demo.app.state.engine)  # pyright: ignore[reportAttributeAccessIssue]
    path = save_demo_accounts(settings.data_dir, accounts)
    assert path.stat().st_mode & 0o077 == 0  # the server's user alone reads it
    page = await demo.get("/demo")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert "unsafe-inline" not in page.headers["content-security-policy"]
    for account in accounts:
        assert account.email in page.text and account.password in page.text
    assert "Cán bộ một cửa" in page.text and "Hiện đáp án (chế độ thử)" in page.text
    english = await demo.get("/demo", headers={"Accept-Language": "en"})
    assert "One-stop desk official" in english.text and "Cán bộ một cửa" not in english.text
    # A sign-in with a listed password works (demo officials sign in by password).
    desk = next(a for a in accounts if a.role == "desk")
    signed_in = await demo.post(
        "/api/auth/login", json={"email": desk.email, "password": desk.password}
    )
    assert signed_in.status_code == 200, signed_in.text
