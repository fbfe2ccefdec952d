"""Pull latency: a device catches up on 1,000 changed dossiers.

Four devices of one account push 1,000 birth dossiers, each created, given its birth
certificate and submitted (a state change that assigns a dossier code). Another
device of the same account, new and with no cursor, then pulls everything visible
to it — all 1,000 dossiers, each as its whole current view — page by page until the
server says there is no more. That full catch-up is repeated for pages of 200 and
500, in JSON and in MessagePack, on SQLite and PostgreSQL.

Reported: time for the whole catch-up (median of the repeats), p50/p95 per page,
average page size, dossiers per second."""

from __future__ import annotations

import asyncio
import time

import httpx

from bench.common import Report, cli, ms, percentile
from bench.devices import Device
from bench.load import JSON, MSGPACK, decode, encode
from bench.servers import available_engines, motcua
from bench.workload import chunks, submitted_dossier

PUSHERS = 4  # devices of the same account that create the dossiers, at once


async def setup(pushers: list[Device], count: int) -> float:
    """`count` submitted dossiers, pushed by several devices of the account at once."""
    started = time.perf_counter()

    async def one(pusher: Device, indexes: range) -> None:
        mutations = []
        for i in indexes:
            mutations += submitted_dossier(pusher, i)[1]
        async with pusher.client() as http:
            for batch in chunks(mutations, 99):
                r = await http.post(
                    "/api/sync/push",
                    content=encode(pusher.envelope(batch)),
                    headers={"Content-Type": JSON},
                )
                answer = r.json()
                bad = [o for o in answer["outcomes"] if o["status"] != "applied"]
                if r.status_code != 200 or bad or len(answer["outcomes"]) != len(batch):
                    raise RuntimeError(
                        f"setup push failed: {r.status_code} {bad[:1] or r.text[:300]}"
                    )

    n = len(pushers)
    await asyncio.gather(*[one(p, range(k, count, n)) for k, p in enumerate(pushers)])
    return time.perf_counter() - started


async def catch_up(http: httpx.AsyncClient, limit: int, content_type: str) -> dict:
    # Accept names the answer's encoding; servers before it read Content-Type.
    headers = {"Accept": MSGPACK, "Content-Type": MSGPACK} if content_type == MSGPACK else {}
    pages, sizes, seen = [], [], set()
    cursor, waits = None, 0
    started = time.perf_counter()
    while True:
        params: dict = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        t0 = time.perf_counter()
        r = await http.get("/api/sync/pull", params=params, headers=headers)
        pages.append(time.perf_counter() - t0)
        if r.status_code != 200:
            raise RuntimeError(f"pull answered {r.status_code}: {r.text[:300]}")
        sizes.append(len(r.content))
        body = decode(r.content, content_type)
        seen.update(str(v["id"]) for v in body["dossiers"])
        cursor = body["cursor"]
        if body.get("pending") and waits < 50:
            waits += 1  # an older transaction is still open: the server asks to come back
            await asyncio.sleep(0.05)
            continue
        if not body["more"]:
            break
    return {
        "seconds": time.perf_counter() - started,
        "pages": pages,
        "sizes": sizes,
        "dossiers": len(seen),
    }


async def run(quick: bool = False, dossiers: int = 1000, repeats: int = 5) -> Report:
    if quick:
        dossiers, repeats = 200, 2
    report = Report("pull_latency", f"Pull latency: catching up on {dossiers:,} changed dossiers")
    table = report.table(
        f"a new device pulls all {dossiers:,} dossiers (each created, attached, submitted); {repeats} catch-ups each",
        [
            "server",
            "page",
            "encoding",
            "pages",
            "catch-up ms p50",
            "page p50 ms",
            "page p95 ms",
            "KB per page",
            "dossiers/s",
            "complete",
        ],
    )
    setup_rows = []
    best: dict[str, float] = {}
    for engine in available_engines():
        print(f"  pull_latency: {engine} …", flush=True)
        with motcua(engine) as cluster:
            *pushers, puller = await cluster.devices(PUSHERS + 1, per_account=PUSHERS + 1)
            setup_seconds = await setup(pushers, dossiers)
            setup_rows.append((cluster.label, setup_seconds))
            async with puller.client() as http:
                await catch_up(http, 200, JSON)  # warm-up, untimed
                for limit in (200, 500):
                    for content_type, name in ((JSON, "JSON"), (MSGPACK, "MessagePack")):
                        runs = [await catch_up(http, limit, content_type) for _ in range(repeats)]
                        pages = [p for r in runs for p in r["pages"]]
                        sizes = [s for r in runs for s in r["sizes"]]
                        catch_ups = [r["seconds"] for r in runs]
                        complete = all(r["dossiers"] == dossiers for r in runs)
                        p50 = percentile(catch_ups, 50)
                        table.add(
                            cluster.label,
                            limit,
                            name,
                            len(runs[0]["pages"]),
                            ms(p50),
                            ms(percentile(pages, 50)),
                            ms(percentile(pages, 95)),
                            sum(sizes) / len(sizes) / 1024,
                            dossiers / p50,
                            "yes" if complete else f"NO ({runs[0]['dossiers']})",
                        )
                        key = cluster.label
                        best[key] = min(best.get(key, float("inf")), p50)
    setup_table = report.table(
        f"setup (untimed above): {PUSHERS} devices push the dossiers, 3 mutations each, "
        "batches of 99",
        ["server", "mutations", "seconds", "mutations/s"],
    )
    for label, seconds in setup_rows:
        setup_table.add(label, dossiers * 3, seconds, dossiers * 3 / seconds)
    report.summary = "; ".join(
        f"{label}: all {dossiers:,} dossiers in {ms(s):,.0f} ms (best p50)"
        for label, s in best.items()
    )
    report.note(
        "Each page answers with the dossiers' whole current views (fields, state, code, dates, "
        "conflicts, messages); the last page is partial."
    )
    report.figures.update(best)
    return report


if __name__ == "__main__":
    cli(run, __doc__ or "")
