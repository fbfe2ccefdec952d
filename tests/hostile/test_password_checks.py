"""Password checks neither stall the server nor tell who has an account.

argon2 is slow on purpose (hundreds of milliseconds, 64 MiB). Run on the event loop,
one wrong password froze every other request of the process; skipped for unknown
addresses, it answered those ten times sooner than known ones. Registration with a
taken address answered 409, and so told anyone which addresses have accounts.

The hasher is watched, not replaced: the real argon2 runs, and the test sees which
thread runs it and how often (no wall-clock time is measured)."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import uuid

import pytest

from server.identity import passwords
from server.identity.tables import Account
from tests.identity.conftest import Browser

# How long a held verification waits for the test to release it before going on
# regardless: only reached when the verification blocks the event loop (the test
# cannot run to release it), and then the test fails.
HOLD_SECONDS = 20


class WatchedHasher:
    """The real argon2 hasher, recording the threads it runs on; `hold` makes each
    verification wait until the test releases it."""

    def __init__(self, real, hold: bool = False) -> None:
        self.real = real
        self.hold = hold
        self.verify_threads: list[int] = []
        self.hash_threads: list[int] = []
        self.verifying = threading.Event()
        self.release = threading.Event()
        self.released_by_test: list[bool] = []

    def verify(self, password_hash, password) -> bool:
        self.verify_threads.append(threading.get_ident())
        self.verifying.set()
        if self.hold:
            self.released_by_test.append(self.release.wait(HOLD_SECONDS))
        return self.real.verify(password_hash, password)

    def hash(self, password, **kw) -> str:
        self.hash_threads.append(threading.get_ident())
        return self.real.hash(password, **kw)

    def __getattr__(self, name):
        return getattr(self.real, name)


@pytest.fixture
def watched(monkeypatch) -> WatchedHasher:
    hasher = WatchedHasher(passwords._hasher)
    monkeypatch.setattr(passwords, "_hasher", hasher)
    return hasher


async def test_a_wrong_password_does_not_stall_the_other_requests(
    browser: Browser, watched: WatchedHasher
) -> None:
    await browser.activated_citizen("slow@example.vn")
    browser.http.cookies.clear()
    watched.hold = True
    watched.verifying.clear()  # the sign-in above verified already
    loop_thread = threading.get_ident()
    login = asyncio.create_task(
        browser.http.post(
            "/api/auth/login", json={"email": "slow@example.vn", "password": "không phải mật khẩu"}
        )
    )
    try:
        assert await asyncio.to_thread(watched.verifying.wait, HOLD_SECONDS + 5)
        # The verification is under way and held: a cheap request of the same process
        # still gets its answer, and the sign-in has not.
        health = await browser.get("/health")
        assert health.status_code == 200
        assert not login.done(), "the password check held the event loop until it ended"
    finally:
        watched.release.set()
    assert (await login).status_code == 401
    assert watched.released_by_test == [True], "the password check held the event loop"
    assert watched.verify_threads and loop_thread not in watched.verify_threads
    # Hashing (registration, reset) is off the loop too.
    assert watched.hash_threads and loop_thread not in watched.hash_threads


async def test_unknown_addresses_and_passwordless_accounts_cost_a_verification(
    browser: Browser, watched: WatchedHasher
) -> None:
    now = dt.datetime.now(dt.UTC)
    await Account.insert(
        Account(
            id=uuid.uuid4(),
            email="can.bo@example.vn",
            full_name="Cán Bộ",
            role="desk",
            commune_code="00070",
            activated_at=now,
            created_at=now,
        )
    )  # passkeys only
    for email in ("nobody@example.vn", "can.bo@example.vn"):
        before = len(watched.verify_threads)
        r = await browser.sign_in(email, "một mật khẩu bất kỳ")
        assert r.status_code == 401 and r.json()["type"] == "/problems/wrong_credentials"
        assert len(watched.verify_threads) == before + 1, f"no argon2 verification for {email}"


async def test_registering_a_taken_address_answers_as_a_fresh_one_and_tells_its_owner(
    browser: Browser, other_browser: Browser, watched: WatchedHasher
) -> None:
    await browser.activated_citizen("owner@example.vn")
    hashes = len(watched.hash_threads)
    fresh = await other_browser.register("newcomer@example.vn")
    taken = await other_browser.register(
        "OWNER@example.vn", full_name="Kẻ Mạo Danh", password="mật khẩu kẻ gian 1"
    )
    assert fresh.status_code == taken.status_code == 201, taken.text
    assert fresh.content == taken.content, (fresh.content, taken.content)
    assert len(watched.hash_threads) == hashes + 2  # the same work for both
    # The owner's account is untouched: their password still works, the intruder's does not.
    assert (
        await other_browser.sign_in("owner@example.vn", "mật khẩu kẻ gian 1")
    ).status_code == 401
    assert (await other_browser.sign_in("owner@example.vn")).status_code == 200
    assert await Account.count().where(Account.email == "owner@example.vn") == 1
    # The owner learns what happened, in Vietnamese by default, with a way back in.
    mail = (await browser.mail_to("owner@example.vn", count=2))[-1]
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert "đăng ký" in str(mail["Subject"]).lower(), mail["Subject"]
    assert "/reset-password?token=" in text and "Nếu không phải" in text, text


async def test_forgot_password_answers_alike_for_known_and_unknown_addresses(
    browser: Browser,
) -> None:
    await browser.activated_citizen("known@example.vn")
    known = await browser.http.post("/api/auth/password/forgot", json={"email": "known@example.vn"})
    unknown = await browser.http.post(
        "/api/auth/password/forgot", json={"email": "unknown@example.vn"}
    )
    assert known.status_code == unknown.status_code == 202
    assert known.content == unknown.content
