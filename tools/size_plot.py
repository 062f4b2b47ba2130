"""``wirekit sizes --plot FILE.png|svg``: the size report as a grouped bar chart.

matplotlib is an optional extra (``pip install 'wirekit[plot]'``); without it
:func:`write_plot` raises :class:`PlotUnavailable` with that sentence.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from wirekit.protocol_spec import WirekitError

from .sizes import SizeReport, SizeRow

__all__ = ["PlotUnavailable", "write_plot", "PLOT_FORMATS"]

PLOT_FORMATS = (".png", ".svg")


class PlotUnavailable(WirekitError):
    """``--plot`` cannot be done: matplotlib is missing or the file name is not .png/.svg."""


def _figure() -> Any:
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise PlotUnavailable(
            "--plot needs matplotlib, which is not installed: pip install 'wirekit[plot]'"
        ) from exc
    return Figure


def _bars(ax: Any, rows: list[SizeRow], encodings: tuple[str, ...], title: str, unit: str) -> None:
    width = 0.8 / len(encodings)
    for i, enc in enumerate(encodings):
        xs = [j + (i - (len(encodings) - 1) / 2) * width for j in range(len(rows))]
        ax.bar(xs, [r.sizes[enc] for r in rows], width, label=enc)
    ax.set_xticks(range(len(rows)))
    ax.set_xticklabels([r.name for r in rows])
    ax.set_ylabel(unit)
    ax.set_title(title)
    ax.legend(fontsize="small", ncols=min(len(encodings), 6))


def write_plot(report: SizeReport, path: str | Path) -> Path:
    """Save the message rows and the integer rows as bar charts (PNG or SVG by extension)."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in PLOT_FORMATS:
        raise PlotUnavailable(f"--plot writes .png or .svg files, not {target.name!r}")
    figure_cls = _figure()
    messages = [r for r in report.rows if r.kind == "message"]
    integers = [r for r in report.rows if r.kind == "integer"]
    dists = list(dict.fromkeys(r.distribution for r in integers))
    panels: list[tuple[str, list[SizeRow]]] = [("Bytes per message", messages)] if messages else []
    for d in dists:  # one panel per distribution: the zeros/uniform inversion side by side
        panels.append((f"Bytes per integer ({d})", [r for r in integers if r.distribution == d]))
    fig = figure_cls(figsize=(11, 3.6 * max(len(panels), 1)), layout="constrained")
    axes = fig.subplots(max(len(panels), 1), 1, squeeze=False)[:, 0]
    for ax, (title, rows) in zip(axes, panels, strict=False):
        _bars(ax, rows, report.encodings, title, "bytes")
    fig.suptitle(f"wirekit sizes: {report.source}", fontsize="medium")
    try:
        fig.savefig(target, format=suffix[1:])
    except OSError as exc:
        raise PlotUnavailable(f"cannot write {target}: {exc.strerror or exc}") from exc
    return target
