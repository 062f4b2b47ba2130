"""The schema group: baselines verified before timing, four records per message and direction."""

from __future__ import annotations

import pytest

from wirekit.protocol_spec import Message, u8
from wirekit.protocol_spec.example import Heartbeat, sample_messages
from wirekit.tools.bench import BaselineMismatch, Settings, schema_hand
from wirekit.tools.bench import schema as bench_schema
from wirekit.tools.bench.schema import schema_records, verify_baselines

from .test_schema_hand import EXTRA_MESSAGES

QUICK = Settings(quick=True, repeat=1)


@pytest.fixture
def tiny(monkeypatch):
    monkeypatch.setattr(bench_schema, "QUICK_NUMBER", 3)


def test_verify_baselines_accepts_samples_and_extras():
    verify_baselines()
    verify_baselines(EXTRA_MESSAGES)


def test_a_wrong_hand_encoder_is_caught(monkeypatch):
    monkeypatch.setitem(schema_hand.HAND_ENCODERS, Heartbeat, lambda m: b"\x04" + bytes(17))
    with pytest.raises(BaselineMismatch, match="Heartbeat: hand-written encode"):
        verify_baselines([Heartbeat(seq=1, uptime_ms=2, load=0.5)])


def test_a_wrong_hand_decoder_is_caught(monkeypatch):
    wrong = Heartbeat(seq=9, uptime_ms=2, load=0.5)
    monkeypatch.setitem(schema_hand.HAND_DECODERS, 4, lambda data: wrong)
    with pytest.raises(BaselineMismatch, match="Heartbeat: hand-written decode"):
        verify_baselines([Heartbeat(seq=1, uptime_ms=2, load=0.5)])


def test_a_wrong_construct_schema_is_caught(monkeypatch):
    import construct as cs

    # seq little-endian: the wrong bytes
    wrong = cs.Struct(
        "tag" / cs.Int8ub,
        "seq" / cs.Int32ul,
        "uptime_ms" / cs.Int64ub,
        "load" / cs.Float32b,
        "healthy" / cs.Flag,
    )
    monkeypatch.setitem(bench_schema.CONSTRUCT_COMPILED, Heartbeat, wrong)
    with pytest.raises(BaselineMismatch, match="construct compiled build"):
        verify_baselines([Heartbeat(seq=1, uptime_ms=2, load=0.5)])


class Other(Message, tag=9):
    x: u8


def test_non_example_message_is_refused():
    with pytest.raises(ValueError, match="Other"):
        verify_baselines([Other(x=1)])


def test_records(tiny):
    recs = schema_records(QUICK)
    names = [f"{type(m).__name__} {d}" for m in sample_messages() for d in ("encode", "decode")]
    assert [r.name for r in recs[::4]] == names
    assert [r.baseline for r in recs[:4]] == [
        "hand-written",
        "construct compiled",
        "construct interpreted",
        "msgpack",
    ]
    for r in recs:
        assert r.group == "schema" and r.unit == "msg/s" and r.gc == "on"
        assert r.value > 0 and r.baseline_value > 0 and r.ratio > 0
        if r.baseline == "hand-written":
            assert r.target == 0.85 and isinstance(r.met, bool)
        else:
            assert r.target is None and r.met is None


def test_registered_bench_runs_the_samples(tiny):
    assert len(bench_schema.bench_schema(QUICK)) == 4 * 2 * len(sample_messages())
