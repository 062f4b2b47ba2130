"""Running registered benchmarks and the text report."""

from __future__ import annotations

import pytest

from wirekit.tools.bench import CONTEXT_NOTE, Record, Settings
from wirekit.tools.bench import registry as reg
from wirekit.tools.bench.report import format_report, missed, run_benchmarks


def rec(name, ratio, target, group="schema"):
    met = None if target is None else ratio >= target
    return Record(
        group=group,
        name=name,
        unit="msg/s",
        value=1000.0 * ratio,
        baseline="hand-written" if target else "msgpack",
        baseline_value=1000.0,
        ratio=ratio,
        target=target,
        met=met,
        gc="on",
        note="" if target else CONTEXT_NOTE,
    )


RECORDS = [
    rec("Login encode", 0.5, 0.85),
    rec("Login encode", 0.4, None),
    rec("one buffer", 0.9, 0.8, group="deframe"),
]


def test_missed_lists_only_missed_targets():
    assert missed(RECORDS) == [RECORDS[0]]


def test_format_report():
    text = format_report(RECORDS, Settings(repeat=4))
    lines = text.splitlines()
    assert "garbage collector on; 4 paired rounds per figure" in lines[0]
    assert "[schema]" in lines and "[deframe]" in lines
    assert not any("--quick" in line for line in lines)
    login = [line for line in lines if line.startswith("Login encode")]
    assert login[0].split()[-4:] == ["0.50x", ">=", "0.85x", "MISSED"]
    assert login[0].endswith("MISSED") and "context" in login[1]
    assert "targets: 1 of 2 met" in lines
    assert "  missed: schema Login encode: 0.50x hand-written (target >= 0.85x)" in lines


def test_quick_report_says_figures_are_noisy():
    text = format_report(RECORDS, Settings(quick=True, repeat=1))
    assert "the figures are noisy" in text and "(quick run: not judged)" in text


def test_run_benchmarks_by_group(monkeypatch):
    monkeypatch.setattr(reg, "_REGISTRY", {})
    monkeypatch.setattr(reg, "BENCH_MODULES", ())
    reg.register("deframe", lambda s: [RECORDS[2]])
    reg.register("schema", lambda s: RECORDS[:2])
    assert run_benchmarks(Settings()) == RECORDS  # group order, not registration order
    assert run_benchmarks(Settings(), only="deframe") == [RECORDS[2]]
    with pytest.raises(ValueError, match="no benchmark is registered for group 'capture'"):
        run_benchmarks(Settings(), only="capture")
