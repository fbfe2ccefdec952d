"""Push throughput: concurrent devices push realistic birth-draft batches.

Each device (8 by default, one account each, signed in over HTTP) pushes its share of
10,000 mutations in batches of 50, one batch after another; the devices run side by
side. The mutations follow the create_draft (20 fields) → attach → edit_draft rhythm
of harness/sync_client.py, so every one is validated against the khai-sinh
form, merged field by field, recorded with its (device, seq) outcome and published to
the change feed — the full exactly-once path. Bodies are encoded before the clock
starts; the client runs on the same machine and shares its cores with the server
(and PostgreSQL).

Reported per configuration: mutations/s over the whole run, p50/p95/max per batch,
the server's peak RSS during the run (VmHWM, reset just before the timed phase) and
a replay of the last batch, which must return the recorded outcomes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from bench.common import Report, cli, ms, percentile
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
from bench.servers import available_engines, motcua
from bench.workload import chunks, draft_mutations

TARGET_PG = 1000  # mutations/s on PostgreSQL


def split(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if k < total % parts else 0) for k in range(parts)]


async def push_workload(
    phones: list[Device],
    mutations: int,
    batch: int,
    content_type: str = JSON,
    deadline: float = 60,
    before_timed: Callable[[], None] = lambda: None,
) -> Stats:
    """The devices push their share of `mutations` side by side, after an untimed
    warm-up; `before_timed` runs just before the clock starts. Shared with
    bench/multi_host.py, which runs it through nginx."""
    # Warm-up, untimed: the first request of a process loads the form schema,
    # the commune list and the connection pool.
    await asyncio.gather(
        *[push_once(d, draft_mutations(d, 9000 + k, 3)) for k, d in enumerate(phones)]
    )
    jobs = []
    start = 0
    for phone, count in zip(phones, split(mutations, len(phones)), strict=True):
        planned = draft_mutations(phone, start, count)
        start += count // 3 + 1
        batches = list(chunks(planned, batch))
        jobs.append(
            push_job(
                phone,
                [(encode(phone.envelope(b), content_type), len(b)) for b in batches],
                content_type,
            )
        )
    before_timed()
    return await run_clients(jobs, deadline)


async def measure(
    engine: str,
    processes: int,
    mutations: int,
    devices: int,
    batch: int,
    content_type: str = JSON,
    deadline: float = 60,
) -> dict:
    with motcua(engine, processes) as cluster:
        phones = await cluster.devices(devices)
        stats = await push_workload(
            phones, mutations, batch, content_type, deadline, cluster.reset_peak
        )
        peak, rss = cluster.peak_rss_mb(), cluster.rss_mb()
        first = phones[0]
        replay = await replay_check(
            first, stats.last_answer.get(str(first.device_id)), content_type
        )
        return {
            "label": cluster.label,
            "engine": engine,
            "processes": processes,
            "stats": stats,
            "peak_mb": peak,
            "rss_mb": rss,
            "replay": replay,
        }


async def run(
    quick: bool = False, mutations: int = 10_000, devices: int = 8, batch: int = 50
) -> Report:
    if quick:
        mutations = 600
    report = Report("push_throughput", "Push throughput (birth drafts, batches of 50)")
    engines = available_engines()
    configs = [("sqlite", 1)] + (
        [("postgres", 1), ("postgres", 2)] if "postgres" in engines else []
    )
    table = report.table(
        f"{mutations:,} mutations, {devices} devices pushing at once, {batch} mutations per batch (JSON)",
        [
            "server",
            "mutations",
            "seconds",
            "mutations/s",
            "batch p50 ms",
            "batch p95 ms",
            "batch max ms",
            "applied",
            "not applied",
            "server peak RSS MiB",
            "replay = recorded",
        ],
    )
    results = []
    for engine, processes in configs:
        print(f"  push_throughput: {engine} ×{processes} …", flush=True)
        r = await measure(engine, processes, mutations, devices, batch)
        s = r["stats"]
        results.append(r)
        not_applied = sum(n for k, n in s.statuses.items() if k != "applied")
        table.add(
            r["label"],
            s.items,
            s.seconds,
            s.rate,
            ms(percentile(s.latencies, 50)),
            ms(percentile(s.latencies, 95)),
            ms(max(s.latencies, default=float("nan"))),
            s.statuses.get("applied", 0),
            not_applied,
            r["peak_mb"],
            "yes" if r["replay"] else "NO",
        )
        if s.problems:
            report.note(f"{r['label']}: problems: {summarize_problems(s)}")
        report.figures[f"{engine}x{processes}"] = s.rate
    report.note(
        "Every mutation is validated, merged and recorded with its (device, seq) outcome in the "
        "same transaction; the client shares the machine's cores with the server and the database."
    )
    report.note(
        "Peak RSS is VmHWM of the server process(es), reset just before the timed phase "
        "(PostgreSQL's own processes are not counted)."
    )
    report.plot(
        "Push throughput",
        "server",
        "mutations/s",
        {"mutations/s": [(r["label"], r["stats"].rate) for r in results]},
        kind="bar",
    )
    report.plot(
        "Time per batch of 50",
        "server",
        "ms",
        {
            "p50": [(r["label"], ms(percentile(r["stats"].latencies, 50))) for r in results],
            "p95": [(r["label"], ms(percentile(r["stats"].latencies, 95))) for r in results],
        },
        kind="bar",
    )
    pg = next((r for r in results if r["engine"] == "postgres" and r["processes"] == 1), None)
    lite = results[0]
    parts = [f"SQLite {lite['stats'].rate:,.0f} mutations/s"]
    if pg:
        best = max((r for r in results if r["engine"] == "postgres"), key=lambda r: r["stats"].rate)
        verdict = "reached" if best["stats"].rate >= TARGET_PG else "not reached"
        parts.append(
            f"PostgreSQL {pg['stats'].rate:,.0f} mutations/s (1 process), "
            f"{best['stats'].rate:,.0f} best ({best['label']}); target ≥{TARGET_PG:,}/s {verdict}"
        )
    else:
        parts.append("PostgreSQL not run")
    report.summary = "; ".join(parts)
    return report


if __name__ == "__main__":
    cli(run, __doc__ or "")
