"""A :class:`~wirekit.tools.sizes.SizeReport` as text: aligned tables, a bar chart, CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from .sizes import SizeReport, SizeRow

__all__ = ["render_report", "report_csv", "bar_chart", "size_table"]

_BAR = "\N{FULL BLOCK}"
_PARTIAL = " \N{LEFT ONE EIGHTH BLOCK}\N{LEFT ONE QUARTER BLOCK}\N{LEFT THREE EIGHTHS BLOCK}"
_PARTIAL += "\N{LEFT HALF BLOCK}\N{LEFT FIVE EIGHTHS BLOCK}\N{LEFT THREE QUARTERS BLOCK}"
_PARTIAL += "\N{LEFT SEVEN EIGHTHS BLOCK}"


def _num(x: float, whole: bool) -> str:
    return f"{x:.0f}" if whole else f"{x:.1f}"


def _align(table: list[list[str]], left: int = 1) -> list[str]:
    """Columns padded to their widest cell: the first ``left`` columns left-aligned."""
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    out = []
    for row in table:
        cells = [
            c.ljust(w) if i < left else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        out.append("  ".join(cells).rstrip())
    return out


def size_table(
    rows: Sequence[SizeRow],
    encodings: Sequence[str],
    zipped: bool = False,
    *,
    distributions: bool = False,
) -> list[str]:
    """Rows as aligned lines: bytes per encoding, ratios to ``fixed``, the smallest
    (``distributions``: a column naming each row's distribution, after the name)."""
    lead = ["", "values"] if distributions else [""]
    head = lead + ["n"] + list(encodings) + ["smallest"]
    table = [head]
    # whole numbers when every size is (single messages), else one decimal throughout
    every = [
        (r.zlib if zipped else r.sizes)[e] for r in rows if r.kind != "total" for e in encodings
    ]
    integral = all(v == int(v) for v in every)
    for row in rows:
        sizes = row.zlib if zipped else row.sizes
        whole = integral or row.kind == "total"
        fixed = sizes["fixed"]
        cells = [row.name] + ([row.distribution or ""] if distributions else []) + [str(row.count)]
        for e in encodings:
            text = _num(sizes[e], whole)
            if e != "fixed":
                ratio = sizes[e] / fixed if fixed else float("inf")
                text += f" {ratio:5.2f}x" if ratio != float("inf") else "    inf"
            cells.append(text)
        cells.append(min(encodings, key=lambda e: sizes[e]))
        table.append(cells)
    return _align(table, left=len(lead))


def bar_chart(values: dict[str, float], *, width: int = 40, unit: str = "bytes") -> list[str]:
    """One bar per entry, scaled to the largest, with the value and its ratio to the first."""
    if not values:
        return []
    top = max(values.values()) or 1.0
    first = next(iter(values.values())) or 1.0
    label = max(len(k) for k in values)
    digits = max(len(f"{v:,.0f}") for v in values.values())
    lines = []
    for name, value in values.items():
        eighths = round(value / top * width * 8)
        bar = _BAR * (eighths // 8) + (_PARTIAL[eighths % 8] if eighths % 8 else "")
        lines.append(
            f"{name.ljust(label)}  {bar.ljust(width)}  {value:>{digits},.0f} {unit}"
            f"  {value / first:5.2f}x"
        )
    return lines


def render_report(report: SizeReport, *, chart: bool = True, title: str | None = None) -> str:
    """The report as ``wirekit sizes`` prints it."""
    encs = report.encodings
    messages = [r for r in report.rows if r.kind in ("message", "total")]
    integers = [r for r in report.rows if r.kind == "integer"]
    zipped = any(r.zlib for r in report.rows)
    lines = [title or "Sizes in each encoding", f"values: {report.source}"]
    lines += [f"note: {n}" for n in report.notes]
    if messages:
        lines += ["", "Bytes per message (total: all bytes), ratio to the schema's binary (fixed):"]
        lines += ["  " + line for line in size_table(messages, encs, False)]
    if integers:
        lines += [
            "",
            f"Plain integers, {integers[0].count} values of each distribution: bytes per value"
            " (ascii: digits + one separator):",
        ]
        lines += ["  " + line for line in size_table(integers, encs, distributions=True)]
    if zipped:
        if messages:
            lines += ["", "After zlib (each row's messages compressed together), per message:"]
            lines += ["  " + line for line in size_table(messages, encs, True)]
        if integers:
            lines += ["", "Plain integers after zlib, per value:"]
            lines += ["  " + line for line in size_table(integers, encs, True, distributions=True)]
    for row in messages:
        if not row.fields:
            continue
        lines += ["", f"{row.name}: bytes per field (average of {row.count}):"]
        table = [["field"] + list(encs) + ["smallest"]]
        whole = all(v == int(v) for f in row.fields for v in f.sizes.values())
        for f in row.fields:
            table.append([f.name] + [_num(f.sizes[e], whole) for e in encs] + [", ".join(f.best())])
        lines += ["  " + line for line in _align(table)]
    total = next((r for r in messages if r.kind == "total"), None)
    if chart and total is not None:
        lines += ["", f"All {total.count} messages, bytes in each encoding:"]
        lines += ["  " + line for line in bar_chart({e: total.sizes[e] for e in encs})]
        if total.zlib:
            lines += ["", "The same after zlib:"]
            lines += ["  " + line for line in bar_chart({e: total.zlib[e] for e in encs})]
    return "\n".join(lines)


def report_csv(report: SizeReport) -> str:
    """One CSV line per row: name, kind, distribution, count, each encoding (and ``_zlib``)."""
    zipped = any(r.zlib for r in report.rows)
    encs = list(report.encodings)
    header = ["name", "kind", "distribution", "count"] + encs
    header += [f"{e}_zlib" for e in encs] if zipped else []
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    for row in report.rows:
        rec = row.to_record()
        writer.writerow([rec.get(k, "") for k in header])
    return buf.getvalue()
