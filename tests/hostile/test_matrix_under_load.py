"""The authorization matrix (harness/authorization_matrix.py) asked of a
live `motcua serve` while phones push submissions to it at the same time: under
concurrency every role still gets exactly what the table says, and every push is
answered. bench/load_test.py does the same at scale, on three processes."""

from __future__ import annotations

import asyncio
import itertools

import httpx
import pytest

from harness.authorization_matrix import ROLES, matrix_mismatches
from harness.devices import sign_in_device_at
from harness.server_process import (
    PASSWORD,
    ServerProcess,
    insert_accounts,
    server_env,
)
from harness.sync_client import birth_answers, fake_sha256, uuid7
from server.clock import vn_today
from server.settings import Settings
from tests.sync.test_sync_processes import bound_engine, running

# A real server under pushing phones while the matrix is walked: about a minute.
pytestmark = pytest.mark.slow

PHONES = 4
_addresses = itertools.count(1)


def from_own_address(base_url: str) -> httpx.AsyncClient:
    """A client on a loopback address of its own (127.0.0.0/8 is all local), so the
    per-address sign-in limit counts each simulated person apart."""
    n = next(_addresses)
    transport = httpx.AsyncHTTPTransport(local_address=f"127.0.{n // 250 + 2}.{n % 250 + 1}")
    return httpx.AsyncClient(base_url=base_url, transport=transport, timeout=60)


async def test_the_matrix_holds_while_phones_push(settings: Settings, tmp_path) -> None:
    server = ServerProcess(server_env(settings), tmp_path, "matrix-load")
    async with running([server]), bound_engine(settings):
        roles = [r for r in ROLES if r != "anonymous"]
        emails = await insert_accounts(
            [("citizen", "")] * PHONES
            + [(r, "00070" if r in ("outreach", "desk", "agency_admin") else "") for r in roles]
        )
        phones = []
        for email in emails[:PHONES]:
            phones.append(
                await sign_in_device_at(server.url, email, PASSWORD, from_own_address(server.url))
            )
        accounts = dict(zip(roles, emails[PHONES:], strict=True))
        stop = asyncio.Event()
        answered: list[int] = []

        async def push_until_stopped(phone) -> None:
            while not stop.is_set():
                dossier = uuid7()
                phone.queue(
                    "create_draft",
                    dossier,
                    {"procedure_code": "khai-sinh", "fields": birth_answers(vn_today())},
                )
                phone.queue(
                    "attach",
                    dossier,
                    {
                        "path": "attachments.birth_certificate",
                        "sha256": fake_sha256(f"matrix-load {dossier}"),
                    },
                    1,
                )
                phone.queue("submit", dossier, {}, 2)
                r = await phone.push()
                answered.append(r.status_code)
                if r.status_code == 200:
                    done = {o["seq"] for o in r.json()["outcomes"]}
                    phone.outbox = [m for m in phone.outbox if m["seq"] not in done]

        async def ask(role: str) -> list[str]:
            async with from_own_address(server.url) as http:
                csrf = {"token": ""}

                async def sign_in() -> None:
                    if role == "anonymous":
                        return
                    r = await http.post(
                        "/api/auth/login", json={"email": accounts[role], "password": PASSWORD}
                    )
                    assert r.status_code == 200, r.text
                    csrf["token"] = r.json()["csrf_token"]

                await sign_in()
                return (await matrix_mismatches(http, role, lambda: csrf["token"], sign_in))[1]

        load = [asyncio.create_task(push_until_stopped(p)) for p in phones]
        try:
            results = await asyncio.gather(*[ask(role) for role in ROLES])
        finally:
            stop.set()
            await asyncio.gather(*load)
            for phone in phones:
                await phone.http.aclose()
        mismatches = [m for role, found in zip(ROLES, results, strict=True) for m in found]
        assert not mismatches, "\n".join(mismatches)
        assert answered and set(answered) == {200}, sorted(set(answered))
        assert server.process is not None and server.process.poll() is None
