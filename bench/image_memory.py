"""Memory of the attachment checks under the worst uploads (server/attachments/image_check.py).

A real `motcua serve` (SQLite: the check never touches the database) takes 8 uploads
at once through the tus endpoint, the worst a phone or an attacker can send within
the 10 MB file limit:
- the security review's bomb, twice: 6300×6300 PNGs of one colour, 40 megapixels in
  about 130 KB (over the PNG limit: refused from the header);
- two PNGs just under the limit (24 MP RGB, an A4 page scanned at 400 dpi) and one
  transparent PNG just under its own (12 MP RGBA);
- a 50 MP baseline JPEG (a phone's largest photo; decoded at 1/8 scale);
- a progressive 24 MP JPEG just under the limit, and a progressive 36 MP JPEG with
  full-resolution colour over it (libjpeg buffers a progressive file whole).
The peak RSS of the process (VmHWM, reset once the server is warm) is set against its
floor, the RSS at rest measured in the same run after a first small upload has loaded
everything. Run with 1, 2 (the default) and 4 check slots (MOTCUA_ATTACHMENT_CHECKS):
each slot lets one more decode of up to ~100 MiB run at once. Target: peak ≤ 400 MiB
per process with the default.

`python -m bench.image_memory [--quick]` (--quick: the default slots only)."""

from __future__ import annotations

import asyncio
import io
import time

import httpx

from bench.common import Report, cli
from bench.servers import motcua
from harness.tus_client import TusClient

MiB = 1024 * 1024
TARGET_MIB = 400
CHUNK = 256 * 1024  # the server's default chunk limit


def _png(width: int, height: int, mode: str, shade: int) -> bytes:
    from PIL import Image

    bands = Image.getmodebands(mode)
    out = io.BytesIO()
    Image.new(mode, (width, height), shade if bands == 1 else (shade,) * bands).save(out, "PNG")
    return out.getvalue()


def _jpeg(width: int, height: int, progressive: bool, subsampling: int, seed: int) -> bytes:
    """A smooth gradient with a seed-dependent tint: photo-sized, a few hundred KB."""
    from PIL import Image

    grey = Image.linear_gradient("L").resize((width, height))
    tint = Image.new("L", (width, height), 40 + seed)
    out = io.BytesIO()
    Image.merge("RGB", (grey, tint, grey)).save(
        out, "JPEG", quality=90, progressive=progressive, subsampling=subsampling
    )
    return out.getvalue()


def worst_files() -> list[tuple[str, bytes, bool]]:
    """(what, bytes, whether the server should accept it)."""
    return [
        ("PNG bomb 6300×6300 (39.7 MP)", _png(6300, 6300, "RGB", 250), False),
        ("PNG bomb 6300×6301 (39.7 MP)", _png(6300, 6301, "RGB", 251), False),
        ("PNG 4896×4896 RGB (24.0 MP)", _png(4896, 4896, "RGB", 200), True),
        ("PNG 4890×4890 RGB (23.9 MP)", _png(4890, 4890, "RGB", 201), True),
        ("PNG 4000×3000 RGBA (12.0 MP)", _png(4000, 3000, "RGBA", 202), True),
        ("JPEG 8160×6120 baseline (49.9 MP)", _jpeg(8160, 6120, False, 2, 1), True),
        ("JPEG 6000×4000 progressive 4:2:0 (24.0 MP)", _jpeg(6000, 4000, True, 2, 2), True),
        ("JPEG 6000×6000 progressive 4:4:4 (36.0 MP)", _jpeg(6000, 6000, True, 0, 3), False),
    ]


async def measure(files: list[tuple[str, bytes, bool]], slots: int) -> dict:
    with motcua("sqlite", env={"MOTCUA_ATTACHMENT_CHECKS": str(slots)}) as cluster:
        server = cluster.servers[0]
        [phone] = await cluster.devices(1)
        async with httpx.AsyncClient(base_url=phone.base_url, timeout=300) as http:
            client = TusClient(http, {**phone.auth, "Accept-Language": "en"}, chunk_size=CHUNK)
            warm = await client.upload(_png(800, 600, "RGB", 10), filename="warm-up.png")
            assert warm.ok, warm.problem
            await asyncio.sleep(1)
            floor = server.memory().get("VmRSS", 0) * 1024
            server.reset_peak()
            started = time.perf_counter()

            async def one(name: str, data: bytes) -> tuple[int | None, str, float]:
                t0 = time.perf_counter()
                report = await client.upload(data, filename=name)
                code = (report.problem or {}).get("type", "").rsplit("/", 1)[-1]
                return report.status, code, time.perf_counter() - t0

            outcomes = await asyncio.gather(*[one(name, data) for name, data, _ in files])
            seconds = time.perf_counter() - started
            peak = server.memory().get("VmHWM", 0) * 1024
    return {"floor": floor, "peak": peak, "outcomes": outcomes, "seconds": seconds}


async def run(quick: bool = False) -> Report:
    report = Report(
        "image_memory", "Attachment checks: peak memory under 8 worst-case uploads at once"
    )
    files = worst_files()
    peaks = report.table(
        "one motcua serve (SQLite), 8 uploads at once; peak RSS (VmHWM) against the floor at rest "
        "measured in the same run",
        [
            "check slots",
            "floor MiB",
            "peak MiB",
            "peak − floor MiB",
            "peak ÷ floor",
            f"target ≤ {TARGET_MIB} MiB",
            "accepted",
            "refused",
            "as expected",
            "all 8 done in s",
        ],
    )
    each = report.table(
        "the files (with the default 2 check slots)",
        ["file", "KB", "expected", "status", "problem", "upload s"],
    )
    summary = ""
    for slots in [2] if quick else [1, 2, 4]:
        print(f"  image_memory: {slots} check slot(s) …", flush=True)
        r = await measure(files, slots)
        floor, peak = r["floor"] / MiB, r["peak"] / MiB
        accepted = sum(1 for status, _, _ in r["outcomes"] if status is not None and status < 300)
        expected = all(
            (status is not None and status < 300) == ok
            for (status, _, _), (_, _, ok) in zip(r["outcomes"], files)
        )
        peaks.add(
            slots,
            floor,
            peak,
            peak - floor,
            peak / floor if floor else float("nan"),
            "reached" if peak <= TARGET_MIB else "not reached",
            accepted,
            len(files) - accepted,
            "yes" if expected else "NO",
            r["seconds"],
        )
        report.figures[f"peak_mib_{slots}_slots"] = peak
        report.figures[f"floor_mib_{slots}_slots"] = floor
        if slots == 2:
            for (name, data, ok), (status, code, seconds) in zip(files, r["outcomes"]):
                each.add(
                    name,
                    len(data) / 1024,
                    "accepted" if ok else "refused",
                    status,
                    code or "–",
                    seconds,
                )
            summary = (
                f"peak {peak:.0f} MiB over a floor of {floor:.0f} MiB (×{peak / floor:.2f}) with 2 check "
                f"slots; target ≤ {TARGET_MIB} MiB {'reached' if peak <= TARGET_MIB else 'not reached'}; "
                f"{len(files) - accepted} of 8 refused{'' if expected else ' (NOT as expected)'}"
            )
    report.note(
        "Each check slot admits one decode at a time; the budget of one decode is 96 MiB of pixels "
        "(image_check.DECODE_BUDGET). Bombs are refused from their header and cost nothing to decode."
    )
    report.note(
        "The floor is the server's RSS at rest after one small upload has loaded Pillow and the rest; "
        "VmHWM is reset (clear_refs) just before the 8 uploads start."
    )
    report.summary = summary
    return report


if __name__ == "__main__":
    cli(run, __doc__ or "")
