"""Load: three `motcua serve` processes on one PostgreSQL database under a mixed
workload, with the authorization matrix re-run against a live process meanwhile.

Simulated users, each bound to one process round-robin (user k talks to process
k mod 3, as a DNS or proxy round-robin would spread them):

- phones (device credential), in a closed loop until the deadline: push one birth
  submission (create_draft, attach, submit: 3 mutations that end with a dossier
  code), then pull from their cursor. As many submissions as the servers take:
  that rate against the national peak is the headroom;
- citizens looking a dossier up, arriving at a fixed rate (open loop, Poisson
  arrivals): ask for a robot check (POST /api/captcha), read it (see below), then
  POST /api/lookup with a code that exists;
- visitors opening the catalogue, arriving at a fixed rate likewise: GET
  /api/catalog, /api/catalog/khai-sinh and /api/communes.

The lookups and catalogue visits are offered at a set rate rather than looped as
fast as the servers answer: a closed loop of readers would take whatever CPU the
servers have, so the submission rate would measure how greedy the readers are.
The rates stand for the rest of the peak's traffic: one status lookup and one
catalogue visit (three full downloads, as on a first visit; an installed app asks
with its ETag and gets a 304) for every three submissions of the peak, 11 of
each a second. The report prints the rate offered and the rate served.

The robot check is passed the way the tests pass it: the answer is read from the
database the servers share (a person reads it off the picture); nothing in the
server is switched off. Lookups are rate-limited per client address (30 a minute),
so each lookup comes from its own loopback address (127.0.x.y), as many citizens
would; sign-ins likewise, as the phones of many people would.

Reported: requests/s, p50/p95/p99 and errors per endpoint; submissions per
minute sustained over the run against the national peak of 2,000 submissions a
minute (the headroom); the RSS of each server process (sampled from /proc, and
VmHWM, the peak, reset just before the timed phase); and the authorization
matrix (harness/authorization_matrix.py) asked role by role of
process 1 while the load runs: every answer must agree with the table.

Why not locust: the lookups need a fresh client address per citizen and the
robot-check answer from the database inside the user's flow; aiohttp binds a local
address per connector (TCPConnector(local_addr=...)) and asyncpg reads the answer
on the same event loop, where locust's gevent monkey-patching would have to be
kept apart from the asyncio set-up (devices, accounts, the matrix probe) in another
process. The simulated users speak through aiohttp, which took about a fifth of
httpx's client CPU per request here (0.6 ms against 3.1 ms); httpx stays for the
set-up and the matrix probe, which share the tests' code. The client shares the
machine's cores with the servers and PostgreSQL, so the figures are a floor."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import random
import resource
import sqlite3
import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import httpx

from bench.common import Report, cli, ms, percentile
from bench.devices import Device
from bench.load import JSON, encode
from bench.servers import (
    PASSWORD,
    BenchSetupError,
    Cluster,
    available_engines,
    memory_of,
    motcua,
    sign_in_device,
)
from bench.workload import submitted_dossier

PEAK_PER_MINUTE = 2000  # national peak: birth submissions a minute
PROCESSES = 3
ENDPOINTS = ["push", "pull", "captcha", "lookup", "catalog", "catalog/khai-sinh", "communes"]
EXPECTED = {
    "push": 200,
    "pull": 200,
    "captcha": 201,
    "lookup": 200,
    "catalog": 200,
    "catalog/khai-sinh": 200,
    "communes": 200,
}
MATRIX_COMMUNE = "00070"
MATRIX_PAUSE_S = 5.0


# -- client addresses ------------------------------------------------------------------

_addresses = itertools.count(1)


def next_address() -> str:
    """A loopback address of its own (127.0.0.0/8 is all local on Linux): one per
    citizen or sign-in, so per-address rate limits count people, not this client."""
    n = next(_addresses) % (250 * 250)
    return f"127.0.{n // 250 + 2}.{n % 250 + 1}"


def session_from(
    base_url: str, address: str | None = None, headers: dict[str, str] | None = None
) -> aiohttp.ClientSession:
    """A simulated user's session: one kept-alive connection from its own address."""
    connector = aiohttp.TCPConnector(local_addr=(address or next_address(), 0), limit=1)
    return aiohttp.ClientSession(
        base_url=base_url,
        connector=connector,
        headers=headers,
        timeout=aiohttp.ClientTimeout(total=120, connect=10),
    )


@dataclass
class Answer:
    status: int
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


async def request(session: aiohttp.ClientSession, method: str, url: str, **kwargs: Any) -> Answer:
    """One request, its whole body read (as a phone would) before the clock stops."""
    async with session.request(method, url, **kwargs) as r:
        return Answer(r.status, await r.read())


def client_from(base_url: str, address: str | None = None, **kwargs: Any) -> httpx.AsyncClient:
    transport = httpx.AsyncHTTPTransport(local_address=address or next_address(), retries=0)
    kwargs.setdefault("timeout", httpx.Timeout(120.0, connect=10.0))
    return httpx.AsyncClient(base_url=base_url, transport=transport, **kwargs)


async def sign_in_load_device(base_url: str, email: str) -> Device:
    # From one of the many client addresses, so the per-address limits see many people.
    return await sign_in_device(base_url, email, "load phone", client_from(base_url))


# -- measurements --------------------------------------------------------------------


@dataclass
class Tally:
    """Every answered request: (finished at, seconds, expected status?) per endpoint."""

    started: float = field(default_factory=time.perf_counter)
    samples: dict[str, list[tuple[float, float, bool]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    errors: dict[str, dict[str, int]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(int))
    )
    submissions: list[float] = field(default_factory=list)  # when each dossier got its code

    async def timed(self, name: str, call: Awaitable[Answer]) -> Answer | None:
        t0 = time.perf_counter()
        try:
            r = await call
        except (TimeoutError, aiohttp.ClientError) as exc:
            self.samples[name].append(
                (time.perf_counter() - self.started, time.perf_counter() - t0, False)
            )
            self.errors[name][type(exc).__name__] += 1
            return None
        ok = r.status == EXPECTED[name]
        self.samples[name].append(
            (time.perf_counter() - self.started, time.perf_counter() - t0, ok)
        )
        if not ok:
            self.errors[name][f"HTTP {r.status} {r.text[:80]}"] += 1
        return r

    def latencies(self, name: str) -> list[float]:
        return [s for _, s, ok in self.samples[name] if ok]


# -- the simulated users -----------------------------------------------------------------


def phone_user(
    device: Device, counter: itertools.count, tally: Tally, stop: asyncio.Event
) -> Callable[[], Coroutine[Any, Any, None]]:
    async def loop() -> None:
        cursor: str | None = None
        async with session_from(device.base_url, headers=device.auth) as http:
            while not stop.is_set():
                _, mutations = submitted_dossier(device, next(counter))
                r = await tally.timed(
                    "push",
                    request(
                        http,
                        "POST",
                        "/api/sync/push",
                        data=encode(device.envelope(mutations)),
                        headers={"Content-Type": JSON},
                    ),
                )
                if r is not None and r.status == 200:
                    outcomes = r.json()["outcomes"]
                    if (
                        outcomes
                        and outcomes[-1]["status"] == "applied"
                        and outcomes[-1].get("code")
                    ):
                        tally.submissions.append(time.perf_counter() - tally.started)
                    else:
                        tally.errors["push"][f"submission not applied: {str(outcomes)[:80]}"] += 1
                if stop.is_set():
                    break
                params = {"cursor": cursor} if cursor else {}
                r = await tally.timed("pull", request(http, "GET", "/api/sync/pull", params=params))
                if r is not None and r.status == 200:
                    cursor = r.json().get("cursor") or cursor

    return loop


class CaptchaReader:
    """The robot check's answer, read from the servers' database."""

    def __init__(self, cluster: Cluster) -> None:
        self.database = cluster.database
        self.pool = None

    async def open(self) -> None:
        if self.database.engine == "postgres":
            import asyncpg

            self.pool = await asyncpg.create_pool(self.database.url, min_size=1, max_size=4)

    async def close(self) -> None:
        if self.pool is not None:
            await self.pool.close()

    async def answer(self, challenge_id: str) -> str:
        if self.pool is not None:
            return await self.pool.fetchval(
                "SELECT answer FROM captcha_challenge WHERE id = $1", uuid.UUID(challenge_id)
            )
        path = self.database.url.removeprefix("sqlite:///")

        def read() -> str:
            with sqlite3.connect(path) as conn:
                # SQLite stores UUIDs as text; accept either spelling.
                row = conn.execute(
                    "SELECT answer FROM captcha_challenge WHERE id IN (?, ?)",
                    (challenge_id, challenge_id.replace("-", "")),
                ).fetchone()
            return row[0] if row else ""

        return await asyncio.to_thread(read)


def lookup_visit(
    codes: list[str], reader: CaptchaReader, tally: Tally, rng: random.Random
) -> Callable[[str], Awaitable[None]]:
    async def visit(base_url: str) -> None:
        async with session_from(base_url) as http:  # a new citizen: a new address
            r = await tally.timed("captcha", request(http, "POST", "/api/captcha"))
            if r is None or r.status != 201:
                return
            challenge = r.json()["id"]
            answer = await reader.answer(challenge)
            await tally.timed(
                "lookup",
                request(
                    http,
                    "POST",
                    "/api/lookup",
                    json={
                        "code": rng.choice(codes),
                        "captcha_id": challenge,
                        "captcha_answer": answer,
                    },
                ),
            )

    return visit


def catalog_visit(tally: Tally) -> Callable[[str], Awaitable[None]]:
    async def visit(base_url: str) -> None:
        async with session_from(base_url) as http:
            for name in ["catalog", "catalog/khai-sinh", "communes"]:
                await tally.timed(name, request(http, "GET", f"/api/{name}"))

    return visit


@dataclass
class Arrivals:
    """Visits offered at a fixed rate, whatever the servers' speed."""

    name: str
    per_second: float
    offered: int = 0
    finished: int = 0
    shed: int = 0  # not started: too many of this kind still waiting on the servers

    MAX_OPEN = 200

    async def run(
        self,
        visit: Callable[[str], Awaitable[None]],
        base_urls: list[str],
        stop: asyncio.Event,
        rng: random.Random,
    ) -> None:
        open_visits: set[asyncio.Task] = set()

        async def one(base_url: str) -> None:
            await visit(base_url)
            self.finished += 1

        next_at = time.perf_counter()
        while not stop.is_set():
            next_at += rng.expovariate(self.per_second)
            delay = next_at - time.perf_counter()
            if delay > 0:
                try:
                    await asyncio.wait_for(stop.wait(), delay)
                    break
                except TimeoutError:
                    pass
            base_url = base_urls[self.offered % len(base_urls)]
            self.offered += 1
            if len(open_visits) >= self.MAX_OPEN:
                self.shed += 1
                continue
            task = asyncio.create_task(one(base_url))
            open_visits.add(task)
            task.add_done_callback(open_visits.discard)
        if open_visits:
            await asyncio.gather(*open_visits, return_exceptions=True)


# -- RSS ---------------------------------------------------------------------------------


async def sample_rss(cluster: Cluster, stop: asyncio.Event, out: list[list[int]]) -> None:
    while not stop.is_set():
        out.append([memory_of(s.pid).get("VmRSS", 0) for s in cluster.servers])
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 1.0)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (/proc/<pid>/stat, fields 14 and 15)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return float("nan")


def machine_busy_seconds() -> float:
    """CPU time every core of the machine spent busy so far (/proc/stat, all but idle and iowait)."""
    try:
        with open("/proc/stat") as stat:
            values = [int(v) for v in stat.readline().split()[1:]]
        return (sum(values[:8]) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return float("nan")


def client_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# -- the authorization matrix under load -------------------------------------------------


@dataclass
class MatrixResult:
    rounds: int = 0
    checks: int = 0
    during_load: int = 0  # checks of the rounds finished before the load stopped: all of them
    mismatches: list[str] = field(default_factory=list)
    first_round: asyncio.Event = field(default_factory=asyncio.Event)


async def matrix_under_load(
    cluster: Cluster, accounts: dict[str, list[str]], stop: asyncio.Event, result: MatrixResult
) -> None:
    """Round after round until the load stops (at least one): every role at once asks
    every route of the matrix of process 1, and each answer is compared with the table."""
    from harness.authorization_matrix import ROLES, matrix_mismatches

    base_url = cluster.servers[0].base_url
    pools = {role: itertools.cycle(emails) for role, emails in accounts.items()}

    async def ask(role: str, round_no: int) -> None:
        async with client_from(base_url) as http:
            csrf = {"token": ""}

            async def sign_in() -> None:
                if role == "anonymous":
                    return
                r = await http.post(
                    "/api/auth/login", json={"email": next(pools[role]), "password": PASSWORD}
                )
                if r.status_code != 200:
                    raise BenchSetupError(
                        f"matrix sign-in as {role}: {r.status_code} {r.text[:200]}"
                    )
                csrf["token"] = r.json()["csrf_token"]

            await sign_in()
            checks, failures = await matrix_mismatches(http, role, lambda: csrf["token"], sign_in)
        result.checks += checks
        result.mismatches += [f"round {round_no}: {f}" for f in failures]

    while not stop.is_set():
        before = result.checks
        await asyncio.gather(*[ask(role, result.rounds + 1) for role in ROLES])
        result.rounds += 1
        if not stop.is_set():
            result.during_load += result.checks - before
        result.first_round.set()
        # A round every few seconds: the matrix checks answers under load, it is not load
        # itself, and each round signs every role in (sign-ins are limited per account).
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), MATRIX_PAUSE_S)


# -- the run -------------------------------------------------------------------------------


@dataclass
class Plan:
    seconds: float
    phones: int
    lookups_per_second: float
    catalog_visits_per_second: float
    seed_dossiers: int


async def seed_codes(devices: list[Device], per_device: int) -> list[str]:
    """Submitted dossiers to look up: the codes their submits were given."""
    codes: list[str] = []

    async def one(device: Device, k: int) -> None:
        async with client_from(device.base_url, headers=device.auth) as http:
            for i in range(per_device):
                _, mutations = submitted_dossier(device, 50_000 + k * 1000 + i)
                r = await http.post(
                    "/api/sync/push",
                    content=encode(device.envelope(mutations)),
                    headers={"Content-Type": JSON},
                )
                outcome = r.json()["outcomes"][-1] if r.status_code == 200 else {}
                if not outcome.get("code"):
                    raise BenchSetupError(
                        f"seeding a submission failed: {r.status_code} {r.text[:300]}"
                    )
                codes.append(outcome["code"])

    await asyncio.gather(*[one(d, k) for k, d in enumerate(devices)])
    return codes


async def measure(engine: str, processes: int, plan: Plan) -> dict[str, Any]:
    from harness.authorization_matrix import ROLES

    with motcua(engine, processes) as cluster:
        servers = cluster.servers
        emails = cluster.database.insert_accounts(plan.phones)
        devices = list(
            await asyncio.gather(
                *[
                    sign_in_load_device(servers[k % len(servers)].base_url, e)
                    for k, e in enumerate(emails)
                ]
            )
        )
        accounts = {
            role: cluster.database.insert_accounts(
                8, role, MATRIX_COMMUNE if role in ("outreach", "desk", "agency_admin") else ""
            )
            for role in ROLES
            if role != "anonymous"
        }
        codes = await seed_codes(devices, max(1, plan.seed_dossiers // len(devices)))
        reader = CaptchaReader(cluster)
        await reader.open()
        tally, stop = Tally(), asyncio.Event()
        counter = itertools.count()
        rng = random.Random(7)
        users = [phone_user(d, counter, tally, stop) for d in devices]
        base_urls = [srv.base_url for srv in servers]
        arrivals = [
            Arrivals("status lookups (robot check + lookup)", plan.lookups_per_second),
            Arrivals("catalogue visits (3 downloads)", plan.catalog_visits_per_second),
        ]
        visits = [lookup_visit(codes, reader, tally, rng), catalog_visit(tally)]
        rss: list[list[int]] = []
        matrix = MatrixResult()
        try:
            cluster.reset_peak()
            cpu0 = (
                [cpu_seconds(srv.pid) for srv in servers],
                client_cpu_seconds(),
                machine_busy_seconds(),
            )
            tally.started = time.perf_counter()
            tasks = [asyncio.create_task(u()) for u in users]
            tasks += [
                asyncio.create_task(a.run(v, base_urls, stop, random.Random(11 + k)))
                for k, (a, v) in enumerate(zip(arrivals, visits, strict=True))
            ]
            tasks.append(asyncio.create_task(sample_rss(cluster, stop, rss)))
            probe = asyncio.create_task(matrix_under_load(cluster, accounts, stop, matrix))
            await asyncio.sleep(plan.seconds)
            # The load goes on until the matrix has been asked whole at least once under it.
            await asyncio.wait(
                [probe, asyncio.create_task(matrix.first_round.wait())],
                return_when=asyncio.FIRST_COMPLETED,
            )
            stop.set()
            duration = time.perf_counter() - tally.started
            cpu = (
                [cpu_seconds(srv.pid) - c for srv, c in zip(servers, cpu0[0], strict=True)],
                client_cpu_seconds() - cpu0[1],
                machine_busy_seconds() - cpu0[2],
            )
            await asyncio.gather(*tasks)
            probe.cancel()  # a round begun after the first cannot finish under load: drop it
            with contextlib.suppress(asyncio.CancelledError):
                await probe
        finally:
            await reader.close()
        peaks = [s.memory().get("VmHWM", 0) for s in servers]
        alive = all(s.process is not None and s.process.poll() is None for s in servers)
        return {
            "label": cluster.label,
            "tally": tally,
            "seconds": duration,
            "rss": rss,
            "peaks": peaks,
            "matrix": matrix,
            "alive": alive,
            "codes": len(codes),
            "plan": plan,
            "cpu": cpu,
            "arrivals": arrivals,
        }


def buckets(times: list[float], width: float, until: float) -> list[tuple[float, float]]:
    """Events per second in consecutive windows of `width` seconds."""
    counts = [0] * max(1, int(until // width))
    for t in times:
        if t < len(counts) * width:
            counts[int(t // width)] += 1
    return [((k + 1) * width, n / width) for k, n in enumerate(counts)]


async def run(quick: bool = False) -> Report:
    # The peak's other traffic: one lookup and one catalogue visit a second for every three
    # submissions a second of the peak (2,000 a minute is 33 a second).
    background = PEAK_PER_MINUTE / 60 / 3
    plan = (
        Plan(
            seconds=12,
            phones=6,
            lookups_per_second=background / 4,
            catalog_visits_per_second=background / 4,
            seed_dossiers=12,
        )
        if quick
        else Plan(
            seconds=60,
            phones=24,
            lookups_per_second=background,
            catalog_visits_per_second=background,
            seed_dossiers=48,
        )
    )
    report = Report("load_test", f"Load: push, pull, lookup and catalog on {PROCESSES} processes")
    if "postgres" in available_engines():
        engine, processes = "postgres", PROCESSES
    else:
        engine, processes = "sqlite", 1
        report.note("PostgreSQL is not reachable: measured on SQLite with one process instead.")
    print(f"  load_test: {engine} ×{processes}, {plan.seconds:.0f} s …", flush=True)
    r = await measure(engine, processes, plan)
    tally: Tally = r["tally"]
    seconds = r["seconds"]

    table = report.table(
        f"{r['label']}: {plan.phones} phones in a closed loop; {plan.lookups_per_second:.0f} status lookups and "
        f"{plan.catalog_visits_per_second:.0f} catalogue visits a second offered; {seconds:.0f} s",
        ["endpoint", "requests", "requests/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors"],
    )
    series_p: dict[str, list[tuple[str, float]]] = {"p50": [], "p95": [], "p99": []}
    total_errors = 0
    for name in ENDPOINTS:
        samples = tally.samples.get(name, [])
        lat = tally.latencies(name)
        errors = sum(tally.errors[name].values()) if name in tally.errors else 0
        total_errors += errors
        table.add(
            "POST /api/sync/push"
            if name == "push"
            else "GET /api/sync/pull"
            if name == "pull"
            else "POST /api/captcha"
            if name == "captcha"
            else "POST /api/lookup"
            if name == "lookup"
            else f"GET /api/{name}",
            len(samples),
            len(samples) / seconds,
            ms(percentile(lat, 50)),
            ms(percentile(lat, 95)),
            ms(percentile(lat, 99)),
            ms(max(lat, default=float("nan"))),
            errors,
        )
        for p in (50, 95, 99):
            series_p[f"p{p}"].append((name, ms(percentile(lat, p))))
    all_samples = [s for v in tally.samples.values() for s in v]
    table.add(
        "all",
        len(all_samples),
        len(all_samples) / seconds,
        ms(percentile([s for _, s, ok in all_samples if ok], 50)),
        ms(percentile([s for _, s, ok in all_samples if ok], 95)),
        ms(percentile([s for _, s, ok in all_samples if ok], 99)),
        float("nan"),
        total_errors,
    )

    per_minute = len(tally.submissions) / seconds * 60
    headroom = per_minute / PEAK_PER_MINUTE
    sub = report.table(
        "Submissions (create_draft + attach + submit, each given its dossier code)",
        ["submissions", "seconds", "per minute sustained", "national peak per minute", "headroom"],
    )
    sub.add(len(tally.submissions), seconds, per_minute, PEAK_PER_MINUTE, f"×{headroom:.2f}")

    offered = report.table(
        "The rest of the traffic, offered at a fixed rate (open loop)",
        [
            "visits",
            "offered per second",
            "offered",
            "finished",
            "served per second",
            "shed (200 already waiting)",
        ],
    )
    for a in r["arrivals"]:
        offered.add(a.name, a.per_second, a.offered, a.finished, a.finished / seconds, a.shed)

    mem = report.table(
        "Server processes (RSS from /proc)",
        ["process", "RSS mean MiB", "RSS last MiB", "peak (VmHWM) MiB"],
    )
    for k in range(len(r["peaks"])):
        values = [row[k] for row in r["rss"] if k < len(row) and row[k]]
        mem.add(
            f"#{k + 1}",
            (sum(values) / len(values) / 1024) if values else float("nan"),
            (values[-1] / 1024) if values else float("nan"),
            r["peaks"][k] / 1024,
        )

    server_cpu, client_cpu, busy = r["cpu"]
    capacity = (os.cpu_count() or 1) * seconds
    cpu = report.table(
        "CPU seconds during the timed phase (where the machine's cores went)",
        ["who", "CPU s", "share of the machine"],
    )
    for k, value in enumerate(server_cpu):
        cpu.add(f"server #{k + 1}", value, f"{value / capacity:.0%}")
    cpu.add(
        "load client (this process, incl. the matrix probe)",
        client_cpu,
        f"{client_cpu / capacity:.0%}",
    )
    rest = busy - sum(server_cpu) - client_cpu
    cpu.add("the rest: PostgreSQL and other work on the machine", rest, f"{rest / capacity:.0%}")
    cpu.add(f"machine: {os.cpu_count()} cores × {seconds:.0f} s", capacity, "100%")
    if sum(server_cpu) > 0:
        report.note(
            f"{len(tally.submissions) / sum(server_cpu):.1f} submissions per CPU-second of the server "
            "processes (the pulls, lookups and catalogue reads they served in the same time included)."
        )

    matrix: MatrixResult = r["matrix"]
    mat = report.table(
        "Authorization matrix asked of process #1 during the load",
        ["rounds (every role)", "checks", "of which while the load ran", "mismatches"],
    )
    mat.add(matrix.rounds, matrix.checks, matrix.during_load, len(matrix.mismatches))
    for line in matrix.mismatches[:10]:
        report.note(f"matrix mismatch: {line}")
    for name, kinds in tally.errors.items():
        for what, n in sorted(kinds.items(), key=lambda kv: -kv[1])[:3]:
            report.note(f"{name} error: {n}× {what}")
    if not r["alive"]:
        report.note("A server process died during the run.")
    report.note(
        "The phones run in a closed loop: each sends its next request when the last is answered, so "
        "the submission rate is what the servers sustain beside the lookups and catalogue visits, "
        "which arrive at their fixed rate whatever the servers' speed. "
        f"Lookups ask for codes of {r['codes']} dossiers submitted before the clock starts; "
        "submissions carry no email address, so no mail is queued while measuring. "
        "Process #1 also answers the authorization matrix, whose sign-ins hash passwords."
    )
    report.note("The client, three server processes and PostgreSQL share the machine's cores.")

    if hasattr(report, "plot"):
        report.plot(
            "Latency per endpoint under the mixed load", "endpoint", "ms", series_p, kind="bar"
        )
        width = 5.0 if seconds >= 30 else 2.0
        sustained = [(t, rate * 60) for t, rate in buckets(tally.submissions, width, seconds)]
        report.plot(
            "Submissions per minute over the run, against the national peak",
            "seconds",
            "submissions per minute",
            {"sustained": sustained, "national peak": [(t, PEAK_PER_MINUTE) for t, _ in sustained]},
            kind="line",
        )
        done = {name: [t for t, _, ok in tally.samples[name] if ok] for name in ENDPOINTS}
        report.plot(
            "Requests per second by endpoint over the run",
            "seconds",
            "requests per second",
            {n: buckets(v, width, seconds) for n, v in done.items()},
            kind="line",
        )

    shed = sum(a.shed for a in r["arrivals"])
    if shed:
        report.note(
            f"{shed} lookups or catalogue visits were not started: the servers had 200 of that kind waiting."
        )
    report.figures.update(
        {
            "submissions_per_minute": per_minute,
            "headroom": headroom,
            "errors": total_errors,
            "background_shed": shed,
            "matrix_mismatches": len(matrix.mismatches),
        }
    )
    report.summary = (
        f"{r['label']}: {per_minute:,.0f} submissions/min sustained vs national peak "
        f"{PEAK_PER_MINUTE:,}/min → headroom ×{headroom:.2f}; {len(all_samples) / seconds:,.0f} requests/s "
        f"mixed, {total_errors} errors; matrix under load {matrix.checks} checks, "
        f"{len(matrix.mismatches)} mismatches"
    )
    return report


if __name__ == "__main__":
    cli(run, __doc__ or "")
