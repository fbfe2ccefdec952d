"""Slow links, the real app (issue #8): the built PWA (pwa/dist, served by `motcua
serve` on SQLite) in Chromium (/usr/bin/chromium, Playwright), an outreach official's
session: installed and signed in at full speed, codes reserved, then offline births
registered through the UI with photos of their papers (the app shrinks each to
≤ 1600 px and ~300 KB, as on a phone), then back online on a slow link: the app
starts syncing by itself (the official taps "Đồng bộ tất cả" whenever the button is
free and something is pending; the taps are counted), and the clock runs from going
online until every birth is submitted on the server with its code and the app
shows nothing pending.

The slow link, two ways:
- "shaped link": every byte between Chromium and the server crosses
  harness/shaped_link.py (the same proxy as bench/slow_link.py), switched from
  loopback speed to the profile just before going online — the service worker's
  and the page's requests alike;
- "Chromium emulation": CDP `Network.emulateNetworkConditions` on the page (latency,
  upload and download throughput; Chromium's model has separate up and down rates
  and no drops), the proxy left at loopback speed only to count bytes.

Floor = the photo bytes the app uploaded (read from the server) ÷ bandwidth; the
records (JSON pushes) count as overhead here. Smaller counts than the protocol
benchmark: each birth is typed into the form by Playwright, which takes seconds.

`python -m bench.slow_link_app [--quick]`."""

from __future__ import annotations

import asyncio
import io
import json
import random
import re
import sqlite3
import time
from pathlib import Path

from bench.common import Report, cli
from bench.servers import PASSWORD, motcua
from harness.shaped_link import EDGE_2G, LOOPBACK, UMTS_3G, LinkProfile, ShapedLink

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TARGETS = {"3G": 1.25, "2G": 1.5}
EXTRA_SLOTS = ("attachments.id_card", "attachments.marriage_certificate")
CHILDREN = [
    ("Lò Thị Hoa", "014195012345"),
    ("Lò Văn Nam", "014195067890"),
    ("Quàng Thị Lan", "014195011111"),
    ("Cầm Văn Tú", "014195022222"),
    ("Lường Thị Mai", "014195033333"),
    ("Hà Văn Sơn", "014195044444"),
    ("Tòng Thị Thu", "014195055555"),
    ("Vì Văn Khoa", "014195066666"),
    ("Lò Thị Ngọc", "014195077777"),
    ("Điêu Văn Hùng", "014195088888"),
]
# (label, profile, emulate with CDP?, births, photos per birth: the drawn form of
# tests/e2e, which the app shrinks to ~25 KB, then camera photos of ~250–300 KB)
FULL = [
    ("shaped link", UMTS_3G, False, 10, 3),
    ("Chromium emulation", UMTS_3G, True, 10, 3),
    ("shaped link", EDGE_2G, False, 3, 2),
]
QUICK = [("shaped link", UMTS_3G, False, 2, 1)]


def camera_photo(seed: int) -> bytes:
    """A 2000×1500 photo of a paper: light grain over a page, as a phone takes it —
    the app must shrink it (to ≤ 1600 px, ~300 KB)."""
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    grain = Image.frombytes("L", (2000, 1500), rng.randbytes(2000 * 1500)).convert("RGB")
    page = Image.new("RGB", (2000, 1500), (235, 232, 220))
    draw = ImageDraw.Draw(page)
    for y in range(120, 1400, 55):
        draw.line([(140, y), (1860, y)], fill=(40, 40, 90), width=5)
    out = io.BytesIO()
    Image.blend(page, grain, 0.25).save(out, "JPEG", quality=92)
    return out.getvalue()


def server_state(db_path: str) -> tuple[int, int]:
    """(submitted dossiers, bytes of their attached photos) as the server holds them."""
    with sqlite3.connect(db_path) as db:
        rows = db.execute("SELECT fields FROM dossier WHERE state = 1").fetchall()
        hashes = {
            h
            for (fields,) in rows
            for k, v in json.loads(fields).items()
            if k.startswith("attachments.") and isinstance(v, list)
            for h in v
        }
        size = sum(
            db.execute("SELECT size FROM blob WHERE sha256 = ?", (h,)).fetchone()[0] for h in hashes
        )
    return len(rows), size


def upload_requests(log: str) -> dict[str, int]:
    """How many tus requests the server answered, by method and status (its access log:
    one JSON object a line, with the message "METHOD route status")."""
    counts: dict[str, int] = {}
    for method, status in re.findall(r'"message":"(POST|HEAD|PATCH) /api/uploads\S* (\d{3})"', log):
        counts[f"{method} {status}"] = counts.get(f"{method} {status}", 0) + 1
    return dict(sorted(counts.items()))


async def session(
    label: str, profile: LinkProfile, emulate: bool, births: int, per_birth: int
) -> dict:
    from playwright.async_api import async_playwright, expect

    from harness.app_pages import CODE_SHOWN, fill_outreach_birth, install_app, page_today, sign_in

    with motcua("sqlite") as cluster:
        server = cluster.servers[0]
        [email] = cluster.database.insert_accounts(1, "outreach", "00070")
        db_path = cluster.database.url.removeprefix("sqlite:///")
        async with ShapedLink(LOOPBACK, server.port) as link, async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                context = await browser.new_context(base_url=link.url, service_workers="allow")
                page = await context.new_page()
                await install_app(page, timeout_ms=90_000)
                await sign_in(page, email, PASSWORD)
                await page.goto("/#/luu-dong")
                await page.get_by_role("button", name=re.compile("Giữ trước 20 mã")).click()
                await expect(page.get_by_test_id("codes-left")).to_have_text("20", timeout=15_000)

                await context.set_offline(True)
                today = await page_today(page)
                f = lambda path: page.locator(f'[id="f-{path}"]')  # noqa: E731 - ids hold dots
                for i in range(births):
                    if i == 0:
                        await page.get_by_role("button", name="Thêm trẻ mới").click()
                    else:
                        await page.get_by_role("link", name="Nhập trẻ tiếp theo").click()
                    await expect(page.locator("form.draft h1")).to_contain_text("lưu động")
                    child, mother_id = CHILDREN[i % len(CHILDREN)]
                    await fill_outreach_birth(page, today, child, mother_id)
                    for k in range(per_birth - 1):
                        await f(EXTRA_SLOTS[k]).set_input_files(
                            {
                                "name": f"giay-{i}-{k}.jpg",
                                "mimeType": "image/jpeg",
                                "buffer": camera_photo(i * 10 + k),
                            }
                        )
                    await expect(page.locator(".thumb img")).to_have_count(
                        per_birth, timeout=60_000
                    )
                    await page.get_by_role("button", name="Tiếp tục").click()
                    await page.locator(".promise input").check()
                    await page.get_by_role("button", name="Nộp hồ sơ").click()
                    await expect(page.get_by_test_id("receipt-code")).to_have_text(CODE_SHOWN)
                await page.goto("/#/luu-dong")
                await expect(page.get_by_test_id("codes-left")).to_have_text(str(20 - births))

                # Back in signal, on the slow link.
                if emulate:
                    cdp = await context.new_cdp_session(page)
                    await cdp.send("Network.enable")
                    await cdp.send(
                        "Network.emulateNetworkConditions",
                        {
                            "offline": False,
                            "latency": profile.rtt * 1000,
                            "downloadThroughput": profile.bytes_per_second,
                            "uploadThroughput": profile.bytes_per_second,
                        },
                    )
                else:
                    link.reshape(profile)
                before = link.stats.total
                drops_before = link.stats.cuts
                await context.set_offline(False)
                started = time.perf_counter()
                # The app starts syncing on `online` by itself; the official taps "Đồng bộ
                # tất cả" whenever the button is free and something is still pending.
                button = page.get_by_role("button", name="Đồng bộ tất cả")
                taps = 0
                deadline = started + 1800
                while time.perf_counter() < deadline:
                    submitted, photo_bytes = server_state(db_path)
                    pending = await page.get_by_test_id("syncbar").get_attribute("data-pending")
                    if submitted == births and pending == "0":
                        break
                    if await button.is_enabled():
                        await button.click()
                        taps += 1
                    await asyncio.sleep(0.2)
                seconds = time.perf_counter() - started
                link.reshape(LOOPBACK)
                return {
                    "requests": upload_requests(server.log_tail(100_000)),
                    "label": label,
                    "profile": profile,
                    "births": births,
                    "photos": births * per_birth,
                    "submitted": submitted,
                    "photo_bytes": photo_bytes,
                    "seconds": seconds,
                    "timeline": [
                        (t, total)
                        for t, up, down in link.stats.timeline
                        if (total := up + down) >= before
                    ],
                    "link_bytes": link.stats.total - before,
                    "drops": link.stats.cuts - drops_before,
                    "taps": taps,
                }
            finally:
                await browser.close()


async def run(quick: bool = False) -> Report:
    report = Report(
        "slow_link_app", "Slow links, the real app: the PWA in Chromium syncs an outreach day"
    )
    table = report.table(
        "offline births with photos, typed into the PWA, then one tap on “Đồng bộ tất cả” over a slow link",
        [
            "link",
            "how",
            "births",
            "photos",
            "photo MB",
            "seconds",
            "floor s",
            "time/floor",
            "target",
            "link MB",
            "beyond photos",
            "drops",
            "taps",
            "all submitted",
        ],
    )
    summary = []
    if not await asyncio.to_thread(CHROMIUM.exists):
        report.summary = f"did not run: {CHROMIUM} is missing"
        return report
    for label, profile, emulate, births, per_birth in QUICK if quick else FULL:
        print(
            f"  slow_link_app: {label}, {profile.describe()}, {births} births × {per_birth} photos …",
            flush=True,
        )
        r = await session(label, profile, emulate, births, per_birth)
        floor = r["photo_bytes"] / profile.bytes_per_second
        ratio = r["seconds"] / floor
        target = TARGETS[profile.name]
        beyond = r["link_bytes"] - r["photo_bytes"]
        table.add(
            profile.describe(),
            label,
            births,
            r["photos"],
            r["photo_bytes"] / 1e6,
            r["seconds"],
            floor,
            ratio,
            f"≤ {target}× {'reached' if ratio <= target else 'not reached'}",
            r["link_bytes"] / 1e6,
            f"{beyond / 1000:,.0f} KB = {100 * beyond / r['photo_bytes']:.1f}%",
            r["drops"] if not emulate else "–",
            r["taps"],
            "yes" if r["submitted"] == births else f"NO ({r['submitted']})",
        )
        report.figures[f"{profile.name}_{'cdp' if emulate else 'link'}_ratio"] = ratio
        if not emulate:
            points = r["timeline"]
            t0, b0 = points[0] if points else (0.0, 0)
            every = max(1, len(points) // 300)
            report.plot(
                f"the app on {profile.name}: bytes on the link from going online",
                "seconds",
                "MB on the air (both ways)",
                {
                    "the app": [(t - t0, (b - b0) / 1e6) for t, b in points[::every]],
                    "the link at full bandwidth": [
                        (0.0, 0.0),
                        (r["seconds"], profile.bytes_per_second * r["seconds"] / 1e6),
                    ],
                },
            )
        report.note(
            f"{profile.name} ({label}): tus requests answered by the server: "
            + ", ".join(f"{k} ×{v}" for k, v in r["requests"].items())
        )
        summary.append(f"{profile.name} ({label}) {r['seconds']:.0f} s = {ratio:.2f}× floor")
    report.note(
        "The clock starts when the browser goes online and stops when the server holds every birth submitted and the "
        "app shows nothing pending (polled every 0.2 s). Bytes beyond the photos include the records "
        "(JSON pushes), the app's pulls and reference checks, headers, and bytes lost in drops."
    )
    report.summary = "; ".join(summary)
    return report


if __name__ == "__main__":
    cli(run, __doc__ or "")
