"""Sync against real `motcua serve` processes.

(a) Both engines: four server processes share one database (on SQLite one file, their
    writers taking turns, server/sqlite_kept.py); twenty devices (18
    citizens and 2 outreach officials with reserved codes) push drafts and
    submissions at once to random processes, some batches sent twice at once to two
    processes, some split so a later part arrives first. Every mutation is applied
    exactly once, every code is unique, nothing is lost.
(b) Both engines: the server is killed with SIGKILL while it applies a batch of 100
    mutations, restarted, and the device resends the same batch until confirmed.
    The batch is all or nothing, and in the end each mutation is in the database
    exactly once."""

from __future__ import annotations

import asyncio
import random
import sqlite3
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import msgspec
import pytest

from harness.devices import sign_in_device_at
from harness.server_process import (
    PASSWORD,
    ServerProcess,
    insert_accounts,
    print_logs,
    server_env,
)
from harness.sync_client import SyncDevice, birth_answers, fake_sha256, uuid7
from harness.sync_client import _register_fake_blobs as register_fake_blobs
from server.clock import vn_today
from server.database import bound_engine
from server.dossiers.tables import (
    AppliedMutation,
    CodeReservation,
    DeviceSequence,
    Dossier,
    DossierHistory,
)
from server.settings import Settings
from sync.codes import parse_code
from tests.support.waiting import wait_until

# Real `motcua serve` processes, started, killed and restarted: seconds each.
pytestmark = pytest.mark.slow

CHILDREN = ("Nguyễn Minh Khang", "Lê Thị Hoa", "Phạm Gia Bảo", "Trần Ngọc Ánh", "Võ Đức Anh")
RETRIES = 30


@asynccontextmanager
async def running(servers: list[ServerProcess]) -> AsyncIterator[None]:
    """Start the servers; always stop them, and show their logs when the test fails."""
    failed = True
    try:
        for server in servers:
            server.start()
        await asyncio.gather(*(s.wait_ready() for s in servers))
        yield
        failed = False
    finally:
        for server in servers:
            server.stop()
        if failed:
            print_logs(servers)


def dossier_batch(
    device: SyncDevice,
    rng: random.Random,
    commune: str = "00070",
    reserved_code: str | None = None,
    edits: int = 0,
) -> uuid.UUID:
    """create_draft, attach, `edits` edits, submit: version 3 + edits in the end."""
    dossier = uuid7()
    answers = birth_answers(vn_today(), child=rng.choice(CHILDREN), commune=commune)
    device.queue("create_draft", dossier, {"procedure_code": "khai-sinh", "fields": answers})
    device.queue(
        "attach",
        dossier,
        {"path": "attachments.birth_certificate", "sha256": fake_sha256(str(dossier))},
        1,
    )
    for i in range(edits):
        device.queue(
            "edit_draft", dossier, {"changes": {"child.hometown": f"Quê lần {i + 1}"}}, 2 + i
        )
    device.queue(
        "submit", dossier, {"reserved_code": reserved_code} if reserved_code else {}, 2 + edits
    )
    return dossier


async def post_batch(
    http: httpx.AsyncClient, device: SyncDevice, mutations: list[dict]
) -> httpx.Response:
    await register_fake_blobs(
        mutations, device.device_id
    )  # the attached files "have reached the server"
    return await http.post("/api/sync/push", json=device.body(mutations), headers=device.auth)


async def flush(device: SyncDevice, pick_client, outcomes: dict[int, dict]) -> None:
    """What a phone does: resend whatever is unconfirmed until the server confirms it."""
    for _ in range(RETRIES):
        if not device.outbox:
            return
        try:
            r = await post_batch(pick_client(), device, list(device.outbox))
        except httpx.TransportError:
            await asyncio.sleep(0.1)
            continue
        if r.status_code != 200:  # not a confirmation (principle 2): try again
            await asyncio.sleep(0.1)
            continue
        for o in r.json()["outcomes"]:
            assert outcomes.setdefault(o["seq"], o) == o
        confirmed = {o["seq"] for o in r.json()["outcomes"]}
        device.outbox = [m for m in device.outbox if m["seq"] not in confirmed]
    assert not device.outbox, "the outbox never emptied"


async def pull_views(http: httpx.AsyncClient, device: SyncDevice) -> dict[str, dict]:
    views: dict[str, dict] = {}
    cursor = None
    for _ in range(600):
        r = await http.get(
            "/api/sync/pull", params={"cursor": cursor} if cursor else {}, headers=device.auth
        )
        assert r.status_code == 200, r.text
        body = r.json()
        views.update({v["id"]: v for v in body["dossiers"]})
        cursor = body["cursor"]
        if body["more"]:
            continue
        if not body["pending"]:
            return views
        await asyncio.sleep(0.05)
    raise AssertionError("the feed stayed pending")


# -- (a) many processes, many devices ---------------------------------------------------


async def test_four_processes_twenty_devices_at_once(settings: Settings, tmp_path: Path) -> None:
    seed = random.randrange(1 << 30)
    print(f"random seed {seed}")
    rng = random.Random(seed)
    servers = [ServerProcess(server_env(settings), tmp_path, f"serve{i}") for i in range(4)]
    roles = [("citizen", "")] * 18 + [("outreach", "00070"), ("outreach", "00004")]

    async with bound_engine(settings):
        emails = await insert_accounts(roles)
        async with running(servers):
            clients = [httpx.AsyncClient(base_url=s.url, timeout=120) for s in servers]
            try:
                devices = await asyncio.gather(
                    *(
                        sign_in_device_at(rng.choice(servers).url, email, PASSWORD, clients[0])
                        for email in emails
                    )
                )
                plans = [rng.choice(["one", "twice", "later_first"]) for _ in devices]
                outcomes: list[dict[int, dict]] = [{} for _ in devices]
                dossiers: list[list[uuid.UUID]] = [[] for _ in devices]
                reserved: list[list[str]] = [[] for _ in devices]

                async def work(i: int) -> None:
                    device, (role, commune) = devices[i], roles[i]
                    local = random.Random(rng.random())
                    if role == "outreach":
                        r = await local.choice(clients).post(
                            "/api/sync/codes/reserve", json={"count": 3}, headers=device.auth
                        )
                        assert r.status_code == 201, r.text
                        reserved[i] = [c["code"] for c in r.json()["codes"]]
                        for code in reserved[i]:
                            dossiers[i].append(
                                dossier_batch(device, local, commune, reserved_code=code)
                            )
                    else:
                        dossiers[i].append(
                            dossier_batch(device, local, local.choice(["00070", "00004"]))
                        )
                    batch = list(device.outbox)
                    if plans[i] == "twice":  # the same batch reaches two processes at once
                        a, b = local.sample(clients, 2)
                        ra, rb = await asyncio.gather(
                            post_batch(a, device, batch), post_batch(b, device, batch)
                        )
                        assert ra.status_code == rb.status_code == 200, (ra.text, rb.text)
                        assert ra.json()["outcomes"] == rb.json()["outcomes"]
                    elif plans[i] == "later_first":  # the later half overtakes the first
                        r = await post_batch(
                            local.choice(clients), device, batch[len(batch) // 2 :]
                        )
                        assert r.status_code == 200 and r.json()["outcomes"] == [], r.text
                        assert r.json()["expected_seq"] == 1
                    await flush(device, lambda: local.choice(clients), outcomes[i])

                await asyncio.gather(*(work(i) for i in range(len(devices))))

                # Exactly once: one row per (device, seq) sent, nothing more in the database.
                sent = sum(d.seq for d in devices)
                assert await AppliedMutation.count() == sent
                for i, device in enumerate(devices):
                    seqs = (
                        await AppliedMutation.select(AppliedMutation.seq)
                        .where(AppliedMutation.device_id == device.device_id)
                        .order_by(AppliedMutation.seq)
                    )
                    assert [s["seq"] for s in seqs] == list(range(1, device.seq + 1))
                    assert sorted(outcomes[i]) == list(range(1, device.seq + 1))
                    refused = [
                        (o["seq"], o["reasons"])
                        for o in outcomes[i].values()
                        if o["status"] != "applied"
                    ]
                    assert refused == []

                # Every dossier at version 3 (create, attach, submit), submitted once, with its code.
                all_ids = [d for ids in dossiers for d in ids]
                rows = {r["id"]: r for r in await Dossier.select().where(Dossier.id.is_in(all_ids))}
                assert len(rows) == len(all_ids) == 18 + 6
                codes = [r["code"] for r in rows.values()]
                assert len(set(codes)) == len(codes)
                for d, row in rows.items():
                    assert (row["version"], row["state"]) == (3, 1)
                    assert (
                        parse_code(row["code"]) == row["code"]
                        and row["code"][:5] == row["commune_code"]
                    )
                    assert await DossierHistory.count().where(DossierHistory.dossier_id == d) == 3
                for i, ids in enumerate(dossiers):
                    submitted = [o for o in outcomes[i].values() if o.get("state") == 1]
                    assert sorted(o["code"] for o in submitted) == sorted(
                        rows[d]["code"] for d in ids
                    )
                    for code, d in zip(
                        reserved[i], ids, strict=False
                    ):  # the reserved code is the dossier's
                        assert rows[d]["code"] == code
                        bound = (
                            await CodeReservation.select(CodeReservation.dossier_id)
                            .where(CodeReservation.code == code)
                            .first()
                        )
                        assert bound["dossier_id"] == d

                # Each device, asking any process, sees its dossiers as the database holds them.
                for i, device in enumerate(devices):
                    views = await pull_views(rng.choice(clients), device)
                    assert set(views) == {str(d) for d in dossiers[i]}
                    for d in dossiers[i]:
                        assert (views[str(d)]["version"], views[str(d)]["code"]) == (
                            3,
                            rows[d]["code"],
                        )
            finally:
                for client in clients:
                    await client.aclose()


# -- (b) killed mid-batch -----------------------------------------------------------------


class WriteProbe:
    """Tells when a write transaction has been open for a while in the servers' database."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.pg: asyncpg.Connection | None = None

    async def __aenter__(self) -> WriteProbe:
        if self.settings.engine == "postgres":
            self.pg = await asyncpg.connect(self.settings.database_url)
        return self

    async def __aexit__(self, *exc: Any) -> None:
        if self.pg is not None:
            await self.pg.close()

    async def writing(self) -> bool:
        if self.pg is not None:
            return bool(
                await self.pg.fetchval(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL "
                    "AND now() - xact_start > interval '20 milliseconds'"
                )
            )
        # SQLite: a writer holds the lock when BEGIN IMMEDIATE cannot get it at once.
        conn = sqlite3.connect(self.settings.sqlite_path, timeout=0)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError:
            return True
        finally:
            conn.close()

    async def settled(self) -> None:
        """After a kill, wait until the dead process's transaction is gone (PostgreSQL
        reads a COMMIT already in the socket before it notices the client left)."""
        pg = self.pg
        if pg is None:
            return

        async def no_open_writer() -> bool:
            return not await pg.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL"
            )

        await wait_until(
            no_open_writer, seconds=30, message="the killed server's transaction never ended"
        )


async def applied_count(device: SyncDevice) -> int:
    return await AppliedMutation.count().where(AppliedMutation.device_id == device.device_id)


async def test_server_killed_mid_batch_applies_each_mutation_once(
    settings: Settings, tmp_path: Path
) -> None:
    seed = random.randrange(1 << 30)
    print(f"random seed {seed}")
    rng = random.Random(seed)
    server = ServerProcess(server_env(settings), tmp_path, "serve")
    rounds, in_flight_kills = 2, 0
    dossiers: list[uuid.UUID] = []
    outcomes: dict[int, dict] = {}

    async with bound_engine(settings), WriteProbe(settings) as probe, running([server]):
        [email] = await insert_accounts([("citizen", "")])
        async with httpx.AsyncClient(base_url=server.url, timeout=120) as http:
            device = await sign_in_device_at(server.url, email, PASSWORD, http)
            for round_no in range(rounds):
                before = await applied_count(device)
                for _ in range(10):  # 10 dossiers x 10 mutations: a batch of 100
                    dossiers.append(dossier_batch(device, rng, edits=7))
                batch = list(device.outbox)
                assert len(batch) == 100

                request = asyncio.create_task(post_batch(http, device, batch))
                seen_writing = False
                for _ in range(2000):
                    if request.done():
                        break
                    if await probe.writing():
                        seen_writing = True
                        break
                    await asyncio.sleep(0.002)
                await asyncio.sleep(rng.uniform(0, 0.05))
                server.kill9()
                try:
                    answered = (await request).status_code == 200
                except httpx.TransportError:
                    answered = False
                await probe.settled()

                # One transaction per batch: all of it or none of it survived the crash.
                after = await applied_count(device)
                assert after in (before, before + 100), (before, after)
                if seen_writing and after == before:
                    in_flight_kills += 1
                print(
                    f"round {round_no}: writing seen={seen_writing} answered={answered} "
                    f"rows {before} -> {after}"
                )

                server.start()  # on a new port
                await server.wait_ready()
                http.base_url = httpx.URL(server.url)
                await flush(device, lambda: http, outcomes)

            # Each mutation in the database exactly once; every dossier as its mutations made it.
            rows = (
                await AppliedMutation.select(AppliedMutation.seq)
                .where(AppliedMutation.device_id == device.device_id)
                .order_by(AppliedMutation.seq)
            )
            assert [r["seq"] for r in rows] == list(range(1, device.seq + 1)) == sorted(outcomes)
            assert all(o["status"] == "applied" for o in outcomes.values())
            last = (
                await DeviceSequence.select(DeviceSequence.last_seq)
                .where(DeviceSequence.device_id == device.device_id)
                .first()
            )
            assert last["last_seq"] == device.seq == 100 * rounds
            found = {r["id"]: r for r in await Dossier.select().where(Dossier.id.is_in(dossiers))}
            assert len(found) == len(dossiers)
            codes = [r["code"] for r in found.values()]
            assert len(set(codes)) == len(codes)
            for d, row in found.items():
                assert (row["version"], row["state"]) == (10, 1), d
                assert msgspec.json.decode(row["fields"])["child.hometown"] == "Quê lần 7"
                assert parse_code(row["code"]) == row["code"]
                assert await DossierHistory.count().where(DossierHistory.dossier_id == d) == 10
    # At least one crash hit the batch while its transaction was open, and it was undone.
    assert in_flight_kills >= 1
