"""Hand-written code doing the same job as ``EXAMPLE.encode`` / ``EXAMPLE.decode``.

The honest baseline of the schema benchmark (issue 9): what a skilled
programmer writes by hand for the example protocol, doing everything wirekit's
``Protocol`` does and no less:

* the same dispatch: ``type(msg)`` -> encoder, tag byte -> decoder, each a dict;
* the same value checks on encode (types, ranges, lengths, enum and flag
  values, bools that are bools), refused with an exception before any byte is
  returned; the same checks on decode (truncation, trailing bytes, UTF-8,
  enum values, undefined flag bits, bool and presence bytes);
* decoding with ``unpack_from`` at offsets into ``object.__new__`` instances
  whose slots are set directly (what wirekit's generated reader does, not the
  checking keyword ``__init__``);
* encoding one precompiled ``struct`` per run of fixed-width fields (a length
  prefix included), joined once.

The rare inputs wirekit accepts only through its careful fallback (a tuple for
a list, a ``bytearray`` for a bytes field) are refused here: they are not what
is timed.

:func:`hand_encode` / :func:`hand_decode` are checked against wirekit on every
message before anything is timed (``schema.verify_baselines``).
"""

from __future__ import annotations

import enum
import struct
from collections.abc import Callable
from typing import Any

from wirekit.protocol_spec import Message
from wirekit.protocol_spec.example import (
    Chat,
    ErrorCode,
    ErrorReply,
    Feature,
    Heartbeat,
    Login,
    Position,
    SensorKind,
    Telemetry,
)

__all__ = ["HAND_ENCODERS", "HAND_DECODERS", "hand_encode", "hand_decode"]

_new = object.__new__
_U8 = struct.Struct(">B")
_U16 = struct.Struct(">H")
_U64 = struct.Struct(">Q")
_U64_LIMIT = 1 << 64
_I64_MIN = -(1 << 63)
_I64_MAX = (1 << 63) - 1

_BOOLS = (False, True)  # IndexError for a byte > 1
_FEATURE_MASK = 0xF
_FEATURES = tuple(Feature(i) for i in range(16))  # IndexError for an undefined bit
_KIND_RAW = {m: m.value for m in SensorKind}
_KINDS = {m.value: m for m in SensorKind}  # KeyError for an unknown value
_CODE_RAW = {m: m.value for m in ErrorCode}
_CODES = {m.value: m for m in ErrorCode}


def _enum_raw(value: Any, cls: Any, raw_of: dict[Any, int]) -> int:
    """A plain int naming a member (what wirekit also accepts); anything else is refused.

    ``raw_of`` is keyed by the members, which hash and compare like their ints."""
    if isinstance(value, enum.Enum) or not isinstance(value, int):
        raise TypeError(f"expected {cls.__name__}, got {value!r}")
    return raw_of[value]  # KeyError for a value no member has


def _flags_raw(value: Any) -> int:
    if value.__class__ is Feature:
        raw = value._value_
    elif isinstance(value, int) and not isinstance(value, enum.Enum):
        raw = int(value)
    else:
        raise TypeError(f"expected Feature, got {value!r}")
    if raw & ~_FEATURE_MASK:
        raise ValueError(f"undefined Feature bits in {raw:#x}")
    return raw


def _uvarint(value: Any) -> bytes:
    if not isinstance(value, int):
        raise TypeError(f"expected int, got {value!r}")
    if value < 0 or value >= _U64_LIMIT:
        raise ValueError("does not fit an unsigned 64-bit varint")
    if value < 0x80:
        return bytes((value,))
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _zigzag(value: Any) -> int:
    if not isinstance(value, int):
        raise TypeError(f"expected int, got {value!r}")
    if value < _I64_MIN or value > _I64_MAX:
        raise ValueError("does not fit a signed 64-bit varint")
    return (value << 1) ^ (value >> 63)


def _read_uvarint(buf: bytes, off: int) -> tuple[int, int]:
    result = 0
    shift = 0
    while True:
        b = buf[off]  # IndexError when the input ends first
        off += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            break
        shift += 7
        if shift >= 70:
            raise ValueError("over-long varint")
    if result >= _U64_LIMIT:
        raise ValueError("varint overflows 64 bits")
    return result, off


# --------------------------------------------------------------------- Login
_LOGIN_HEAD = struct.Struct(">BB")  # tag, user length
_LOGIN_MID = struct.Struct(">HB8sB")  # client_version, features, session, token length


def _encode_login(m: Any) -> bytes:
    user = str.encode(m.user, "utf-8")
    features = m.features
    if features.__class__ is Feature:
        raw = features._value_
        if raw & ~_FEATURE_MASK:
            raise ValueError(f"undefined Feature bits in {raw:#x}")
    else:
        raw = _flags_raw(features)
    session = m.session
    if session.__class__ is not bytes or len(session) != 8:
        raise TypeError("session must be 8 bytes")
    token = m.token
    if token.__class__ is not bytes:
        raise TypeError("token must be bytes")
    return b"".join(
        (
            _LOGIN_HEAD.pack(1, len(user)),
            user,
            _LOGIN_MID.pack(m.client_version, raw, session, len(token)),
            token,
            m.build.to_bytes(3, "big"),
        )
    )


def _decode_login(buf: bytes) -> Any:
    off = 2 + buf[1]
    if off > len(buf):
        raise IndexError("truncated user")
    user = buf[2:off].decode("utf-8")
    client_version, features, session, n = _LOGIN_MID.unpack_from(buf, off)
    off += 12 + n
    if off + 3 != len(buf):
        raise ValueError("truncated or trailing bytes")
    o = _new(Login)
    o.user = user
    o.client_version = client_version
    o.features = _FEATURES[features]
    o.session = session
    o.token = buf[off - n : off]
    o.build = int.from_bytes(buf[off : off + 3], "big")
    return o


# ---------------------------------------------------------------------- Chat
_CHAT_HEAD = struct.Struct(">BIB")  # tag, msg_id, room length


def _encode_chat(m: Any) -> bytes:
    room = str.encode(m.room, "utf-8")
    text = str.encode(m.text, "utf-8")
    return b"".join(
        (
            _CHAT_HEAD.pack(2, m.msg_id, len(room)),
            room,
            _U16.pack(len(text)),
            text,
            _U64.pack(m.sent_at_ms),
        )
    )


def _decode_chat(buf: bytes) -> Any:
    _, msg_id, n = _CHAT_HEAD.unpack_from(buf)
    off = 6 + n
    (n,) = _U16.unpack_from(buf, off)  # struct.error when the room is cut short
    room = buf[6:off].decode("utf-8")
    off += 2
    end = off + n
    if end + 8 != len(buf):
        raise ValueError("truncated or trailing bytes")
    o = _new(Chat)
    o.msg_id = msg_id
    o.room = room
    o.text = buf[off:end].decode("utf-8")
    (o.sent_at_ms,) = _U64.unpack_from(buf, end)
    return o


# ----------------------------------------------------------------- Telemetry
_TELE_HEAD = struct.Struct(">BHB")  # tag, sensor_id, kind
_TELE_CAL = struct.Struct(">3h")
_TELE_CAL_POS = struct.Struct(">3hBddf")  # calibration, presence 1, lat, lon, alt_m
_TELE_CAL_NOPOS = struct.Struct(">3hB")  # calibration, presence 0
_TELE_POS = struct.Struct(">ddf")
_TELE_BATTERY = struct.Struct(">BB")  # presence 1, battery_pct


def _encode_telemetry(m: Any) -> bytes:
    kind = m.kind
    raw_kind = (
        _KIND_RAW[kind] if kind.__class__ is SensorKind else _enum_raw(kind, SensorKind, _KIND_RAW)
    )
    ts = m.timestamp_us
    drift = m.drift_ns
    values = m.values
    tags = m.tags
    cal = m.calibration
    if values.__class__ is not list or tags.__class__ is not list or cal.__class__ is not list:
        raise TypeError("arrays must be lists")
    if len(cal) != 3:
        raise ValueError("calibration needs exactly 3 items")
    n = len(values)
    parts = [
        _TELE_HEAD.pack(3, m.sensor_id, raw_kind),
        bytes((ts,)) if ts.__class__ is int and 0 <= ts < 0x80 else _uvarint(ts),
        _uvarint(_zigzag(drift)),
        struct.pack(f">H{n}f", n, *values),  # struct.error past 65535 items
        _U8.pack(len(tags)),
    ]
    append = parts.append
    for tag in tags:
        data = str.encode(tag, "utf-8")
        append(_U8.pack(len(data)))
        append(data)
    pos = m.position
    if pos is None:
        append(_TELE_CAL_NOPOS.pack(*cal, 0))
    elif pos.__class__ is Position:
        append(_TELE_CAL_POS.pack(*cal, 1, pos.lat, pos.lon, pos.alt_m))
    else:
        raise TypeError("position must be a Position")
    battery = m.battery_pct
    append(b"\x00" if battery is None else _TELE_BATTERY.pack(1, battery))
    return b"".join(parts)


def _decode_telemetry(buf: bytes) -> Any:
    _, sensor_id, kind = _TELE_HEAD.unpack_from(buf)
    ts = buf[4]
    if ts < 0x80:
        off = 5
    else:
        ts, off = _read_uvarint(buf, 4)
    z = buf[off]
    if z < 0x80:
        off += 1
    else:
        z, off = _read_uvarint(buf, off)
    (n,) = _U16.unpack_from(buf, off)
    off += 2
    if 4 * n > len(buf) - off:
        raise IndexError("truncated values")
    values = list(struct.unpack_from(f">{n}f", buf, off))
    off += 4 * n
    n = buf[off]
    off += 1
    tags: list[str] = []
    append = tags.append
    for _ in range(n):
        end = off + 1 + buf[off]
        if end > len(buf):
            raise IndexError("truncated tag")
        append(buf[off + 1 : end].decode("utf-8"))
        off = end
    c0, c1, c2, present = _TELE_CAL_NOPOS.unpack_from(buf, off)
    off += 7
    if present == 1:
        lat, lon, alt_m = _TELE_POS.unpack_from(buf, off)
        off += 20
        position = _new(Position)
        position.lat = lat
        position.lon = lon
        position.alt_m = alt_m
    elif present == 0:
        position = None
    else:
        raise ValueError("bad presence byte")
    present = buf[off]
    if present == 1:
        battery_pct = buf[off + 1]
        off += 2
    elif present == 0:
        battery_pct = None
        off += 1
    else:
        raise ValueError("bad presence byte")
    if off != len(buf):
        raise ValueError("truncated or trailing bytes")
    o = _new(Telemetry)
    o.sensor_id = sensor_id
    o.kind = _KINDS[kind]
    o.timestamp_us = ts
    o.drift_ns = (z >> 1) ^ -(z & 1)
    o.values = values
    o.tags = tags
    o.calibration = [c0, c1, c2]
    o.position = position
    o.battery_pct = battery_pct
    return o


# ----------------------------------------------------------------- Heartbeat
_HEARTBEAT = struct.Struct(">BIQfB")


def _encode_heartbeat(m: Any) -> bytes:
    h = m.healthy
    if h is True:
        raw = 1
    elif h is False:
        raw = 0
    else:
        raise TypeError("healthy must be a bool")
    return _HEARTBEAT.pack(4, m.seq, m.uptime_ms, m.load, raw)


def _decode_heartbeat(buf: bytes) -> Any:
    _, seq, uptime_ms, load, healthy = _HEARTBEAT.unpack(buf)  # exactly 18 bytes
    o = _new(Heartbeat)
    o.seq = seq
    o.uptime_ms = uptime_ms
    o.load = load
    o.healthy = _BOOLS[healthy]
    return o


# ---------------------------------------------------------------- ErrorReply
_ERROR_HEAD = struct.Struct(">BHIH")  # tag, code, in_reply_to, detail length


def _encode_error_reply(m: Any) -> bytes:
    code = m.code
    raw = _CODE_RAW[code] if code.__class__ is ErrorCode else _enum_raw(code, ErrorCode, _CODE_RAW)
    detail = str.encode(m.detail, "utf-8")
    return _ERROR_HEAD.pack(5, raw, m.in_reply_to, len(detail)) + detail


def _decode_error_reply(buf: bytes) -> Any:
    _, code, in_reply_to, n = _ERROR_HEAD.unpack_from(buf)
    if 9 + n != len(buf):
        raise ValueError("truncated or trailing bytes")
    o = _new(ErrorReply)
    o.code = _CODES[code]
    o.in_reply_to = in_reply_to
    o.detail = buf[9:].decode("utf-8")
    return o


#: message class -> hand-written ``msg -> tag + body``
HAND_ENCODERS: dict[type[Message], Callable[[Any], bytes]] = {
    Login: _encode_login,
    Chat: _encode_chat,
    Telemetry: _encode_telemetry,
    Heartbeat: _encode_heartbeat,
    ErrorReply: _encode_error_reply,
}

#: tag -> hand-written ``tag + body -> msg``
HAND_DECODERS: dict[int, Callable[[bytes], Any]] = {
    1: _decode_login,
    2: _decode_chat,
    3: _decode_telemetry,
    4: _decode_heartbeat,
    5: _decode_error_reply,
}


def hand_encode(msg: Any) -> bytes:
    """Any example message -> tag + body, dispatching on its class like ``Protocol.encode``."""
    return HAND_ENCODERS[msg.__class__](msg)


def hand_decode(data: Any) -> Any:
    """Tag + body -> message, dispatching on the tag like ``Protocol.decode`` (bytes-like in)."""
    buf = data if type(data) is bytes else bytes(memoryview(data))
    return HAND_DECODERS[buf[0]](buf)
