"""The real-protocol schema figures: hand-written PostgreSQL code does wirekit's job."""

from __future__ import annotations

import pytest

from wirekit.protocol_spec import DecodeError, EncodeError
from wirekit.protocol_spec.specs.postgres import BACKEND, DataRow, FieldDescription, RowDescription
from wirekit.tools.bench import BaselineMismatch, Settings
from wirekit.tools.bench import schema_specs as bench
from wirekit.tools.bench.schema_specs import SAMPLES, hand_decode, hand_encode, verify_specs

EXTRA = [
    DataRow(values=[]),
    DataRow(values=[None, b"", b"x" * 300]),
    RowDescription(columns=[]),
    RowDescription(
        columns=[
            FieldDescription(
                name="\N{GREEK SMALL LETTER ALPHA}",
                table_oid=-1,
                column_number=-32768,
                type_oid=2**31 - 1,
                type_size=-1,
                type_modifier=0,
                format=1,
            )
        ]
    ),
]


@pytest.mark.parametrize("msg", SAMPLES + EXTRA, ids=repr)
def test_same_bytes_objects_and_refusals_as_wirekit(msg):
    data = BACKEND.encode(msg)
    assert hand_encode(msg) == data
    assert hand_decode(data) == BACKEND.decode(data) == msg
    variants = [data[:n] for n in range(len(data))] + [data + b"\x00"]
    variants += [data[:i] + bytes([b]) + data[i + 1 :] for i in range(len(data)) for b in (0, 0xFF)]
    for bad in variants:
        try:
            expected = BACKEND.decode(bad)
        except DecodeError:
            with pytest.raises(Exception):  # noqa: B017 - hand code has no error classes
                hand_decode(bad)
        else:
            assert hand_decode(bad) == expected


@pytest.mark.parametrize(
    "msg",
    [
        DataRow(values=[3]),
        DataRow(values=[b""] * 40_000),
        RowDescription(
            columns=[
                FieldDescription(
                    name="a\0b",
                    table_oid=0,
                    column_number=0,
                    type_oid=0,
                    type_size=0,
                    type_modifier=0,
                    format=0,
                )
            ]
        ),
    ],
    ids=["int-value", "too-many", "nul-in-name"],
)
def test_refuses_what_wirekit_refuses(msg):
    with pytest.raises(EncodeError):
        BACKEND.encode(msg)
    with pytest.raises(Exception):  # noqa: B017
        hand_encode(msg)


def test_a_wrong_baseline_is_caught(monkeypatch):
    monkeypatch.setitem(bench._ENCODERS, DataRow, lambda m: b"D\x00\x00")
    with pytest.raises(BaselineMismatch, match="DataRow: hand-written encode"):
        verify_specs()


def test_records():
    recs = bench.bench_specs(Settings(quick=True, repeat=1))
    assert [r.name for r in recs] == [
        "postgres DataRow encode",
        "postgres DataRow decode",
        "postgres RowDescription encode",
        "postgres RowDescription decode",
    ]
    assert all(r.target == 0.85 and r.baseline == "hand-written" for r in recs)
