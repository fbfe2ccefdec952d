"""`python -m bench`: run every benchmark, print each report and a summary, and write
bench/reports/latest.md (bench/reports/quick.md for --quick).

Figures only: nothing here passes or fails on time. The exit status is non-zero only
when a benchmark could not run at all."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import time
import traceback

from bench.common import (
    BENCH,
    Report,
    load_span,
    loadavg,
    machine_info,
    print_report,
    render_markdown,
)
from bench.plots import render_plots

# The figures most disturbed by other work on the machine run first; the long
# bandwidth-bound field runs (slow links, chaos) last.
BENCHMARKS = [
    "wire_bytes",
    "reference_payloads",
    "old_units_size",
    "pull_latency",
    "push_throughput",
    "multi_host",
    "pouchdb_compare",
    "load_test",
    "upload_throughput",
    "image_memory",
    "app_budget",
    "typing_stress",
    "restore_drill",
    "chaos",
    "slow_link",
    "slow_link_app",
    "first_visit",
]


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="small counts, to check the benchmarks work"
    )
    parser.add_argument(
        "--only", default="", help="comma-separated names, e.g. wire_bytes,pull_latency"
    )
    args = parser.parse_args()
    names = [n.strip() for n in args.only.split(",") if n.strip()] or BENCHMARKS
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        parser.error(
            f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}"
        )

    from bench.servers import TREE, postgres_version

    info = machine_info()
    info["postgresql"] = postgres_version()
    info["load average at start"] = f"{loadavg():.2f}"
    if str(TREE) != str(BENCH.parent):
        info["measured tree"] = str(TREE)
    print("machine: " + ", ".join(f"{k} {v}" for k, v in info.items()), flush=True)

    started = time.perf_counter()
    reports: list[Report] = []
    failures: list[str] = []
    for name in names:
        print(f"\n>> {name}", flush=True)
        t0, load = time.perf_counter(), loadavg()
        module = importlib.import_module(f"bench.{name}")
        try:
            report = asyncio.run(module.run(quick=args.quick))
        except Exception as exc:  # one broken benchmark must not hide the others' figures
            traceback.print_exc()
            report = Report(
                name, f"{name} (did not run)", summary=f"did not run: {type(exc).__name__}: {exc}"
            )
            failures.append(name)
        report.seconds = time.perf_counter() - t0
        report.load = load_span(load)
        print_report(report)
        reports.append(report)
    total = time.perf_counter() - started

    print("\n== Summary ==")
    for report in reports:
        print(f"{report.name:<20} {report.summary}")
    print(f"(whole suite: {total:.0f} s)")

    path = BENCH / "reports" / ("quick.md" if args.quick else "latest.md")
    path.parent.mkdir(exist_ok=True)
    render_plots(reports, path.parent, path.stem)
    lines = ["# motcua benchmarks", ""]
    if args.quick:
        lines += [
            "_Quick run: small counts, to check that the benchmarks work; not figures to compare._",
            "",
        ]
    lines += ["| machine | |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in info.items()]
    lines += [f"| whole suite | {total:.0f} s |", ""]
    lines += [
        "Figures only: the benchmarks print what they measure and never pass or fail on time. "
        "How to run them and what each measures: bench/README.md. The client shares the machine "
        "with the servers and the database; each section gives the 1-minute load average before "
        "and after it, since other work on the machine moves the figures.",
        "",
    ]
    lines += ["## Summary", ""] + [f"- **{r.name}**: {r.summary}" for r in reports] + [""]
    for report in reports:
        lines.append(render_markdown(report))
    tmp = path.with_suffix(".md.tmp")
    tmp.write_text("\n".join(lines))
    os.replace(tmp, path)
    print(f"wrote {path.relative_to(BENCH.parent)}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
