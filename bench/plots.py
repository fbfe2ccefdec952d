"""Render the reports' plots to PNG files with matplotlib, beside the Markdown report.

A missing matplotlib costs the pictures, never the figures: the tables are written
either way and the report says why the plots are absent."""

from __future__ import annotations

import re
from pathlib import Path

from bench.common import Plot, Report


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "plot"


def _draw(chart: Plot, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # no screen here; and never a window in a benchmark run
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.6), dpi=110)
    try:
        if chart.kind == "bar":
            categories: list[str] = []
            for points in chart.series.values():
                for x, _ in points:
                    if str(x) not in categories:
                        categories.append(str(x))
            width = 0.8 / max(1, len(chart.series))
            for i, (name, points) in enumerate(chart.series.items()):
                values = {str(x): y for x, y in points}
                xs = [c + (i - (len(chart.series) - 1) / 2) * width for c in range(len(categories))]
                ax.bar(xs, [values.get(c, 0.0) for c in categories], width, label=name)
            ax.set_xticks(
                range(len(categories)), categories, rotation=20 if len(categories) > 4 else 0
            )
        else:
            for name, points in chart.series.items():
                ax.plot(
                    [x for x, _ in points],
                    [y for _, y in points],
                    marker="." if len(points) < 60 else None,
                    label=name,
                )
        ax.set_title(chart.title)
        ax.set_xlabel(chart.x_label)
        ax.set_ylabel(chart.y_label)
        ax.grid(True, alpha=0.3)
        if len(chart.series) > 1:
            ax.legend(fontsize="small")
        fig.tight_layout()
        fig.savefig(path)
    finally:
        plt.close(fig)


def render_plots(reports: list[Report], directory: Path, stem: str) -> list[Path]:
    """Draw every report's plots as `<stem>-<report>-<n>-<title>.png` in `directory`,
    after removing the previous run's files of the same stem. Returns the files written."""
    for old in directory.glob(f"{stem}-*.png"):
        old.unlink()
    written: list[Path] = []
    for report in reports:
        report.plot_files = []
        for n, chart in enumerate(report.plots, 1):
            path = directory / f"{stem}-{report.name}-{n}-{_slug(chart.title)}.png"
            try:
                _draw(chart, path)
            except ImportError as exc:
                report.note(f"plots not drawn: {exc} (install with `pip install -e '.[bench]'`)")
                return written
            report.plot_files.append(path.name)
            written.append(path)
    return written
