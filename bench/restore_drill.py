"""Restore drill: what taking back the phones' work costs after a server is restored
from last night's backup (sync/README.md §9; harness/restore_drill.py).

Twenty phones (17 citizens, one of them holding 100 more drafts, and 3 outreach
officials of commune 00070) work, with real photo bytes; `motcua backup` runs while the
server serves; they keep working (edits, submissions with codes, births bound to
reserved codes, new files) and the desk receives some dossiers; the server is stopped,
`motcua restore` puts the backup back, and the server starts again. The phones come back
in a random order, each with new work queued: each is refused (`recover_first`), sends
again the files the server lacks, puts back everything it holds, pushes its outbox and
pulls from the start. The app runs in this process (ASGI), on SQLite and PostgreSQL.

Reported: dossiers put back by status, files taken back by their seals, bytes sent
again (files, put-back requests),
seconds from the first phone's reconnection to the last one's put-back and to the last
one's whole pass; against two floors from the same run: the same phones each pulling
everything they hold from the start with no restore, and the bytes they hold."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from pathlib import Path

from bench.common import Report, cli, kb
from bench.servers import Database, available_engines, scratch_dir
from harness.app_in_process import AppInProcess
from harness.restore_drill import Drill, DrillConfig, close, run_drill
from server.settings import load_settings

CHEAP_HASHING = {
    "MOTCUA_ARGON2_TIME_COST": "1",
    "MOTCUA_ARGON2_MEMORY_KIB": "64",
    "MOTCUA_ARGON2_PARALLELISM": "1",
}
STATUSES = ("restored", "kept", "conflict", "rejected")


async def _full_pull(drill: Drill) -> tuple[float, int]:
    """The floor: every phone pulls all it may see from the start, all at once, no
    restore in between. Seconds, and bytes received."""
    received = 0

    async def one(phone) -> None:
        nonlocal received
        cursor = None
        while True:
            params = {"cursor": cursor} if cursor else {}
            r = await phone.http.get("/api/sync/pull", params=params, headers=phone.device.auth)
            if r.status_code != 200:
                raise RuntimeError(f"{phone.name}: pull answered {r.status_code}: {r.text[:300]}")
            received += len(r.content)
            body = r.json()
            cursor = body["cursor"]
            if body.get("pending"):
                await asyncio.sleep(0.05)
                continue
            if not body["more"]:
                return

    started = time.perf_counter()
    await asyncio.gather(*[one(p) for p in drill.phones])
    return time.perf_counter() - started, received


async def _drill(engine: str, config: DrillConfig) -> dict:
    database = Database.fresh(engine)
    try:
        settings = load_settings(
            {
                "MOTCUA_DATABASE_URL": database.url,
                "MOTCUA_DATA_DIR": str(database.data_dir),
                **CHEAP_HASHING,
            }
        )
        site = AppInProcess(settings, Path(scratch_dir("restore-drill")) / "backups")
        await site.start()
        try:
            started = time.perf_counter()
            drill = await run_drill(site, config)
            drill_seconds = time.perf_counter() - started
            try:
                pull_seconds, pull_bytes = await _full_pull(drill)
                held = sum(p.held_bytes() for p in drill.phones)
            finally:
                await close(drill)
        finally:
            await site.stop()
    finally:
        database.drop()
    statuses: Counter[str] = Counter()
    for phone in drill.phones:
        statuses.update(phone.recovery.statuses)
    return {
        "drill": drill,
        "statuses": statuses,
        "files": sum(p.recovery.files for p in drill.phones),
        "files_restored": sum(p.recovery.files_restored for p in drill.phones),
        "file_bytes": sum(p.recovery.file_bytes for p in drill.phones),
        "pages": sum(p.recovery.pages for p in drill.phones),
        "request_bytes": sum(p.recovery.request_bytes for p in drill.phones),
        "reservations": sum(p.recovery.reservations_restored for p in drill.phones),
        "refused": sum(sum(p.recovery.reservations_refused.values()) for p in drill.phones),
        "pull_seconds": pull_seconds,
        "pull_bytes": pull_bytes,
        "held_bytes": held,
        "drill_seconds": drill_seconds,
    }


async def run(quick: bool = False) -> Report:
    config = DrillConfig(busy_drafts=20) if quick else DrillConfig()
    devices = config.citizens + config.outreach
    logging.getLogger("httpx").setLevel(logging.WARNING)
    report = Report("restore_drill", f"Restore drill: {devices} phones put back after a restore")
    recovered = report.table(
        "dossiers put back, by what the server did with each (sync/recovery.py)",
        ["server", "phones", "dossiers", *STATUSES, "codes taken back", "codes refused"],
    )
    sent = report.table(
        "files taken back by their seals (no bytes), files sent again (tus bodies), and the "
        "put-back requests; against what the phones hold (files and dossiers as JSON)",
        [
            "server",
            "files by seal",
            "files sent",
            "file KB",
            "pages",
            "put-back KB",
            "held KB",
            "held ÷ sent",
        ],
    )
    timing = report.table(
        "seconds from the first phone's reconnection: to the last put-back, and to the "
        "last phone's whole pass (put-back, its new work pushed, everything pulled); the "
        "floor: the same phones each pulling everything from the start, no restore",
        ["server", "to last put-back s", "to last pass s", "full pull s", "pass ÷ pull"],
    )
    summary = []
    for engine in available_engines():
        print(f"  restore_drill: {engine} …", flush=True)
        r = await _drill(engine, config)
        drill: Drill = r["drill"]
        label = "SQLite" if engine == "sqlite" else "PostgreSQL"
        statuses: Counter[str] = r["statuses"]
        recovered.add(
            label,
            devices,
            sum(statuses.values()),
            *(statuses[s] for s in STATUSES),
            r["reservations"],
            r["refused"],
        )
        resent = r["file_bytes"] + r["request_bytes"]
        sent.add(
            label,
            r["files_restored"],
            r["files"],
            r["file_bytes"] / 1024,
            r["pages"],
            r["request_bytes"] / 1024,
            r["held_bytes"] / 1024,
            r["held_bytes"] / resent if resent else float("nan"),
        )
        ratio = drill.reconnect_seconds / r["pull_seconds"]
        timing.add(
            label, drill.recovered_seconds, drill.reconnect_seconds, r["pull_seconds"], ratio
        )
        summary.append(
            f"{label}: {sum(statuses.values())} dossiers put back "
            f"({statuses['restored']} restored, {statuses['kept']} kept, "
            f"{statuses['rejected']} rejected), {kb(resent)} sent again, "
            f"all {devices} phones back in {drill.reconnect_seconds:.1f} s "
            f"({ratio:.1f}× a plain full pull)"
        )
        report.figures[f"{engine}_seconds"] = drill.reconnect_seconds
    report.summary = "; ".join(summary)
    report.note(
        "The app runs in this process (ASGI), so the figures are the server's work plus the "
        "phones' bookkeeping, without sockets; `motcua backup` runs as its own process beside it."
    )
    report.note(
        "Files come back by their seals: the blob store keeps the bytes across a restore, and "
        "a phone puts back the server's seal on (account, file) for each file it holds; the "
        "server reads and checks the stored bytes, so no bytes cross the link again unless "
        "the store lost them or the phone holds no seal."
    )
    return report


if __name__ == "__main__":
    cli(run, __doc__ or "")
