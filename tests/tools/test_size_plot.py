"""tools/size_plot.py: bar charts written as PNG or SVG (skipped without matplotlib)."""

from __future__ import annotations

import pytest

from wirekit.protocol_spec.example import EXAMPLE, sample_messages
from wirekit.tools.size_plot import PlotUnavailable, write_plot
from wirekit.tools.sizes import size_report


def test_only_png_and_svg(tmp_path):
    report = size_report(EXAMPLE, messages=sample_messages(), integers=False)
    with pytest.raises(PlotUnavailable, match="writes .png or .svg files, not 'x.jpg'"):
        write_plot(report, tmp_path / "x.jpg")


def test_messages_only_and_integers_only_reports_plot(tmp_path):
    pytest.importorskip("matplotlib")
    messages = size_report(EXAMPLE, messages=sample_messages(), integers=False)
    path = write_plot(messages, tmp_path / "m.PNG")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    integers = size_report(EXAMPLE, messages=[], int_count=10)
    svg = write_plot(integers, tmp_path / "i.svg").read_text()
    assert "<svg" in svg and "u64" in svg
    with pytest.raises(PlotUnavailable, match="cannot write"):
        write_plot(messages, tmp_path / "no" / "such" / "dir.png")
