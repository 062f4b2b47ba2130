"""The capture benchmark's pieces (never timed here): its struct baseline and registration."""

from __future__ import annotations

import pytest

from wirekit.tools.bench.capture import _rss_record, struct_loop
from wirekit.tools.bench.registry import Settings, registered
from wirekit.tools.capture.generate import write_dns_capture


def test_struct_loop_counts_every_message(tmp_path):
    path = tmp_path / "dns.pcap"
    with open(path, "wb") as f:
        info = write_dns_capture(f, 100_000, connections=3)
    assert struct_loop(str(path)) == info["messages"] > 0


def test_capture_group_is_registered():
    assert "capture" in registered()


@pytest.mark.parametrize(("peak", "met"), [(50.0, True), (250.0, False)])
def test_rss_record_is_judged_against_the_limit(peak, met):
    rec = _rss_record(Settings(), "peak RSS", [peak / 2, peak])
    assert rec.value == peak and rec.met is met and rec.ratio == pytest.approx(200 / peak)
