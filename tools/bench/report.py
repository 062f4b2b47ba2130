"""Running the registered benchmarks and printing their records as a table."""

from __future__ import annotations

import platform
from collections.abc import Sequence

from .record import Record
from .registry import Settings, registered
from .timing import gc_mode

__all__ = ["run_benchmarks", "missed", "format_report"]


def run_benchmarks(settings: Settings, only: str | None = None) -> list[Record]:
    """Every registered benchmark (or those of group ``only``), in group order.

    ``ValueError`` if ``only`` names a group without a registered benchmark.
    """
    groups = registered()
    if only is not None:
        if only not in groups:
            raise ValueError(
                f"no benchmark is registered for group {only!r}; "
                f"registered: {', '.join(groups) or 'none'}"
            )
        groups = {only: groups[only]}
    records: list[Record] = []
    for benches in groups.values():
        for bench in benches:
            records += bench(settings)
    return records


def missed(records: Sequence[Record]) -> list[Record]:
    """The records whose target was not met (context figures never miss)."""
    return [r for r in records if r.met is False]


def _num(x: float) -> str:
    return f"{x:,.0f}"


def format_report(records: Sequence[Record], settings: Settings) -> str:
    """A header saying how the figures were measured, one table per group, then the targets."""
    lines = [
        f"Python {platform.python_version()} ({platform.python_implementation()}); "
        f"garbage collector {gc_mode()}; {settings.repeat} paired rounds per figure; "
        "ratio = median of paired ratios candidate/baseline (> 1: the candidate is faster)",
    ]
    if settings.quick:
        lines.append(
            "--quick: few iterations, the figures are noisy; targets are judged on the full run"
        )
    header = ("figure", "candidate", "baseline", "baseline rate", "ratio", "target", "met")
    groups: dict[str, list[Record]] = {}
    for r in records:
        groups.setdefault(r.group, []).append(r)
    for group, recs in groups.items():
        body = [
            (
                r.name,
                f"{_num(r.value)} {r.unit}",
                r.baseline,
                f"{_num(r.baseline_value)} {r.unit}",
                f"{r.ratio:.2f}x",
                "context" if r.target is None else f">= {r.target:g}x",
                "-" if r.met is None else ("yes" if r.met else "MISSED"),
            )
            for r in recs
        ]
        widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]

        def fmt(row: Sequence[str], widths: list[int] = widths) -> str:
            cells = [
                c.ljust(w) if i in (0, 2) else c.rjust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            ]
            return "  ".join(cells).rstrip()

        lines += ["", f"[{group}]", fmt(header), "  ".join("-" * w for w in widths)]
        lines += [fmt(row) for row in body]
    with_target = [r for r in records if r.target is not None]
    miss = missed(records)
    lines.append("")
    lines.append(
        f"targets: {len(with_target) - len(miss)} of {len(with_target)} met"
        + (" (quick run: not judged)" if settings.quick else "")
    )
    lines += [
        f"  missed: {r.group} {r.name}: {r.ratio:.2f}x {r.baseline} (target >= {r.target:g}x)"
        for r in miss
    ]
    return "\n".join(lines)
