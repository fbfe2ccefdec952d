"""Reference payloads: how big the communes list and the catalog are, raw and gzipped,
and what a conditional GET (If-None-Match → 304) saves in time.

A phone on 2G fetches reference data once and then only revalidates it; these are
the figures for that. Sizes are the bodies the server sent, without and with
`Accept-Encoding: gzip` (its middleware, level 6). Latencies are sequential requests
from one client over one keep-alive connection: full answers (gzip, then identity)
and revalidations with the ETag just received, on SQLite and PostgreSQL."""

from __future__ import annotations

import time

import httpx

from bench.common import Report, cli, ms, percentile
from bench.servers import available_engines, motcua

ENDPOINTS = ["/api/communes", "/api/catalog", "/api/catalog/khai-sinh"]
TARGET_COMMUNES_GZIP = 60 * 1024


async def timings(
    http: httpx.AsyncClient, path: str, headers: dict[str, str], n: int, status: int
) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        r = await http.get(path, headers=headers)
        out.append(time.perf_counter() - t0)
        if r.status_code != status:
            raise RuntimeError(f"GET {path} {headers} answered {r.status_code}, expected {status}")
    return out


async def run(quick: bool = False, requests: int = 50) -> Report:
    if quick:
        requests = 10
    report = Report("reference_payloads", "Reference payloads: sizes and conditional GET")
    sizes = report.table(
        "body sizes as served",
        ["endpoint", "raw KB", "gzip KB", "gzip / raw", "ETag", "If-None-Match →"],
    )
    latency = report.table(
        f"latency, {requests} sequential requests each (ms)",
        [
            "server",
            "endpoint",
            "full gzip p50",
            "full gzip p95",
            "full raw p50",
            "full raw p95",
            "304 p50",
            "304 p95",
            "full gzip ÷ 304",
        ],
    )
    communes_gzip = None
    full_vs_304: list[str] = []
    for n_engine, engine in enumerate(available_engines()):
        print(f"  reference_payloads: {engine} …", flush=True)
        with motcua(engine) as cluster:
            base = cluster.servers[0].base_url
            async with httpx.AsyncClient(base_url=base, timeout=60) as http:
                for path in ENDPOINTS:
                    raw = await http.get(path, headers={"Accept-Encoding": "identity"})
                    zipped = await http.get(path, headers={"Accept-Encoding": "gzip"})
                    if raw.status_code != 200 or zipped.status_code != 200:
                        raise RuntimeError(
                            f"GET {path} answered {raw.status_code}/{zipped.status_code}"
                        )
                    etag = zipped.headers.get("etag")
                    cond = await http.get(
                        path, headers={"Accept-Encoding": "gzip", "If-None-Match": etag or '""'}
                    )
                    if n_engine == 0:
                        encoded = zipped.headers.get("content-encoding") == "gzip"
                        wire = zipped.num_bytes_downloaded if encoded else len(zipped.content)
                        sizes.add(
                            path,
                            len(raw.content) / 1024,
                            wire / 1024 if encoded else None,
                            wire / len(raw.content) if encoded else None,
                            etag or "none",
                            f"{cond.status_code} ({cond.num_bytes_downloaded} B)",
                        )
                        if path == "/api/communes":
                            communes_gzip = wire if encoded else None
                    full_gz = await timings(http, path, {"Accept-Encoding": "gzip"}, requests, 200)
                    full_raw = await timings(
                        http, path, {"Accept-Encoding": "identity"}, requests, 200
                    )
                    if etag:
                        revalidate = await timings(
                            http,
                            path,
                            {"Accept-Encoding": "gzip", "If-None-Match": etag},
                            requests,
                            304,
                        )
                    else:
                        revalidate = []
                    p50_full, p50_304 = percentile(full_gz, 50), percentile(revalidate, 50)
                    latency.add(
                        cluster.label,
                        path,
                        ms(p50_full),
                        ms(percentile(full_gz, 95)),
                        ms(percentile(full_raw, 50)),
                        ms(percentile(full_raw, 95)),
                        ms(p50_304),
                        ms(percentile(revalidate, 95)),
                        p50_full / p50_304,
                    )
                    if path == "/api/communes":
                        full_vs_304.append(
                            f"{cluster.label} 304 {ms(p50_304):.1f} ms vs full {ms(p50_full):.1f} ms"
                        )
    if communes_gzip is None:
        verdict = "not gzip-encoded by the server"
    else:
        verdict = (
            f"{communes_gzip / 1024:.1f} KB gzipped "
            f"(target < 60 KB: {'met' if communes_gzip < TARGET_COMMUNES_GZIP else 'not met'})"
        )
    report.summary = f"communes {verdict}; " + "; ".join(full_vs_304)
    report.figures["communes_gzip"] = communes_gzip
    report.note(
        "Client and server share the machine; the loopback has no 2G latency, so the saving a "
        "phone sees from 304 is mostly the bytes not sent (the gzip KB column)."
    )
    return report


if __name__ == "__main__":
    cli(run, __doc__ or "")
