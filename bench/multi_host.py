"""Several hosts behind nginx (deploy/nginx/motcua.conf, as the tests run it): every
`motcua serve` process on one PostgreSQL database, nginx balancing round robin.

- Uploads across hosts: devices upload files of 3+ tus chunks (256 KiB, the default)
  through nginx, so a file's chunks land on different hosts; blobs go to moto's S3
  server. Reported: the share that ended whole (target 100%), how often consecutive
  chunks of one upload went to another host, the refusals.
- Push throughput of 1, 2 and 3 hosts behind nginx, with bench/push_throughput.py's
  workload (birth drafts, 8 devices, batches of 50), and the ratio to 1 host; and one
  host without nginx, for what nginx itself costs.

On a machine with few cores every host, PostgreSQL, nginx and the client share them:
the ratios say what more processes give on this machine, not on separate hosts."""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from bench.common import Report, cli, ms, percentile
from bench.devices import Device
from bench.push_throughput import measure, push_workload
from bench.servers import (
    BenchSetupError,
    Database,
    Server,
    available_engines,
    free_port,
    scratch_dir,
    sign_in_device,
)
from harness import samples
from harness.nginx import Nginx, nginx_problem
from harness.s3_server import S3Server
from harness.tus_client import TusClient

CHUNK = 256 * 1024
BROKE = (502, 504)


@dataclass
class Behind:
    """Hosts on one fresh database, and nginx in front of them."""

    database: Database
    servers: list[Server]
    nginx: Nginx

    async def devices(self, count: int) -> list[Device]:
        emails = self.database.insert_accounts(count)
        return list(await asyncio.gather(*(sign_in_device(self.nginx.url, e) for e in emails)))


@asynccontextmanager
async def behind_nginx(hosts: int, env: dict[str, str] | None = None) -> AsyncIterator[Behind]:
    database = Database.fresh("postgres")
    # Each host its own data directory, as on separate machines (partial uploads wait there).
    servers = [
        Server(
            database,
            port=free_port(),
            extra_env={**(env or {}), "MOTCUA_DATA_DIR": str(scratch_dir(f"host{i}"))},
        )
        for i in range(hosts)
    ]
    nginx = Nginx(scratch_dir("nginx"), [s.port for s in servers])
    try:
        for server in servers:
            server.start()
        nginx.start()
        await nginx.wait_ready()
        yield Behind(database, servers, nginx)
    finally:
        nginx.stop()
        for server in servers:
            server.stop()
        database.drop()


async def uploads_across_hosts(files: int, parallel: int) -> dict:
    s3 = S3Server().start()
    try:
        async with behind_nginx(3, s3.bucket_env()) as deployed:
            devices = await deployed.devices(parallel)
            outcomes: Counter = Counter()
            resumes = 0
            sent = 0
            urls: list[str] = []
            queue = list(range(files))

            async def one_device(device: Device) -> None:
                nonlocal resumes, sent
                async with device.client() as http:
                    client = TusClient(http, device.auth, chunk_size=CHUNK, resume_on=BROKE)
                    while queue:
                        k = queue.pop()
                        data = samples.pdf(size=3 * CHUNK + 1000 * k, seed=1000 + k)
                        report = await client.upload(data, filename=f"giấy {k}.pdf")
                        resumes += report.resumes
                        sent += len(data)
                        if report.url:
                            urls.append(report.url)
                        if not report.ok:
                            code = (report.problem or {}).get("code") or (report.problem or {}).get(
                                "type", ""
                            )
                            outcomes[f"HTTP {report.status} {code}".strip()] += 1
                            continue
                        r = await http.get(f"/api/blobs/{hashlib.sha256(data).hexdigest()}")
                        whole = hashlib.sha256(r.content).hexdigest() == samples.sha(data)
                        outcomes["whole" if r.status_code == 200 and whole else "stored wrong"] += 1

            started = time.perf_counter()
            await asyncio.gather(*(one_device(d) for d in devices))
            seconds = time.perf_counter() - started
            await asyncio.sleep(0.1)  # nginx writes its log line after the answer
            switches = chunks = 0
            lines = deployed.nginx.access()
            for url in urls:
                hosts = [
                    line.upstream
                    for line in lines
                    if line.method == "PATCH" and url.endswith(line.path)
                ]
                chunks += max(len(hosts) - 1, 0)
                switches += sum(a != b for a, b in itertools.pairwise(hosts))
            return {
                "files": files,
                "outcomes": outcomes,
                "resumes": resumes,
                "seconds": seconds,
                "megabytes": sent / 1e6,
                "switch share": switches / chunks if chunks else float("nan"),
            }
    finally:
        s3.stop()


async def push_behind_nginx(hosts: int, mutations: int, devices: int, batch: int) -> dict:
    async with behind_nginx(hosts) as deployed:
        phones = await deployed.devices(devices)
        stats = await push_workload(phones, mutations, batch)
        spread = Counter(
            line.upstream for line in deployed.nginx.access() if line.path == "/api/sync/push"
        )
        return {"stats": stats, "spread": sorted(spread.values(), reverse=True)}


async def run(
    quick: bool = False, files: int = 30, mutations: int = 10_000, devices: int = 8, batch: int = 50
) -> Report:
    if quick:
        files, mutations = 6, 600
    report = Report("multi_host", "Several hosts behind nginx")
    problem = nginx_problem()
    if problem:
        raise BenchSetupError(problem)
    if "postgres" not in available_engines():
        raise BenchSetupError("several hosts need PostgreSQL")

    print(f"  multi_host: {files} uploads across 3 hosts …", flush=True)
    up = await uploads_across_hosts(files, parallel=3)
    whole = up["outcomes"].get("whole", 0)
    table = report.table(
        f"{files} uploads of 3–4 chunks of 256 KiB, 3 devices at once, 3 hosts behind nginx, blobs in S3 (moto)",
        [
            "uploads",
            "ended whole",
            "success",
            "chunks on another host than the one before",
            "resumes",
            "seconds",
            "MB/s",
            "other outcomes",
        ],
    )
    table.add(
        files,
        whole,
        f"{100 * whole / files:.0f}%",
        f"{100 * up['switch share']:.0f}%",
        up["resumes"],
        up["seconds"],
        up["megabytes"] / up["seconds"],
        "; ".join(f"{n}× {k}" for k, n in up["outcomes"].items() if k != "whole") or "none",
    )
    report.figures["upload success"] = whole / files

    rates: dict[int, float] = {}
    pushes = report.table(
        f"push throughput: {mutations:,} mutations, {devices} devices, batches of {batch} (JSON)",
        [
            "hosts",
            "mutations/s",
            "ratio to 1 host",
            "batch p50 ms",
            "batch p95 ms",
            "pushes per host",
            "problems",
        ],
    )
    for hosts in (1, 2, 3):
        print(f"  multi_host: push through nginx, {hosts} host(s) …", flush=True)
        r = await push_behind_nginx(hosts, mutations, devices, batch)
        s = r["stats"]
        rates[hosts] = s.rate
        pushes.add(
            f"{hosts} behind nginx",
            s.rate,
            f"{s.rate / rates[1]:.2f}",
            ms(percentile(s.latencies, 50)),
            ms(percentile(s.latencies, 95)),
            " / ".join(str(n) for n in r["spread"]),
            sum(s.problems.values()),
        )
        report.figures[f"push {hosts} hosts"] = s.rate
    print("  multi_host: push, 1 host without nginx …", flush=True)
    direct = (await measure("postgres", 1, mutations, devices, batch))["stats"]
    pushes.add(
        "1 without nginx",
        direct.rate,
        f"{direct.rate / rates[1]:.2f}",
        ms(percentile(direct.latencies, 50)),
        ms(percentile(direct.latencies, 95)),
        "",
        sum(direct.problems.values()),
    )
    report.plot(
        "Push throughput behind nginx",
        "hosts",
        "mutations/s",
        {"mutations/s": [(f"{h}", rate) for h, rate in rates.items()]},
        kind="bar",
    )
    report.note(
        "Each 'host' is one `motcua serve` process on this machine; every process, PostgreSQL, "
        "nginx and the client share its cores, so the ratios are a floor for separate hosts."
    )
    report.summary = (
        f"uploads across hosts {100 * whole / files:.0f}% whole; push "
        + ", ".join(f"{h} host{'s' if h > 1 else ''} {rate:,.0f}/s" for h, rate in rates.items())
        + f" (×{rates[3] / rates[1]:.2f} for 3); 1 host without nginx {direct.rate:,.0f}/s"
    )
    return report


if __name__ == "__main__":
    cli(run, __doc__ or "")
