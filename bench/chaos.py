"""Chaos: 100 simulated phones against 3 `motcua serve` processes sharing one
PostgreSQL database, with everything going wrong at once.

Each process sits behind a proxy that cuts connections mid-request at random body
offsets; phones go offline at random and queue work meanwhile, send batches twice
at once to two processes, send the later part of a batch first, lose answers (and
send again), replay old confirmed batches, and pull now and then; processes are
killed with SIGKILL and restarted throughout. Then a quiet phase: every phone
pushes until its outbox is empty and pulls to the end. The harness is
harness/chaos.py (tests/field/test_chaos.py runs it CI-sized).

Prints what happened (pushes, cuts, kills, duplicates, reorders, replays, HTTP
statuses) and the invariants, each a count that must be 0: drafts lost, codes
given twice, mutations applied twice or not in the device's order (device logs
against the applied-mutation records and the dossier history), devices not
converged. Figures, not verdicts: the exit status says only whether it could run."""

from __future__ import annotations

import random

from bench.common import Report, cli
from bench.servers import BenchSetupError, Database, postgres_problem, scratch_dir
from harness.chaos import Chaos, ChaosPlan, render
from server.database import bound_engine
from server.settings import load_settings


async def run(quick: bool = False) -> Report:
    problem = postgres_problem()
    if problem:
        raise BenchSetupError(f"chaos needs PostgreSQL (3 processes share it): {problem}")
    seed = random.randrange(1 << 30)
    plan = (
        ChaosPlan(devices=20, processes=3, sessions=5, kills=2, seed=seed)
        if quick
        else ChaosPlan(devices=100, processes=3, sessions=12, kills=8, seed=seed)
    )
    report = Report(
        "chaos",
        f"Chaos: {plan.devices} phones, {plan.processes} processes on one PostgreSQL, "
        f"cuts, duplicates, reorders and {plan.kills} kill -9",
    )
    database = Database.fresh("postgres")
    try:
        settings = load_settings(
            {"MOTCUA_DATABASE_URL": database.url, "MOTCUA_DATA_DIR": str(database.data_dir)}
        )
        print(
            f"  chaos: seed {seed}, {plan.devices} phones × {plan.sessions} sessions …", flush=True
        )
        async with bound_engine(settings):
            chaos = Chaos(plan, settings, scratch_dir("chaos-logs"))
            async with chaos:
                result = await chaos.run()
            if not result.ok:
                print(chaos.logs()[-8000:], flush=True)
    finally:
        database.drop()
    print(render(result), flush=True)

    happened = report.table("What happened", ["event", "count"])
    for name, value in result.counts.items():
        happened.add(name, value)
    for name, value in sorted(result.statuses.items()):
        happened.add(f"answers {name}", value)
    happened.add("seconds (chaos + quiet phase)", round(result.seconds, 1))
    for name, value in result.phases.items():
        happened.add(f"seconds: {name}", round(value, 1))
    held = report.table(
        "Invariants (violations; each must be 0)", ["invariant", "violations", "held"]
    )
    for name, value in result.checks.items():
        held.add(name, value, "yes" if value == 0 else "NO")

    # The kills as a second series: each point sits on the curve where a process died.
    report.plot(
        "Mutations confirmed over time (kill -9 marked)",
        "seconds",
        "mutations confirmed",
        {
            "confirmed": result.timeline,
            **({"kill -9": result.kill_marks} if result.kill_marks else {}),
        },
        kind="line",
    )

    c = result.counts
    report.figures.update(
        {
            "lost_drafts": result.checks["drafts lost"],
            "duplicate_codes": result.checks["duplicate codes"],
            "converged": c["devices converged"],
            "devices": c["devices"],
        }
    )
    report.note(
        f"Random seed {seed}; processes killed with SIGKILL at even shares of the phones' sessions, "
        "each down 0.1–0.8 s before a restart on a new port (its proxy refuses meanwhile)."
    )
    report.note(
        "A cut delivers the request headers and part of the body, then drops both sides; "
        "the proxies cut every ~40 KB of request body on average during the chaos phase."
    )
    report.summary = (
        f"{c['devices']} phones, {c['server processes']} processes, {c['processes killed (SIGKILL)']} kill -9, "
        f"{c['connections cut mid-request']} cuts: {c['mutations confirmed']}/{c['mutations queued']} mutations "
        f"confirmed, {result.checks['drafts lost']} drafts lost, {result.checks['duplicate codes']} duplicate "
        f"codes, {c['devices converged']}/{c['devices']} converged"
        + ("" if result.ok else " — INVARIANTS VIOLATED (see table)")
    )
    return report


if __name__ == "__main__":
    cli(run, __doc__ or "")
