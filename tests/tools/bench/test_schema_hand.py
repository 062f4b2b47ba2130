"""The hand-written baseline does wirekit's job: same bytes, same objects, same refusals."""

from __future__ import annotations

import pytest

from wirekit.protocol_spec import DecodeError, EncodeError
from wirekit.protocol_spec.example import (
    EXAMPLE,
    Chat,
    ErrorCode,
    ErrorReply,
    Feature,
    Heartbeat,
    Login,
    Position,
    SensorKind,
    Telemetry,
    sample_messages,
)
from wirekit.tools.bench.schema_hand import hand_decode, hand_encode

# more than the samples: empty/absent values, multi-byte varints, other enum members
EXTRA_MESSAGES = [
    Login(user=""),
    Login(user="\N{GREEK SMALL LETTER ALPHA}" * 100, features=Feature(15), build=(1 << 24) - 1),
    Login(user="x", features=5),  # a plain int for a flags field
    Telemetry(sensor_id=0, kind=SensorKind.VOLTAGE, timestamp_us=0),
    Telemetry(
        sensor_id=1, kind=2, timestamp_us=300, position=Position(lat=0.0, lon=-1.5, alt_m=2.0)
    ),
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
    ErrorReply(code=404, in_reply_to=1, detail="\N{GLOBE WITH MERIDIANS}"),
]

MESSAGES = sample_messages() + EXTRA_MESSAGES


def short_id(msg):
    return f"{type(msg).__name__}-{EXAMPLE.encode(msg)[:12].hex()}"


@pytest.mark.parametrize("msg", MESSAGES, ids=short_id)
def test_same_bytes_and_objects_as_wirekit(msg):
    data = EXAMPLE.encode(msg)
    assert hand_encode(msg) == data
    obj = hand_decode(data)
    assert type(obj) is type(msg) and obj == EXAMPLE.decode(data)
    assert hand_decode(bytearray(data)) == obj  # bytes-like input, like Protocol.decode


def bad(msg, **changes):
    for k, v in changes.items():
        setattr(msg, k, v)
    return msg


LOGIN = sample_messages()[0]
BAD_VALUES = [
    ("user", 3),
    ("user", "x" * 256),
    ("user", "\ud800"),
    ("client_version", 70_000),
    ("client_version", -1),
    ("client_version", "1"),
    ("features", Feature(16)),
    ("features", 16),
    ("features", SensorKind.HUMIDITY),
    ("session", b"short"),
    ("session", "12345678"),
    ("token", b"x" * 256),
    ("token", "text"),
    ("build", 1 << 24),
    ("build", -1),
    ("build", "x"),
]
BAD_TELEMETRY = [
    ("sensor_id", 1 << 16),
    ("kind", 99),
    ("kind", ErrorCode.INTERNAL),
    ("kind", "a"),
    ("timestamp_us", -1),
    ("timestamp_us", 1 << 64),
    ("timestamp_us", 1.5),
    ("drift_ns", 1 << 63),
    ("drift_ns", "0"),
    ("values", ["x"]),
    ("values", [1e39]),
    ("values", None),
    ("tags", ["x" * 256]),
    ("tags", [3]),
    ("tags", ["t"] * 256),
    ("calibration", [1, 2]),
    ("calibration", [1, 2, 70_000]),
    ("position", 5),
    ("battery_pct", 256),
]
BAD = (
    [(Login, f, v) for f, v in BAD_VALUES]
    + [(Telemetry, f, v) for f, v in BAD_TELEMETRY]
    + [
        (Chat, "msg_id", -1),
        (Chat, "room", None),
        (Chat, "text", "x" * 70_000),
        (Chat, "sent_at_ms", 1 << 64),
        (Heartbeat, "seq", -1),
        (Heartbeat, "healthy", 1),
        (Heartbeat, "load", "x"),
        (Heartbeat, "uptime_ms", 1 << 64),
        (ErrorReply, "code", 999),
        (ErrorReply, "code", SensorKind.HUMIDITY),
        (ErrorReply, "detail", b"bytes"),
    ]
)


@pytest.mark.parametrize(
    "cls, field, value", BAD, ids=[f"{c.__name__}.{f}={v!r:.20}" for c, f, v in BAD]
)
def test_refuses_what_wirekit_refuses(cls, field, value):
    msg = next(m for m in sample_messages() if type(m) is cls)
    setattr(msg, field, value)
    with pytest.raises(EncodeError):
        EXAMPLE.encode(msg)
    with pytest.raises(Exception):  # noqa: B017 - any exception: hand code has no error classes
        hand_encode(msg)


def variants(data: bytes):
    """Every truncation, a trailing byte, and each byte replaced by a few telling values."""
    for n in range(len(data)):
        yield data[:n]
    yield data + b"\x00"
    for i in range(len(data)):
        for b in {0, 1, 2, 0x7F, 0x80, 0xFF, data[i] ^ 1}:
            yield data[:i] + bytes([b]) + data[i + 1 :]


@pytest.mark.parametrize("msg", MESSAGES, ids=short_id)
def test_decodes_and_refuses_exactly_what_wirekit_does(msg):
    for data in variants(EXAMPLE.encode(msg)):
        try:
            expected = EXAMPLE.decode(data)
        except DecodeError:
            with pytest.raises(Exception):  # noqa: B017
                hand_decode(data)
            continue
        got = hand_decode(data)
        assert type(got) is type(expected) and repr(got) == repr(expected), data.hex()
