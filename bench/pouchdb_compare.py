"""motcua against pouchdb-server: the same 10,000 birth drafts, the same clients.

The peer is pouchdb-server (CouchDB's replication protocol on PouchDB), installed
from bench/package.json into bench/node_modules (`npm ci`, or `npm install` without
a lock) when missing, and started on 127.0.0.1 on a free port, once over LevelDB in
a temporary directory and once in memory. Each of 8 clients sends its share of the
documents to `_bulk_docs` in batches of 100: a document is
`{_id, procedure_code, fields}` with exactly the JSON of motcua's create_draft
payload. motcua gets the same drafts as create_draft mutations, batches of 100,
from 8 devices, on SQLite and PostgreSQL, with one server process and with two
sharing the database (`motcua serve --processes 2`) — and unlike the peer it validates
every field against the form schema and records each (device, seq) outcome for
exactly-once replay in the same transaction.

Beside the peer, the floor: the bare stack (bench/bare_stack.py: uvicorn, msgspec
and one asyncpg transaction per batch that COPYs the mutations into PostgreSQL, with
none of motcua's work) given the same envelopes from the same clients. And the
ceiling: PostgreSQL alone with motcua's own statements for the same drafts
(bench/write_ceiling.py), no server running; it shows how much of the distance to the
floor is what a draft writes rather than the server's work.

Every server runs once in each of three rounds, every other round in the reverse order.
Printed: documents per second for each (its median round, and every round's), and
motcua's rate divided by the peer's and by the floor's, as the median of the ratios
taken within each round (issue #21: SQLite ≥ 1× the peer on LevelDB, PostgreSQL ≥
0.5× the floor)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import math
import shutil
import signal
import statistics
import subprocess
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.bare_stack import BareStack
from bench.common import BENCH, Report, cli, ms, percentile
from bench.devices import Device
from bench.load import (
    JSON,
    Stats,
    encode,
    push_job,
    push_once,
    replay_check,
    run_clients,
    summarize_problems,
)
from bench.push_throughput import split
from bench.servers import available_engines, free_port, memory_of, motcua, scratch_dir
from bench.workload import PROCEDURE, birth_fields, chunks, create_draft_payload
from bench.write_ceiling import run_ceiling
from harness.sync_client import uuid7

NODE_MODULES = BENCH / "node_modules"
DEADLINE = 60  # seconds for one timed phase; a slower run stops there and reports its rate
# Every server runs once a round; the ratios are the median of the rounds' own.
ROUNDS = 3
BACK_TO_BACK = (
    "sqlite_2",
    "pouch_leveldb",
    "sqlite_1",
    "floor",
    "postgres_1",
    "ceiling",
    "postgres_2",
    "pouch_memory",
)
POUCHDB_BIN = NODE_MODULES / "pouchdb-server" / "bin" / "pouchdb-server"


def install_pouchdb() -> str | None:
    """None once pouchdb-server is installed, else why it cannot be."""
    if POUCHDB_BIN.exists():
        return None
    npm = shutil.which("npm")
    if not npm or not shutil.which("node"):
        return "node and npm are not on PATH"
    lock = (BENCH / "package-lock.json").exists()
    command = [npm, "ci" if lock else "install", "--no-audit", "--no-fund"]
    print(f"  [installing pouchdb-server: {' '.join(command[1:])} in bench/ …]", flush=True)
    try:
        result = subprocess.run(command, cwd=BENCH, capture_output=True, text=True, timeout=480)
    except subprocess.TimeoutExpired:
        return "npm did not finish within 8 minutes"
    if result.returncode != 0 or not POUCHDB_BIN.exists():
        tail = (result.stderr or result.stdout).strip().splitlines()[-3:]
        return f"npm {command[1]} failed: " + " / ".join(tail)
    return None


class PouchServer:
    def __init__(self, in_memory: bool) -> None:
        self.in_memory = in_memory
        self.port = free_port()
        self.dir = scratch_dir("pouchdb")
        self.process: subprocess.Popen | None = None

    @property
    def label(self) -> str:
        return "pouchdb-server (in memory)" if self.in_memory else "pouchdb-server (LevelDB)"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> PouchServer:
        command = [
            "node",
            str(POUCHDB_BIN),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--config",
            str(self.dir / "config.json"),
            "--no-stdout-logs",
        ]
        command += ["--in-memory"] if self.in_memory else ["--dir", str(self.dir / "db")]
        (self.dir / "db").mkdir(exist_ok=True)
        with open(self.dir / "stdout.log", "wb") as log:  # the process keeps its own copy
            self.process = subprocess.Popen(
                command, cwd=self.dir, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"pouchdb-server exited: {(self.dir / 'stdout.log').read_text()[-800:]}"
                )
            try:
                if httpx.get(self.base_url + "/", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("pouchdb-server did not answer in time")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        shutil.rmtree(self.dir, ignore_errors=True)

    def reset_peak(self) -> None:
        if self.process is None:
            return
        with contextlib.suppress(OSError):
            Path(f"/proc/{self.process.pid}/clear_refs").write_text("5")

    def peak_rss_mb(self) -> float:
        return memory_of(self.process.pid).get("VmHWM", 0) / 1024 if self.process else float("nan")


def bulk_job(base_url: str, bodies: list[tuple[bytes, int]]):
    async def job(stats: Stats) -> None:
        async with httpx.AsyncClient(
            base_url=base_url, timeout=120, headers={"Content-Type": JSON}
        ) as http:
            for body, _count in bodies:
                t0 = time.perf_counter()
                r = await http.post("/bench/_bulk_docs", content=body)
                stats.latencies.append(time.perf_counter() - t0)
                if r.status_code != 201:
                    stats.problems[f"HTTP {r.status_code}: {r.text[:120]}"] += 1
                    continue
                answers = r.json()
                ok = sum(1 for a in answers if a.get("ok"))
                stats.statuses.update({"ok": ok, "error": len(answers) - ok})
                stats.items += ok

    return job


async def run_pouch(in_memory: bool, documents: int, clients: int, batch: int) -> dict:
    server = PouchServer(in_memory).start()
    try:
        async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
            r = await http.put("/bench")
            assert r.status_code in (201, 412), r.text
            # Warm-up, untimed: one small batch.
            warm = [
                {"_id": f"warm-{k}", "procedure_code": PROCEDURE, "fields": birth_fields(90000 + k)}
                for k in range(clients)
            ]
            await http.post("/bench/_bulk_docs", json={"docs": warm})
        jobs, start = [], 0
        for count in split(documents, clients):
            docs = [{"_id": str(uuid7()), **create_draft_payload(start + k)} for k in range(count)]
            start += count
            jobs.append(
                bulk_job(
                    server.base_url, [(encode({"docs": c}), len(c)) for c in chunks(docs, batch)]
                )
            )
        server.reset_peak()
        stats = await run_clients(jobs, DEADLINE)
        peak = server.peak_rss_mb()
        async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
            stored = (await http.get("/bench")).json().get("doc_count", 0) - clients
        return {
            "label": server.label,
            "stats": stats,
            "peak_mb": peak,
            "check": f"{stored:,} stored",
        }
    finally:
        server.stop()


async def run_motcua(
    engine: str, documents: int, clients: int, batch: int, processes: int = 1
) -> dict:
    with motcua(engine, processes) as cluster:
        phones = await cluster.devices(clients)
        await asyncio.gather(*[_warm(p, 90000 + k) for k, p in enumerate(phones)])
        jobs, start = [], 0
        for phone, count in zip(phones, split(documents, clients), strict=True):
            mutations = [
                phone.mutation("create_draft", uuid7(), create_draft_payload(start + k))
                for k in range(count)
            ]
            start += count
            batches = list(chunks(mutations, batch))
            jobs.append(push_job(phone, [(encode(phone.envelope(b)), len(b)) for b in batches]))
        cluster.reset_peak()
        stats = await run_clients(jobs, DEADLINE)
        peak = cluster.peak_rss_mb()
        first = phones[0]
        replay = await replay_check(first, stats.last_answer.get(str(first.device_id)))
        applied = stats.statuses.get("applied", 0)
        return {
            "label": f"motcua ({cluster.label})",
            "engine": engine,
            "processes": processes,
            "stats": stats,
            "peak_mb": peak,
            "check": f"{applied:,} applied, replay {'= recorded' if replay else 'DIFFERS'}",
        }


async def run_floor(documents: int, clients: int, batch: int) -> dict:
    """The bare stack (bench/bare_stack.py) given the same envelopes as motcua: the
    same drafts as create_draft mutations, from as many devices, in the same batches."""
    server = BareStack().start()
    try:
        phones = [
            Device(server.base_url, uuid.uuid4(), "bare-stack", f"floor-{k}")
            for k in range(clients)
        ]
        await asyncio.gather(*[_warm(p, 90000 + k) for k, p in enumerate(phones)])
        jobs, start = [], 0
        for phone, count in zip(phones, split(documents, clients), strict=True):
            mutations = [
                phone.mutation("create_draft", uuid7(), create_draft_payload(start + k))
                for k in range(count)
            ]
            start += count
            batches = list(chunks(mutations, batch))
            jobs.append(push_job(phone, [(encode(phone.envelope(b)), len(b)) for b in batches]))
        server.reset_peak()
        stats = await run_clients(jobs, DEADLINE)
        peak = server.peak_rss_mb()
        stored = await server.stored() - clients
        return {
            "label": server.label,
            "stats": stats,
            "peak_mb": peak,
            "check": f"{stored:,} stored",
        }
    finally:
        server.stop()


async def _warm(phone, i: int) -> None:
    await push_once(phone, [phone.mutation("create_draft", uuid7(), create_draft_payload(i))])


@dataclass
class Contender:
    """One server of the comparison, run once per round."""

    key: str
    start: Callable[[], Awaitable[dict]]
    # A peer or the floor failing is noted; motcua failing stops the suite.
    may_fail: bool = False
    runs: list[dict] = field(default_factory=list)

    def rate(self, round_: int) -> float | None:
        found = next((r for r in self.runs if r["round"] == round_), None)
        return found["stats"].rate if found else None

    def median_run(self) -> dict:
        ranked = sorted(self.runs, key=lambda r: r["stats"].rate)
        return ranked[(len(ranked) - 1) // 2]


nan = math.nan


def paired_median(ours: Contender, other: Contender, rounds: int) -> float | None:
    """The median over the rounds of ours ÷ other, each ratio from one round: the
    machine drifts over minutes, and a pair run back to back shares its state."""
    ratios = [
        a / b
        for k in range(rounds)
        if (a := ours.rate(k)) is not None and (b := other.rate(k)) is not None
    ]
    return statistics.median(ratios) if ratios else None


async def run(
    quick: bool = False,
    documents: int = 10_000,
    clients: int = 8,
    batch: int = 100,
    rounds: int = ROUNDS,
) -> Report:
    if quick:
        documents, rounds = 800, 1
    report = Report("pouchdb_compare", "motcua vs pouchdb-server (same drafts, same clients)")
    contenders: list[Contender] = []
    why = install_pouchdb()
    if why:
        report.note(f"pouchdb-server could not be installed, so only motcua ran: {why}")
    else:
        for in_memory in (False, True):
            contenders.append(
                Contender(
                    "pouch_memory" if in_memory else "pouch_leveldb",
                    functools.partial(run_pouch, in_memory, documents, clients, batch),
                    may_fail=True,
                )
            )
    engines = available_engines()
    if "postgres" in engines:
        contenders.append(
            Contender("floor", functools.partial(run_floor, documents, clients, batch), True)
        )
        # What PostgreSQL alone takes of motcua's statements (bench/write_ceiling.py):
        # no server can go past it on the same cores.
        contenders.append(
            Contender("ceiling", functools.partial(run_ceiling, documents, clients, batch), True)
        )
    # One process each is the like-for-like row (pouchdb-server runs its JavaScript on
    # one core); two processes on either engine show what the same 2 cores give motcua
    # (`motcua serve --processes 2`; here two servers on ports of their own, the
    # clients spread over them).
    configs = [(e, 1) for e in engines] + [(e, 2) for e in engines]
    for engine, processes in configs:
        contenders.append(
            Contender(
                f"{engine}_{processes}",
                functools.partial(run_motcua, engine, documents, clients, batch, processes),
            )
        )
    # The pairs of the two targets back to back: the peer on disk and SQLite, the floor
    # and one PostgreSQL process.
    contenders.sort(key=lambda c: BACK_TO_BACK.index(c.key))
    for k in range(rounds):
        # Every other round in the reverse order, so that a drift of the machine over a
        # round does not always fall on the same side of a pair.
        for contender in contenders if k % 2 == 0 else contenders[::-1]:
            print(f"  pouchdb_compare: round {k + 1}/{rounds}, {contender.key} …", flush=True)
            try:
                result = await contender.start()
            except Exception as exc:
                if not contender.may_fail:
                    raise
                report.note(f"{contender.key} failed in round {k + 1}: {exc}")
                continue
            contender.runs.append({**result, "round": k})
    ran = [c for c in contenders if c.runs]
    others = [c for c in ran if c.may_fail]
    ours = [c for c in ran if not c.may_fail]
    table = report.table(
        f"{documents:,} birth drafts, {clients} concurrent clients, batches of {batch}; "
        f"{rounds} alternating round(s), the median round shown",
        [
            "server",
            "documents/s",
            "each round",
            "batch p50 ms",
            "batch p95 ms",
            "peak RSS MiB",
            "check",
        ],
    )
    for c in others + ours:
        median = c.median_run()
        s = median["stats"]
        table.add(
            median["label"],
            s.rate,
            " / ".join(f"{r['stats'].rate:,.0f}" for r in c.runs),
            ms(percentile(s.latencies, 50)),
            ms(percentile(s.latencies, 95)),
            max(r["peak_mb"] for r in c.runs),
            "; ".join(dict.fromkeys(r["check"] for r in c.runs)),
        )
        for r in c.runs:
            if r["stats"].problems:
                report.note(f"{r['label']}: problems: {summarize_problems(r['stats'])}")
    by_key = {c.key: c for c in ran}
    if others:
        ratios = report.table(
            "ratio: motcua documents/s ÷ the other's documents/s, median of the rounds' ratios",
            ["motcua"] + [c.median_run()["label"] for c in others],
        )
        for c in ours:
            found = [paired_median(c, o, rounds) for o in others]
            ratios.add(c.median_run()["label"], *[nan if r is None else r for r in found])
    parts: list[str] = []
    sqlite, postgres = by_key.get("sqlite_1"), by_key.get("postgres_1")
    sqlite_pair = by_key.get("sqlite_2")
    pair, disk, floor = by_key.get("postgres_2"), by_key.get("pouch_leveldb"), by_key.get("floor")

    def rate(c: Contender) -> str:
        return f"{c.median_run()['stats'].rate:,.0f} docs/s"

    if disk is not None and sqlite is not None:
        # Target 1 of issue #21: the embedded default against the peer on disk.
        ratio = paired_median(sqlite, disk, rounds)
        if ratio is not None:
            report.figures["ratio"] = ratio
            parts.append(
                f"motcua SQLite {rate(sqlite)} vs {disk.median_run()['label']} {rate(disk)}: "
                f"ratio {ratio:.2f} (target ≥ 1: {'reached' if ratio >= 1 else 'not reached'})"
            )
        for key, c in (
            ("ratio_sqlite_2_processes", sqlite_pair),
            ("ratio_postgres", postgres),
            ("ratio_2_processes", pair),
        ):
            value = paired_median(c, disk, rounds) if c is not None else None
            if c is not None and value is not None:
                report.figures[key] = value
                parts.append(f"{c.median_run()['label']} ÷ peer {value:.2f}")
    elif disk is None:
        parts.append("pouchdb-server not run")
    if floor is not None and postgres is not None:
        # Target 2 of issue #21: motcua on PostgreSQL against what its stack carries bare.
        ratio = paired_median(postgres, floor, rounds)
        if ratio is not None:
            report.figures["floor_docs_s"] = floor.median_run()["stats"].rate
            report.figures["ratio_floor"] = ratio
            parts.append(
                f"PostgreSQL {rate(postgres)} ÷ bare stack {rate(floor)} = {ratio:.2f} "
                f"(target ≥ 0.5: {'reached' if ratio >= 0.5 else 'not reached'})"
            )
        if pair is not None and (two := paired_median(pair, floor, rounds)) is not None:
            report.figures["ratio_floor_2_processes"] = two
    ceiling = by_key.get("ceiling")
    if ceiling is not None and floor is not None:
        # How much of target 2's gap is what a draft writes, not the server's work.
        alone = paired_median(ceiling, floor, rounds)
        if alone is not None:
            report.figures["ceiling_docs_s"] = ceiling.median_run()["stats"].rate
            report.figures["ratio_ceiling_floor"] = alone
            parts.append(
                f"PostgreSQL alone with motcua's statements {rate(ceiling)} = {alone:.2f}× the bare stack"
            )
        if postgres is not None and (share := paired_median(postgres, ceiling, rounds)) is not None:
            report.figures["ratio_postgres_ceiling"] = share
    on_sqlite = paired_median(sqlite, floor, rounds) if sqlite and floor else None
    if on_sqlite is not None:
        report.figures["ratio_floor_sqlite"] = on_sqlite
    report.summary = "; ".join(parts) or ", ".join(
        f"{c.median_run()['label']} {rate(c)}" for c in ours
    )
    report.plot(
        "Documents per second, same drafts and clients (the median round)",
        "server",
        "documents/s",
        {
            "documents/s": [
                (
                    c.median_run()["label"].replace("motcua ", "motcua\n"),
                    c.median_run()["stats"].rate,
                )
                for c in others + ours
            ]
        },
        kind="bar",
    )
    report.note(
        "Each round runs every server once, every other round in the reverse order; a ratio is "
        "the median of the rounds' ratios, each taken within one round (the machine's speed drifts "
        "over minutes, and two runs back to back share it)."
    )
    report.note(
        "pouchdb-server stores the JSON as given; motcua validates every field against the khai-sinh "
        "form, normalizes text, and records each (device, seq) outcome for exactly-once replay."
    )
    report.note(
        "The bare stack is the floor of the stack motcua runs on: uvicorn, msgspec decoding the same "
        "envelope, and one asyncpg transaction per batch (the device's sequence row upserted, the "
        "mutations COPYed into a jsonb table, durable commit), with no validation, merge, history, "
        "audit, feed or recorded outcomes."
    )
    report.note(
        "PostgreSQL alone with motcua's statements (bench/write_ceiling.py) is the ceiling of a push "
        "on PostgreSQL: the rows one batch per device stored through the real push, copied with "
        "fresh ids and sent straight to PostgreSQL from one connection per device with the two "
        "statements a push of new drafts sends, one transaction per batch, no server running. A "
        "motcua server shares the same cores with that work, so it can only approach this rate."
    )
    report.note(
        "Durability differs in the peer's favour: LevelDB (leveldown) does not fsync its writes by "
        "default, while motcua commits each batch durably (SQLite WAL with synchronous=FULL, SQLite's "
        "default; PostgreSQL with fsync and synchronous_commit on)."
    )
    return report


if __name__ == "__main__":
    cli(run, __doc__ or "")
