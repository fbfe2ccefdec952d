"""Old units beside the communes: is the mapping of the units of before 1 July 2025
(`/api/communes/old-units`) small enough to keep on the phone with the communes?

"Fits" means: its gzipped body is no bigger than the communes' own (`/api/communes`,
gzipped), so that keeping old addresses offline would at most double the reference
data a phone fetches for communes on its first visit. Both bodies are fetched from a
real `motcua serve` (SQLite) with `Accept-Encoding: gzip` and counted as sent. Beside
them: the smallest the mapping could be made (its ward names alone, one a line, gzip
level 9: any encoding must carry at least these), and a first visit's reference data
(catalog, the four procedures kept offline, communes) with and without the mapping,
with the seconds each takes at 2G's 50 kbit/s (bytes ÷ bandwidth, not measured)."""

from __future__ import annotations

import gzip
import json

import httpx

from bench.common import Report, cli
from bench.servers import motcua

OLD_UNITS = "/api/communes/old-units"
COMMUNES = "/api/communes"
# As the app fetches on a first visit (pwa/src/reference.ts: refreshReference, PREFETCH).
FIRST_VISIT = [
    "/api/catalog",
    COMMUNES,
    "/api/catalog/khai-sinh",
    "/api/catalog/khai-tu",
    "/api/catalog/ket-hon",
    "/api/catalog/khai-sinh-luu-dong",
]
TWO_G_BITS = 50_000


async def _gzipped(http: httpx.AsyncClient, path: str) -> tuple[int, int]:
    """(raw bytes, bytes sent gzip-encoded)."""
    async with http.stream("GET", path, headers={"Accept-Encoding": "gzip"}) as r:
        if r.status_code != 200 or r.headers.get("content-encoding") != "gzip":
            raise RuntimeError(f"GET {path}: {r.status_code} {r.headers.get('content-encoding')}")
        sent = b"".join([chunk async for chunk in r.aiter_raw()])
    return len(gzip.decompress(sent)), len(sent)


def _names_floor(body: bytes) -> int:
    data = json.loads(body)
    names = "\n".join(
        w[0] for p in data["provinces"] for d in p["districts"] for w in d.get("wards", [])
    )
    return len(gzip.compress(names.encode(), 9))


async def run(quick: bool = False) -> Report:
    report = Report("old_units_size", "Old units beside the communes: sizes and verdict")
    sizes = report.table(
        "bodies as served (gzip level 6)", ["body", "raw KB", "gzip KB", "÷ communes gzip"]
    )
    visit = report.table("a first visit's reference data", ["", "gzip KB", "seconds at 50 kbit/s"])
    print("  old_units_size: sqlite …", flush=True)
    with motcua("sqlite") as cluster:
        async with httpx.AsyncClient(base_url=cluster.servers[0].base_url, timeout=60) as http:
            measured = {path: await _gzipped(http, path) for path in [*FIRST_VISIT, OLD_UNITS]}
            plain = await http.get(OLD_UNITS, headers={"Accept-Encoding": "identity"})
    communes_gz = measured[COMMUNES][1]
    old_raw, old_gz = measured[OLD_UNITS]
    floor = _names_floor(plain.content)
    sizes.add("/api/communes", measured[COMMUNES][0] / 1024, communes_gz / 1024, 1.0)
    sizes.add(OLD_UNITS, old_raw / 1024, old_gz / 1024, old_gz / communes_gz)
    sizes.add("old ward names alone (floor, gzip 9)", None, floor / 1024, floor / communes_gz)
    reference = sum(measured[p][1] for p in FIRST_VISIT)
    for label, total in (("without old units", reference), ("with old units", reference + old_gz)):
        visit.add(label, total / 1024, total * 8 / TWO_G_BITS)
    fits = old_gz <= communes_gz
    report.figures.update(
        old_units_gzip=old_gz, communes_gzip=communes_gz, old_units_floor_gzip=floor, fits=fits
    )
    report.summary = (
        f"old units {old_gz / 1024:.1f} KB gzipped = {old_gz / communes_gz:.2f}× the communes' "
        f"{communes_gz / 1024:.1f} KB: {'fits' if fits else 'does not fit'}"
        f"{'' if fits or floor <= communes_gz else ' (its ward names alone are already '}"
        f"{'' if fits or floor <= communes_gz else f'{floor / 1024:.1f} KB)'}"
    )
    report.note(
        "Sizes do not depend on the machine. The app's shell (HTML, JS, CSS) comes on top: "
        "`npm run budget` in pwa/ prints it."
    )
    return report


if __name__ == "__main__":
    cli(run, __doc__ or "")
