"""The built-in example protocol: a small chat + telemetry application.

It exercises the whole field vocabulary and is the default protocol of the
``wirekit`` CLI and of the documentation.  Message 4, ``Heartbeat``, is the
all-fixed-width message (one ``struct`` format on the fast path).
"""

from __future__ import annotations

import enum

import construct

from .composite import Array, Optional
from .fields import (
    Bytes,
    Enum,
    FixedBytes,
    Flags,
    String,
    boolean,
    f32,
    f64,
    i16,
    u8,
    u16,
    u32,
    u64,
    varsint,
    varuint,
)
from .message import Message
from .protocol import Protocol
from .spec import Spec

__all__ = [
    "Feature",
    "SensorKind",
    "ErrorCode",
    "Position",
    "Login",
    "Chat",
    "Telemetry",
    "Heartbeat",
    "ErrorReply",
    "EXAMPLE",
    "EXAMPLE_SPEC",
    "sample_messages",
]


class Feature(enum.IntFlag):
    COMPRESSION = 1
    ENCRYPTION = 2
    BATCHING = 4
    TELEMETRY = 8


class SensorKind(enum.IntEnum):
    TEMPERATURE = 1
    HUMIDITY = 2
    PRESSURE = 3
    VOLTAGE = 4


class ErrorCode(enum.IntEnum):
    BAD_REQUEST = 400
    UNAUTHORIZED = 401
    NOT_FOUND = 404
    RATE_LIMITED = 429
    INTERNAL = 500


class Position(Message):
    """A WGS-84 position (nested structure, no tag of its own)."""

    lat: f64
    lon: f64
    alt_m: f32


class Login(Message, tag=1):
    """Client hello: who I am and what I support."""

    user: String(u8)
    client_version: u16 = 1
    features: Flags(Feature) = Feature(0)
    session: FixedBytes(8) = bytes(8)
    token: Bytes(u8) = b""
    build: construct.Int24ub = 0  # a raw construct, for what the vocabulary lacks


class Chat(Message, tag=2):
    """A chat line sent to a room."""

    msg_id: u32
    room: String(u8)
    text: String(u16)
    sent_at_ms: u64 = 0


class Telemetry(Message, tag=3):
    """A batch of sensor readings."""

    sensor_id: u16
    kind: Enum(SensorKind)
    timestamp_us: varuint
    drift_ns: varsint = 0
    values: Array(f32) = []
    tags: Array(String(u8), count=u8) = []
    calibration: Array(i16, length=3) = [0, 0, 0]
    position: Optional(Position) = None
    battery_pct: Optional(u8) = None


class Heartbeat(Message, tag=4):
    """Keep-alive; all fields fixed-width."""

    seq: u32
    uptime_ms: u64
    load: f32
    healthy: boolean = True


class ErrorReply(Message, tag=5):
    """Error answer to a request."""

    code: Enum(ErrorCode, u16)
    in_reply_to: u32
    detail: String(u16) = ""


EXAMPLE = Protocol("example", [Login, Chat, Telemetry, Heartbeat, ErrorReply])

#: The example as a spec: one protocol both ways, framed by the u32 big-endian length
#: prefix the demo uses (``LengthPrefixed(width=4)``).
EXAMPLE_SPEC = Spec(
    "example",
    client=EXAMPLE,
    framing="length:4",
    port=7777,
    description="wirekit's example chat + telemetry protocol",
)


def sample_messages() -> list[Message]:
    """One realistic instance of every example message (used by the demo and benchmarks)."""
    return [
        Login(
            user="ada",
            client_version=3,
            features=Feature.COMPRESSION | Feature.BATCHING,
            session=b"\x00\x11\x22\x33\x44\x55\x66\x77",
            token=b"s3cr3t",
            build=70_001,
        ),
        Chat(
            msg_id=42,
            room="general",
            text="hello, wire! \N{GLOBE WITH MERIDIANS}",
            sent_at_ms=1_764_000_000_000,
        ),
        Telemetry(
            sensor_id=7,
            kind=SensorKind.TEMPERATURE,
            timestamp_us=1_764_000_000_123_456,
            drift_ns=-1500,
            values=[21.5, 21.75, 22.0, 22.25],
            tags=["roof", "north", "calibrated", "v2"],
            calibration=[-3, 0, 12],
            position=Position(lat=52.52, lon=13.405, alt_m=34.5),
            battery_pct=87,
        ),
        Heartbeat(seq=1001, uptime_ms=86_400_000, load=0.75, healthy=True),
        ErrorReply(code=ErrorCode.RATE_LIMITED, in_reply_to=42, detail="slow down"),
    ]
