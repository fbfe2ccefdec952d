"""Upload throughput and resilience of the tus endpoint (server/attachments).

1. Throughput: 5 MB files (PDF-shaped, incompressible) uploaded to a real
   `motcua serve` over loopback by the Python tus client of the tests
   (harness/tus_client.py): 256 KiB chunks, each with its SHA-256
   Upload-Checksum, one after another, as a phone sends them. The clock runs from
   the creation POST to the last PATCH's answer, so it includes the per-chunk
   commits (row lock, write, fsync), the whole-file hash, the type check and the
   move into the blob store. The peer, measured in the same run on the same disk:
   the same bytes written straight to a file in 256 KiB writes, then one fsync —
   and, to show where the time goes, with an fsync after every chunk as the server
   does. Reported as MB/s and the ratio server / disk.
2. Interruptions: one 5 MB file through a proxy on 127.0.0.1 that cuts the
   connection at 10 random points (the same points for every configuration).
   Bytes re-sent = body bytes the client pushed into the proxy − the file's size.
   Target: at most 10 × the chunk size (one chunk per interruption).

`python -m bench.upload_throughput [--quick]`."""

from __future__ import annotations

import os
import random
import statistics
import time
from pathlib import Path

import httpx

from bench.common import Report, cli
from bench.servers import available_engines, motcua
from harness.cut_proxy import CuttingProxy
from harness.samples import pdf
from harness.tus_client import TusClient

CHUNK = 256 * 1024
SIZE = 5 * 1024 * 1024
CUTS = 10
MB = 1_000_000


def disk_peer(data: bytes, directory: Path, fsync_each_chunk: bool) -> float:
    """Seconds to write `data` to a new file in CHUNK-sized writes and make it durable."""
    path = directory / f"peer-{os.getpid()}-{time.perf_counter_ns()}"
    started = time.perf_counter()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for offset in range(0, len(data), CHUNK):
            os.write(fd, data[offset : offset + CHUNK])
            if fsync_each_chunk:
                os.fsync(fd)
        os.fsync(fd)
    finally:
        os.close(fd)
    seconds = time.perf_counter() - started
    path.unlink()
    return seconds


def cut_points(seed: int = 2024) -> list[int]:
    rng = random.Random(seed)
    return sorted(rng.sample(range(CHUNK // 4, SIZE - CHUNK // 4), CUTS))


async def measure(engine: str, files: int) -> dict:
    with motcua(engine) as cluster:
        [phone] = await cluster.devices(1)
        data_dir = cluster.database.data_dir
        async with httpx.AsyncClient(base_url=phone.base_url, timeout=60) as http:
            client = TusClient(http, phone.auth, chunk_size=CHUNK)
            warm = await client.upload(pdf(300_000, seed=999))  # first request loads everything
            assert warm.ok, warm.problem
            server_seconds, peer_once, peer_each = [], [], []
            for k in range(files):
                data = pdf(SIZE, seed=k)
                started = time.perf_counter()
                report = await client.upload(data)
                server_seconds.append(time.perf_counter() - started)
                if not report.ok:
                    raise RuntimeError(f"upload failed: {report.status} {report.problem}")
                peer_once.append(disk_peer(data, data_dir, fsync_each_chunk=False))
                peer_each.append(disk_peer(data, data_dir, fsync_each_chunk=True))

        resent = {}
        for label, checksum in (
            ("chunk checksums (keep whole chunks)", True),
            ("no checksums, as tus-js-client (keep partial chunks)", False),
        ):
            data = pdf(SIZE, seed=100 + int(checksum))
            port = int(phone.base_url.rsplit(":", 1)[1])
            async with (
                CuttingProxy(port, cut_at=cut_points()) as proxy,
                httpx.AsyncClient(base_url=proxy.url, timeout=60) as http,
            ):
                report = await TusClient(
                    http, phone.auth, chunk_size=CHUNK, checksum=checksum
                ).upload(data)
            if not report.ok:
                raise RuntimeError(f"interrupted upload failed: {report.status} {report.problem}")
            resent[label] = (
                proxy.cuts,
                report.resumes,
                proxy.body_bytes - len(data),
                proxy.requests,
            )
        return {
            "label": cluster.label,
            "server": server_seconds,
            "peer_once": peer_once,
            "peer_each": peer_each,
            "resent": resent,
        }


def rate(seconds: list[float]) -> float:
    return SIZE / statistics.median(seconds) / MB


async def run(quick: bool = False, files: int = 8) -> Report:
    if quick:
        files = 2
    report = Report(
        "upload_throughput", "Uploads: tus throughput on loopback and bytes re-sent after cuts"
    )
    speed = report.table(
        f"{files} uploads of 5 MB each, {CHUNK // 1024} KiB chunks with SHA-256 checksums, "
        "against the same bytes written straight to disk (median)",
        [
            "server",
            "upload MB/s",
            "disk, 1 fsync MB/s",
            "ratio upload/disk",
            "disk, fsync per chunk MB/s",
            "ratio upload/disk-per-chunk",
            "upload p50 s",
        ],
    )
    cuts = report.table(
        f"one 5 MB file, the connection cut at {CUTS} random points",
        [
            "server",
            "mode",
            "cuts",
            "resumes",
            "bytes re-sent",
            "in chunks",
            f"target ≤ {CUTS} chunks",
            "requests",
        ],
    )
    summary = []
    for engine in available_engines():
        print(f"  upload_throughput: {engine} …", flush=True)
        r = await measure(engine, files)
        up, once, each = rate(r["server"]), rate(r["peer_once"]), rate(r["peer_each"])
        speed.add(r["label"], up, once, up / once, each, up / each, statistics.median(r["server"]))
        worst = 0
        for mode, (n_cuts, resumes, resent, requests) in r["resent"].items():
            worst = max(worst, resent)
            cuts.add(
                r["label"],
                mode,
                n_cuts,
                resumes,
                resent,
                resent / CHUNK,
                "reached" if resent <= CUTS * CHUNK else "not reached",
                requests,
            )
        report.figures[f"{engine}_mb_s"] = up
        report.figures[f"{engine}_ratio"] = up / once
        report.figures[f"{engine}_resent_bytes"] = worst
        summary.append(
            f"{r['label']} {up:.1f} MB/s = {up / once:.2f}× disk; "
            f"worst re-sent {worst / CHUNK:.2f} chunks over {CUTS} cuts"
        )
    report.note(
        "The client, the server and the database share the machine's cores; the disk peer "
        "writes to the server's data directory."
    )
    report.note(
        "Re-sent bytes count what the client pushed into the proxy beyond the file's size, "
        "including bytes dropped at a cut that never reached the server."
    )
    report.summary = "; ".join(summary)
    return report


if __name__ == "__main__":
    cli(run, __doc__ or "")
