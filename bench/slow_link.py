"""Slow links (issue #8): an outreach official's phone syncs its day over 3G and 2G.

The link is harness/shaped_link.py, a userspace TCP proxy on 127.0.0.1 (`tc
netem` is missing from these kernels): one airtime schedule shared by both
directions, a one-way delay per direction, a round trip per new connection, and on
2G a drop of every open connection every few hundred KB (seeded).

The phone is harness/outreach_day.py, protocol-level: codes reserved at the
office (not over the link), then the day recorded offline — births of the
`khai-sinh-luu-dong` form, each with its reserved code and photos of its papers
(real JPEGs of noise, which do not compress) — synced in one go through the link to
a real `motcua serve` (SQLite): photos by tus, three at a time, resumed after drops;
records as MessagePack pushes beside them, each birth's submit once its photos are
in. Afterwards every dossier is checked on the server, directly: submitted, with its
reserved code.

The clock runs from the first byte of the sync to the last answer. The physical
floor is the payload (photo bytes + the mutations' own MessagePack bytes) divided
by the bandwidth: no protocol could do better on that link. Printed: time, floor,
time ÷ floor against the target (1.25× on 3G, 1.5× on 2G), and the bytes that used
airtime beyond the payload (headers, answers, bytes lost in drops and sent again).

Full: 3G — 50 births, 150 photos of about 250 KB; 2G — 10 births, 10 photos.
`--quick`: 3G 4 births / 8 photos of 60 KB, 2G 2 births / 5 photos of 60 KB (one drop).

`python -m bench.slow_link [--quick]`."""

from __future__ import annotations

import httpx

from bench.common import Report, cli
from bench.servers import motcua
from harness.outreach_day import DayResult, OutreachDevice, record_day
from harness.shaped_link import EDGE_2G, UMTS_3G, LinkProfile, LinkStats, ShapedLink

TARGETS = {"3G": 1.25, "2G": 1.5}
FULL = [(UMTS_3G, 50, 150, 250_000), (EDGE_2G, 10, 10, 250_000)]
QUICK = [(UMTS_3G, 4, 8, 60_000), (EDGE_2G, 2, 5, 60_000)]  # 2G: enough bytes for a drop


async def check_on_server(base_url: str, credential: str, day) -> list[str]:
    """What is wrong with the day as the server holds it (empty when all is well)."""
    problems = []
    async with httpx.AsyncClient(
        base_url=base_url, timeout=60, headers={"Authorization": f"Device {credential}"}
    ) as http:
        views: dict[str, dict] = {}
        cursor = None
        for _ in range(200):
            r = await http.get("/api/sync/pull", params={"cursor": cursor} if cursor else {})
            r.raise_for_status()
            body = r.json()
            views.update({v["id"]: v for v in body["dossiers"]})
            cursor = body["cursor"]
            if not body["more"] and not body.get("pending"):
                break
        for birth in day:
            view = views.get(str(birth.dossier_id))
            if view is None:
                problems.append(f"{birth.dossier_id} missing")
            elif view["state"] != 1 or view["code"] != birth.code:
                problems.append(
                    f"{birth.dossier_id}: state {view['state']}, code {view['code']} (reserved {birth.code})"
                )
        hashes = [p.sha256 for b in day for p in b.photos]
        r = await http.post("/api/blobs/missing", json={"hashes": hashes})
        r.raise_for_status()
        if r.json()["missing"]:
            problems.append(f"{len(r.json()['missing'])} photos not stored")
    return problems


async def one_day(
    profile: LinkProfile, births: int, photos: int, photo_bytes: int, seed: int = 8
) -> tuple[DayResult, LinkStats, list[str]]:
    with motcua("sqlite") as cluster:
        server = cluster.servers[0]
        [phone] = await server.devices(1, role="outreach", commune="00070")
        device = OutreachDevice(phone.base_url, phone.credential, phone.device_id)
        codes = await device.reserve(births)
        day = record_day(codes, births, photos, photo_bytes, seed=seed)
        async with ShapedLink(profile, server.port, seed=seed) as link:
            result = await device.sync(day, link.url)
        problems = await check_on_server(phone.base_url, phone.credential, day)
        refused = [o for o in result.outcomes.values() if o["status"] != "applied"]
        if refused:
            problems.append(f"{len(refused)} mutations not applied, e.g. {refused[0]}")
        return result, link.stats, problems


def mb(n: float) -> float:
    return n / 1_000_000


async def run(quick: bool = False) -> Report:
    report = Report("slow_link", "Slow links: an outreach day synced over 3G and 2G")
    table = report.table(
        "the day's sync through the shaped link to motcua serve (SQLite), against the physical floor",
        [
            "link",
            "births",
            "photos",
            "payload MB",
            "seconds",
            "floor s",
            "time/floor",
            "target",
            "link MB",
            "overhead",
            "drops",
            "upload resumes",
            "other retries",
            "requests",
            "correct",
        ],
    )
    summary = []
    bars: dict[str, list[tuple[str, float]]] = {"physical floor": [], "this sync": []}
    for profile, births, photos, photo_bytes in QUICK if quick else FULL:
        print(f"  slow_link: {profile.describe()}, {births} births, {photos} photos …", flush=True)
        result, stats, problems = await one_day(profile, births, photos, photo_bytes)
        floor = result.payload_bytes / profile.bytes_per_second
        ratio = result.seconds / floor
        target = TARGETS[profile.name]
        overhead = stats.total - result.payload_bytes
        table.add(
            profile.describe(),
            births,
            photos,
            mb(result.payload_bytes),
            result.seconds,
            floor,
            ratio,
            f"≤ {target}× {'reached' if ratio <= target else 'not reached'}",
            mb(stats.total),
            f"{overhead / 1000:,.0f} KB = {100 * overhead / result.payload_bytes:.1f}%",
            stats.cuts,
            result.upload_resumes,
            result.retries,
            result.upload_requests + result.pushes,
            "yes" if not problems else "NO",
        )
        for problem in problems[:5]:
            report.note(f"{profile.name}: {problem}")
        report.figures[f"{profile.name}_ratio"] = ratio
        report.figures[f"{profile.name}_overhead"] = overhead / result.payload_bytes
        summary.append(
            f"{profile.name} {result.seconds:.0f} s = {ratio:.2f}× floor (target {target}×), "
            f"overhead {100 * overhead / result.payload_bytes:.1f}%, {stats.cuts} drops"
        )
        every = max(
            1, len(stats.timeline) // 300
        )  # a few hundred points are enough to see the shape
        report.plot(
            f"{profile.name}: bytes on the link during the sync",
            "seconds",
            "MB on the air (both ways)",
            {
                "this sync": [(t, mb(up + down)) for t, up, down in stats.timeline[::every]],
                "the link at full bandwidth": [
                    (0.0, 0.0),
                    (result.seconds, mb(profile.bytes_per_second * result.seconds)),
                ],
            },
        )
        bars["physical floor"].append((profile.name, floor))
        bars["this sync"].append((profile.name, result.seconds))
    report.plot("time against the physical floor", "link", "seconds", bars, kind="bar")
    report.note(
        "Payload = photo bytes + each mutation's MessagePack once; overhead = every byte that used "
        "airtime (both directions, HTTP headers and answers, bytes lost in drops) − payload. "
        "TCP/IP headers are not counted."
    )
    report.note(
        "Codes are reserved and the device registered over loopback before the day: the field link "
        "carries only the sync."
    )
    if quick:
        report.note(
            "Quick counts: the floor is a few seconds, so the fixed round trips (new connections, the "
            "missing-files question, the last submit after the last photo) weigh far more than in a day."
        )
    report.summary = "; ".join(summary)
    return report


if __name__ == "__main__":
    cli(run, __doc__ or "")
