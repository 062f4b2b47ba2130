"""Behaviour of the schema benchmark (tools/bench_spec.py).  Never asserts speed."""

from __future__ import annotations

import dataclasses
import math

import pytest

from wirekit.protocol_spec import Message, u8
from wirekit.protocol_spec.example import (
    EXAMPLE,
    ErrorCode,
    ErrorReply,
    Feature,
    Heartbeat,
    Login,
    SensorKind,
    Telemetry,
    sample_messages,
)
from wirekit.tools import bench_spec
from wirekit.tools.bench_spec import (
    CONSTRUCT_SCHEMAS,
    STRUCT_ENCODERS,
    BaselineMismatch,
    MissedTarget,
    SchemaBenchRow,
    check_targets,
    construct_dict,
    format_schema_results,
    missed_targets,
    run_schema_bench,
    struct_decode,
    verify_baselines,
)

# more than the samples: empty/absent values, multi-byte varints, other enum members
EXTRA_MESSAGES = [
    Login(user=""),
    Login(user="\N{GREEK SMALL LETTER ALPHA}" * 100, features=Feature(15), build=(1 << 24) - 1),
    Telemetry(sensor_id=0, kind=SensorKind.VOLTAGE, timestamp_us=0),
    Telemetry(
        sensor_id=65535,
        kind=SensorKind.PRESSURE,
        timestamp_us=(1 << 64) - 1,
        drift_ns=-(1 << 63),
        values=[1.5] * 300,
        tags=[""],
        calibration=[-32768, 32767, 0],
        battery_pct=0,
    ),
    Heartbeat(seq=0, uptime_ms=(1 << 64) - 1, load=-0.0, healthy=False),
    ErrorReply(code=ErrorCode.INTERNAL, in_reply_to=0),
]


def all_messages():
    return sample_messages() + EXTRA_MESSAGES


def short_id(msg):
    return f"{type(msg).__name__}-{EXAMPLE.encode(msg)[:12].hex()}"


@pytest.mark.parametrize("msg", all_messages(), ids=short_id)
def test_struct_baseline_matches_wirekit(msg):
    data = EXAMPLE.encode(msg)
    assert STRUCT_ENCODERS[type(msg)](msg) == data
    obj = struct_decode(data)
    assert type(obj) is type(msg)
    assert obj == msg


@pytest.mark.parametrize("msg", all_messages(), ids=short_id)
def test_construct_baseline_matches_wirekit(msg):
    data = EXAMPLE.encode(msg)
    schema = CONSTRUCT_SCHEMAS[type(msg)]
    d = construct_dict(msg)
    assert schema.build(d) == data
    parsed = schema.parse(data)
    for name, value in d.items():
        if isinstance(value, dict):  # the nested Position: a Container of its own
            assert {k: parsed[name][k] for k in value} == value, name
        else:
            assert parsed[name] == value, name


def test_construct_dict_uses_plain_ints_and_presence_bytes():
    tele = next(m for m in sample_messages() if isinstance(m, Telemetry))
    d = construct_dict(tele)
    assert d["tag"] == 3
    assert type(d["kind"]) is int
    assert d["has_position"] == 1 and d["has_battery"] == 1
    assert d["position"] == tele.position.to_dict()


def test_verify_baselines_accepts_samples_and_extras():
    verify_baselines()
    verify_baselines(all_messages())


def test_verify_baselines_catches_a_wrong_baseline(monkeypatch):
    hb = Heartbeat(seq=1, uptime_ms=2, load=0.5)
    monkeypatch.setitem(STRUCT_ENCODERS, Heartbeat, lambda m: b"\x04" + bytes(17))
    with pytest.raises(BaselineMismatch, match="Heartbeat: struct encode"):
        verify_baselines([hb])


def test_verify_baselines_catches_a_wrong_decoder(monkeypatch):
    hb = Heartbeat(seq=1, uptime_ms=2, load=0.5)
    wrong = Heartbeat(seq=9, uptime_ms=2, load=0.5)
    monkeypatch.setitem(bench_spec._STRUCT_DECODERS, 4, lambda data: wrong)
    with pytest.raises(BaselineMismatch, match="Heartbeat: struct decode"):
        verify_baselines([hb])


class Other(Message, tag=9):
    x: u8


def test_non_example_message_is_refused():
    with pytest.raises(ValueError, match="Other"):
        run_schema_bench(number=1, repeat=1, messages=[Other(x=1)])


@pytest.mark.parametrize("number, repeat", [(0, 1), (1, 0)])
def test_bad_sizes_are_refused(number, repeat):
    with pytest.raises(ValueError):
        run_schema_bench(number=number, repeat=repeat)


def test_run_schema_bench_structure():
    msgs = sample_messages()
    rows = run_schema_bench(number=3, repeat=2, construct_number=1)
    assert [(r.message, r.direction) for r in rows] == [
        (type(m).__name__, d) for m in msgs for d in ("encode", "decode")
    ]
    for row in rows:
        assert isinstance(row, SchemaBenchRow)
        for rate in (row.wirekit_per_s, row.struct_per_s, row.construct_per_s):
            assert rate > 0 and math.isfinite(rate)
        assert row.ratio_vs_struct == pytest.approx(row.wirekit_per_s / row.struct_per_s)
        assert row.ratio_vs_construct == pytest.approx(row.wirekit_per_s / row.construct_per_s)
        assert row.fixed_width is (row.message == "Heartbeat")
    with pytest.raises(dataclasses.FrozenInstanceError):
        rows[0].wirekit_per_s = 1.0  # type: ignore[misc]


def test_run_schema_bench_subset_of_messages():
    hb = Heartbeat(seq=5, uptime_ms=6, load=1.0)
    rows = run_schema_bench(number=2, repeat=1, messages=[hb])
    assert [(r.message, r.direction) for r in rows] == [
        ("Heartbeat", "encode"),
        ("Heartbeat", "decode"),
    ]


def row(message="Heartbeat", direction="encode", vs_struct=1.0, vs_construct=10.0, fixed=True):
    return SchemaBenchRow(
        message=message,
        direction=direction,
        wirekit_per_s=1000.0,
        struct_per_s=1000.0 / vs_struct,
        construct_per_s=1000.0 / vs_construct,
        ratio_vs_struct=vs_struct,
        ratio_vs_construct=vs_construct,
        fixed_width=fixed,
    )


def test_check_targets():
    assert check_targets([row(), row(direction="decode")]) == []
    missed = check_targets(
        [
            row(vs_struct=0.4),
            row("Chat", vs_struct=0.1, fixed=False),  # not fixed-width: no struct target
            row("Chat", "decode", vs_construct=4.0, fixed=False),
        ]
    )
    assert len(missed) == 2
    assert missed[0].startswith("Heartbeat encode: 0.40x hand-written struct")
    assert missed[1].startswith("Chat decode: 4.0x interpreted construct")


def test_missed_targets_are_structured():
    rows = [
        row(vs_struct=0.4, vs_construct=4.0),
        row("Chat", "decode", vs_struct=0.1, vs_construct=4.0, fixed=False),
    ]
    missed = missed_targets(rows)
    assert [(m.target, m.text.split(":")[0]) for m in missed] == [
        ("struct", "Heartbeat encode"),
        ("construct", "Heartbeat encode"),
        ("construct", "Chat decode"),
    ]
    assert check_targets(rows) == [m.text for m in missed]
    with pytest.raises(dataclasses.FrozenInstanceError):
        missed[0].target = "construct"  # type: ignore[misc]


def test_format_groups_misses_by_kind_not_by_wording(monkeypatch):
    """A sentence mentioning the other baseline is still listed under its own target."""
    odd = [MissedTarget("struct", "X encode: slower than construct would suggest")]
    monkeypatch.setattr(bench_spec, "missed_targets", lambda rows: odd)
    lines = format_schema_results([row()]).splitlines()
    struct_at = lines.index(
        "target: fixed-width messages >= 0.5x hand-written struct, both ways: MISSED"
    )
    assert lines[struct_at + 1] == "  missed: X encode: slower than construct would suggest"
    assert "target: every message >= 5x interpreted construct, both ways: met" in lines


def test_module_docstring_names_the_command():
    assert "later" not in bench_spec.__doc__
    assert "wirekit bench" in bench_spec.__doc__


def test_format_schema_results_table_and_targets():
    text = format_schema_results([row(), row("Chat", "decode", vs_construct=4.0, fixed=False)])
    lines = text.splitlines()
    assert lines[0].split()[:2] == ["message", "dir"]
    assert set(lines[1]) <= {"-", " "}
    assert len({len(line) for line in lines[:2]}) == 1  # header and rule aligned
    assert "target: fixed-width messages >= 0.5x hand-written struct, both ways: met" in lines
    assert "target: every message >= 5x interpreted construct, both ways: MISSED" in lines
    assert any(line.startswith("  missed: Chat decode: 4.0x") for line in lines)


def test_format_real_results():
    rows = run_schema_bench(number=2, repeat=1, construct_number=1)
    text = format_schema_results(rows)
    for m in sample_messages():
        assert type(m).__name__ in text
    assert text.count("target: ") == 2


def test_main_prints_table(capsys):
    code = bench_spec.main(["--number", "2", "--repeat", "1"])
    out = capsys.readouterr().out
    assert "wirekit msg/s" in out
    assert code in (0, 1)  # the exit status reports targets; tests never judge speed
