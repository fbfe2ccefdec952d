"""What every benchmark shares: reports (printed as compact text tables and written
as Markdown), percentiles, and facts about the machine.

Benchmarks print figures; they never pass or fail on time."""

from __future__ import annotations

import datetime as dt
import math
import os
import platform
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: list[list[Any]] = field(default_factory=list)

    def add(self, *cells: Any) -> None:
        self.rows.append(list(cells))


@dataclass
class Plot:
    """A chart of one report: named series of (x, y) points. Bar charts take category
    names as x. Rendered to PNG by bench/plots.py next to the Markdown report."""

    title: str
    x_label: str
    y_label: str
    series: dict[str, list[tuple[Any, float]]]
    kind: str = "line"  # "line" or "bar"


@dataclass
class Report:
    name: str
    title: str
    tables: list[Table] = field(default_factory=list)
    summary: str = ""
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    # Figures other code may read (the suite's summary), by name.
    figures: dict[str, Any] = field(default_factory=dict)
    # 1-minute load average before and after: other work on the machine shows here.
    load: str = ""
    plots: list[Plot] = field(default_factory=list)
    # Paths of the rendered plots, relative to the Markdown file (set by the suite).
    plot_files: list[str] = field(default_factory=list)

    def table(self, title: str, headers: list[str]) -> Table:
        t = Table(title, headers)
        self.tables.append(t)
        return t

    def note(self, text: str) -> None:
        self.notes.append(text)

    def plot(
        self,
        title: str,
        x_label: str,
        y_label: str,
        series: dict[str, list[tuple[Any, float]]],
        kind: str = "line",
    ) -> Plot:
        if kind not in ("line", "bar"):
            raise ValueError(f"plot kind must be 'line' or 'bar', not {kind!r}")
        chart = Plot(title, x_label, y_label, series, kind)
        self.plots.append(chart)
        return chart


def cell(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        if math.isnan(value):
            return "–"
        if abs(value) >= 100:
            return f"{value:,.0f}"
        if abs(value) >= 10:
            return f"{value:.1f}"
        return f"{value:.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _aligned(cells: Sequence[str], widths: list[int]) -> str:
    """One table row as text: the first column to the left, the others to the right."""
    out = []
    for i, c in enumerate(cells):
        out.append(c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]))
    return "  ".join(out).rstrip()


def render_text(report: Report) -> str:
    lines = [f"== {report.title} =="]
    for table in report.tables:
        lines.append(f"-- {table.title}")
        rows = [[cell(c) for c in row] for row in table.rows]
        widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(table.headers)]
        lines.append(_aligned(table.headers, widths))
        lines.append("  ".join("-" * w for w in widths))
        lines.extend(_aligned(r, widths) for r in rows)
    for note in report.notes:
        lines.append(f"note: {note}")
    if report.summary:
        lines.append(f"summary: {report.summary}")
    if report.seconds:
        lines.append(f"({report.seconds:.0f} s; 1-minute load average {report.load})")
    return "\n".join(lines)


def render_markdown(report: Report) -> str:
    lines = [f"## {report.title}", ""]
    if report.summary:
        lines += [f"**{report.summary}**", ""]
    for table in report.tables:
        lines += [f"**{table.title}**", ""]
        lines.append("| " + " | ".join(table.headers) + " |")
        lines.append(
            "|" + "|".join("---" if i == 0 else "---:" for i in range(len(table.headers))) + "|"
        )
        for row in table.rows:
            lines.append("| " + " | ".join(cell(c).replace("|", "\\|") for c in row) + " |")
        lines.append("")
    for note in report.notes:
        lines.append(f"- {note}")
    if report.notes:
        lines.append("")
    for chart, path in zip(report.plots, report.plot_files, strict=False):
        lines += [f"![{chart.title}]({path})", ""]
    lines.append(f"_({report.seconds:.0f} s; 1-minute load average {report.load})_")
    lines.append("")
    return "\n".join(lines)


def print_report(report: Report) -> None:
    print(render_text(report), flush=True)


def percentile(values: Sequence[float], p: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    k = (len(ordered) - 1) * p / 100
    lo, hi = math.floor(k), math.ceil(k)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def ms(seconds: float) -> float:
    return seconds * 1000


def kb(n_bytes: int | float) -> str:
    return f"{n_bytes / 1024:.1f} KB"


def loadavg() -> float:
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return float("nan")


def load_span(before: float) -> str:
    return f"{before:.1f} before, {loadavg():.1f} after (nproc {os.cpu_count()})"


def _run(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=20).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def machine_info() -> dict[str, str]:
    info: dict[str, str] = {}
    info["date"] = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    info["nproc"] = _run(["nproc"]) or str(os.cpu_count())
    try:
        meminfo = Path("/proc/meminfo").read_text()
        total_kb = int(next(s for s in meminfo.splitlines() if s.startswith("MemTotal")).split()[1])
        info["ram"] = f"{total_kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        info["ram"] = "?"
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        info["cpu"] = next(
            s.split(":", 1)[1].strip() for s in cpuinfo.splitlines() if s.startswith("model name")
        )
    except (OSError, StopIteration):
        info["cpu"] = platform.processor() or "?"
    info["python"] = sys.version.split()[0]
    info["os"] = platform.platform()
    info["commit"] = _run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"]) or "?"
    dirty = _run(["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"])
    if dirty:
        info["commit"] += " (with uncommitted changes)"
    info["node"] = _run(["node", "--version"]) or "not found"
    return info


def cli(run: Any, description: str = "") -> None:
    """`python -m bench.<name> [--quick]`: run one benchmark and print its report."""
    import argparse
    import asyncio
    import time

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--quick", action="store_true", help="a small run, to check the benchmark works"
    )
    args = parser.parse_args()
    started, load = time.perf_counter(), loadavg()
    report = asyncio.run(run(quick=args.quick))
    report.seconds = time.perf_counter() - started
    report.load = load_span(load)
    print_report(report)
