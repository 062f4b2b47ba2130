"""tools/size_table.py: aligned tables, the bar chart and CSV of a size report."""

from __future__ import annotations

import csv
import io

from wirekit.protocol_spec.example import EXAMPLE, sample_messages
from wirekit.tools.size_table import bar_chart, render_report, report_csv
from wirekit.tools.sizes import size_report


def test_columns_line_up_and_whole_sizes_print_as_integers():
    report = size_report(EXAMPLE, messages=sample_messages(), integers=False)
    text = render_report(report, title="T")
    lines = text.splitlines()
    assert lines[0] == "T" and lines[1] == "values: 5 given messages"
    table = [
        line for line in lines if line.startswith("  ") and "x" in line and "bytes" not in line
    ]
    header = next(line for line in lines if "smallest" in line)
    # every row ends under the header's last column ("smallest" is right-aligned)
    assert {len(line) for line in table} == {len(header)}
    heartbeat = next(line for line in table if "Heartbeat" in line)
    assert heartbeat.split()[:3] == ["Heartbeat", "1", "18"]  # n=1, 18 bytes, no ".0"
    assert "All 5 messages, bytes in each encoding:" in text


def test_averages_print_one_decimal_and_compressed_tables_appear():
    report = size_report(EXAMPLE, count=7, int_count=30, compressed=True)
    text = render_report(report)
    assert "After zlib" in text and "Plain integers after zlib" in text
    assert "The same after zlib:" in text
    u64 = [line.split() for line in text.splitlines() if line.startswith("  u64 ")]
    assert [cells[1] for cells in u64[:4]] == ["zeros", "small", "uniform", "realistic"]
    assert u64[0][2:4] == ["30", "8.0"]  # n, then fixed: one decimal (others are averages)


def test_bar_chart_scales_to_the_largest_value():
    lines = bar_chart({"fixed": 10, "json": 40}, width=8)
    assert lines[0].startswith("fixed  \N{FULL BLOCK}\N{FULL BLOCK} ")
    assert "\N{FULL BLOCK}" * 8 in lines[1] and lines[1].endswith("4.00x")
    assert bar_chart({}) == []
    assert "\N{LEFT HALF BLOCK}" in bar_chart({"a": 1, "b": 16}, width=8)[0]  # 0.5 of a cell


def test_csv_has_one_line_per_row_and_zlib_columns_when_compressed():
    report = size_report(EXAMPLE, count=2, int_count=5, compressed=True)
    rows = list(csv.DictReader(io.StringIO(report_csv(report))))
    assert len(rows) == len(report.rows)
    assert rows[0]["name"] == "Login" and "ascii_zlib" in rows[0]
    plain = report_csv(size_report(EXAMPLE, count=2, int_count=5))
    assert (
        plain.splitlines()[0] == "name,kind,distribution,count,fixed,varint,msgpack,json,ascii,cbor"
    )
