"""Benchmark of the schema layer: wirekit's generated fast path against two baselines.

For every example message (``wirekit.protocol_spec.example``) and both
directions it times, in the same run and interleaved batch by batch:

* **wirekit**: ``EXAMPLE.encode(msg)`` / ``EXAMPLE.decode(data)``;
* **struct**: a hand-written ``struct`` codec for the same wire format that
  builds the same Python objects (through the public keyword constructors),
  written the way a skilled programmer would: precompiled ``struct.Struct``
  objects, ``unpack_from`` at offsets, enum lookups in dicts.  This is the
  practical limit for pure Python;
* **construct**: the same schema written by hand as a plain, interpreted
  ``construct.Struct`` (tag included), which is what a user writes today:
  ``.build(dict)`` and ``.parse(bytes)`` (a ``Container``).

Before anything is timed every baseline is checked against wirekit on every
message: same bytes out of encode, an equal object (or equal field values, for
construct's ``Container``) out of decode.

Figures are messages per second, the median over ``repeat`` batches, and the
ratios wirekit/struct and wirekit/construct.  Targets (from the issue):
all-fixed-width messages at >= 0.5x hand-written ``struct`` both ways, every
example message >= 5x interpreted construct both ways.

Run it with ``wirekit bench --only schema`` (``wirekit bench`` also runs the
codec benchmark) or ``python -m wirekit.tools.bench_spec``.
Tests call :func:`run_schema_bench` with tiny sizes and never assert speed.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import itertools
import platform
import statistics
import struct
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any, Literal

import construct as cs

from wirekit.protocol_spec import Message
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

__all__ = [
    "SchemaBenchRow",
    "BaselineMismatch",
    "STRUCT_ENCODERS",
    "struct_decode",
    "CONSTRUCT_SCHEMAS",
    "construct_dict",
    "verify_baselines",
    "run_schema_bench",
    "format_schema_results",
    "check_targets",
    "MissedTarget",
    "missed_targets",
    "main",
]

#: wirekit/struct ratio the all-fixed-width messages must reach, both directions
STRUCT_TARGET = 0.5
#: wirekit/construct ratio every example message must reach, both directions
CONSTRUCT_TARGET = 5.0
#: construct is 10-100x slower per call than the other two; it gets this many
#: times fewer calls per batch so that every batch takes a comparable time
CONSTRUCT_DIVISOR = 20

DIRECTIONS = ("encode", "decode")


class BaselineMismatch(AssertionError):
    """A baseline does not produce wirekit's bytes or objects: its figures would be meaningless."""


# --------------------------------------------------------------------------
# baseline 1: hand-written struct
# --------------------------------------------------------------------------

_U8 = struct.Struct(">B")
_U16 = struct.Struct(">H")
_U64 = struct.Struct(">Q")

_BOOLS = (False, True)  # IndexError for a byte > 1, like wirekit
_SENSOR_KINDS = {m.value: m for m in SensorKind}  # KeyError for an unknown value
_ERROR_CODES = {m.value: m for m in ErrorCode}
_FEATURES = tuple(Feature(i) for i in range(16))  # every combination of the 4 defined bits

_LOGIN_HEAD = struct.Struct(">BB")  # tag, user length
_LOGIN_MID = struct.Struct(">HB")  # client_version, features
_CHAT_HEAD = struct.Struct(">BIB")  # tag, msg_id, room length
_TELE_HEAD = struct.Struct(">BHB")  # tag, sensor_id, kind
_TELE_CAL = struct.Struct(">3h")
_TELE_POS = struct.Struct(">Bddf")  # presence byte 1, lat, lon, alt_m
_TELE_BATTERY = struct.Struct(">BB")  # presence byte 1, battery_pct
_HEARTBEAT = struct.Struct(">BIQf?")
_HEARTBEAT_READ = struct.Struct(">BIQfB")
_ERROR_HEAD = struct.Struct(">BHIH")  # tag, code, in_reply_to, detail length
_U64_LIMIT = 1 << 64


def _uvarint(value: int) -> bytes:
    if value < 0x80:
        return bytes((value,))  # ValueError for a negative value
    if value >= _U64_LIMIT:
        raise ValueError("varint overflows 64 bits")
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _read_uvarint(buf: bytes, off: int) -> tuple[int, int]:
    result = 0
    shift = 0
    while True:
        b = buf[off]
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


def _encode_login(m: Login) -> bytes:
    user = m.user.encode("utf-8")
    token = m.token
    session = m.session
    if len(session) != 8:
        raise ValueError("session must be 8 bytes")
    return b"".join(
        (
            _LOGIN_HEAD.pack(1, len(user)),
            user,
            _LOGIN_MID.pack(m.client_version, m.features),
            session,
            _U8.pack(len(token)),
            token,
            m.build.to_bytes(3, "big"),
        )
    )


def _decode_login(buf: bytes) -> Login:
    off = 2 + buf[1]
    user = buf[2:off].decode("utf-8")
    client_version, features = _LOGIN_MID.unpack_from(buf, off)
    session = buf[off + 3 : off + 11]
    n = buf[off + 11]
    off += 12
    token = buf[off : off + n]
    off += n
    build = int.from_bytes(buf[off : off + 3], "big")
    if off + 3 != len(buf):
        raise ValueError("truncated or trailing bytes")
    return Login(
        user=user,
        client_version=client_version,
        features=_FEATURES[features],
        session=session,
        token=token,
        build=build,
    )


def _encode_chat(m: Chat) -> bytes:
    room = m.room.encode("utf-8")
    text = m.text.encode("utf-8")
    return b"".join(
        (
            _CHAT_HEAD.pack(2, m.msg_id, len(room)),
            room,
            _U16.pack(len(text)),
            text,
            _U64.pack(m.sent_at_ms),
        )
    )


def _decode_chat(buf: bytes) -> Chat:
    _, msg_id, n = _CHAT_HEAD.unpack_from(buf)
    off = 6 + n
    room = buf[6:off].decode("utf-8")
    (n,) = _U16.unpack_from(buf, off)
    off += 2
    text = buf[off : off + n].decode("utf-8")
    off += n
    (sent_at_ms,) = _U64.unpack_from(buf, off)
    if off + 8 != len(buf):
        raise ValueError("trailing bytes")
    return Chat(msg_id=msg_id, room=room, text=text, sent_at_ms=sent_at_ms)


def _encode_telemetry(m: Telemetry) -> bytes:
    drift = m.drift_ns
    values = m.values
    tags = m.tags
    parts = [
        _TELE_HEAD.pack(3, m.sensor_id, m.kind),
        _uvarint(m.timestamp_us),
        _uvarint((drift << 1) ^ (drift >> 63)),
        _U16.pack(len(values)),
        struct.pack(f">{len(values)}f", *values),
        _U8.pack(len(tags)),
    ]
    for tag in tags:
        data = tag.encode("utf-8")
        parts.append(_U8.pack(len(data)))
        parts.append(data)
    parts.append(_TELE_CAL.pack(*m.calibration))
    pos = m.position
    parts.append(b"\x00" if pos is None else _TELE_POS.pack(1, pos.lat, pos.lon, pos.alt_m))
    battery = m.battery_pct
    parts.append(b"\x00" if battery is None else _TELE_BATTERY.pack(1, battery))
    return b"".join(parts)


def _decode_telemetry(buf: bytes) -> Telemetry:
    _, sensor_id, kind = _TELE_HEAD.unpack_from(buf)
    off = 4
    timestamp_us = buf[off]
    if timestamp_us < 0x80:
        off += 1
    else:
        timestamp_us, off = _read_uvarint(buf, off)
    z = buf[off]
    if z < 0x80:
        off += 1
    else:
        z, off = _read_uvarint(buf, off)
    (n,) = _U16.unpack_from(buf, off)
    off += 2
    values = list(struct.unpack_from(f">{n}f", buf, off))
    off += 4 * n
    n = buf[off]
    off += 1
    tags = []
    for _ in range(n):
        end = off + 1 + buf[off]
        tags.append(buf[off + 1 : end].decode("utf-8"))
        off = end
    calibration = list(_TELE_CAL.unpack_from(buf, off))
    off += 6
    present = buf[off]
    if present == 1:
        _, lat, lon, alt_m = _TELE_POS.unpack_from(buf, off)
        position = Position(lat=lat, lon=lon, alt_m=alt_m)
        off += 21
    elif present == 0:
        position = None
        off += 1
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
    return Telemetry(
        sensor_id=sensor_id,
        kind=_SENSOR_KINDS[kind],
        timestamp_us=timestamp_us,
        drift_ns=(z >> 1) ^ -(z & 1),
        values=values,
        tags=tags,
        calibration=calibration,
        position=position,
        battery_pct=battery_pct,
    )


def _encode_heartbeat(m: Heartbeat) -> bytes:
    return _HEARTBEAT.pack(4, m.seq, m.uptime_ms, m.load, m.healthy)


def _decode_heartbeat(buf: bytes) -> Heartbeat:
    _, seq, uptime_ms, load, healthy = _HEARTBEAT_READ.unpack(buf)  # exact length
    return Heartbeat(seq=seq, uptime_ms=uptime_ms, load=load, healthy=_BOOLS[healthy])


def _encode_error_reply(m: ErrorReply) -> bytes:
    detail = m.detail.encode("utf-8")
    return _ERROR_HEAD.pack(5, m.code, m.in_reply_to, len(detail)) + detail


def _decode_error_reply(buf: bytes) -> ErrorReply:
    _, code, in_reply_to, n = _ERROR_HEAD.unpack_from(buf)
    if 9 + n != len(buf):
        raise ValueError("truncated or trailing bytes")
    return ErrorReply(
        code=_ERROR_CODES[code], in_reply_to=in_reply_to, detail=buf[9:].decode("utf-8")
    )


#: message class -> hand-written ``msg -> tag + body`` (called directly: no dispatch cost)
STRUCT_ENCODERS: dict[type[Message], Callable[[Any], bytes]] = {
    Login: _encode_login,
    Chat: _encode_chat,
    Telemetry: _encode_telemetry,
    Heartbeat: _encode_heartbeat,
    ErrorReply: _encode_error_reply,
}

_STRUCT_DECODERS: dict[int, Callable[[bytes], Message]] = {
    1: _decode_login,
    2: _decode_chat,
    3: _decode_telemetry,
    4: _decode_heartbeat,
    5: _decode_error_reply,
}


def struct_decode(data: bytes) -> Message:
    """Hand-written decoder of any example message: dispatch on the tag byte, as a decoder must."""
    return _STRUCT_DECODERS[data[0]](data)


# --------------------------------------------------------------------------
# baseline 2: interpreted construct, written out the way a user does today
# --------------------------------------------------------------------------

_POSITION_CS = cs.Struct("lat" / cs.Float64b, "lon" / cs.Float64b, "alt_m" / cs.Float32b)

#: message class -> plain ``construct.Struct`` for tag + body (enums and flags as plain ints)
CONSTRUCT_SCHEMAS: dict[type[Message], cs.Struct] = {
    Login: cs.Struct(
        "tag" / cs.Int8ub,
        "user" / cs.PascalString(cs.Int8ub, "utf8"),
        "client_version" / cs.Int16ub,
        "features" / cs.Int8ub,
        "session" / cs.Bytes(8),
        "token" / cs.Prefixed(cs.Int8ub, cs.GreedyBytes),
        "build" / cs.Int24ub,
    ),
    Chat: cs.Struct(
        "tag" / cs.Int8ub,
        "msg_id" / cs.Int32ub,
        "room" / cs.PascalString(cs.Int8ub, "utf8"),
        "text" / cs.PascalString(cs.Int16ub, "utf8"),
        "sent_at_ms" / cs.Int64ub,
    ),
    Telemetry: cs.Struct(
        "tag" / cs.Int8ub,
        "sensor_id" / cs.Int16ub,
        "kind" / cs.Int8ub,
        "timestamp_us" / cs.VarInt,
        "drift_ns" / cs.ZigZag,
        "values" / cs.PrefixedArray(cs.Int16ub, cs.Float32b),
        "tags" / cs.PrefixedArray(cs.Int8ub, cs.PascalString(cs.Int8ub, "utf8")),
        "calibration" / cs.Array(3, cs.Int16sb),
        "has_position" / cs.Int8ub,
        "position" / cs.If(cs.this.has_position == 1, _POSITION_CS),
        "has_battery" / cs.Int8ub,
        "battery_pct" / cs.If(cs.this.has_battery == 1, cs.Int8ub),
    ),
    Heartbeat: cs.Struct(
        "tag" / cs.Int8ub,
        "seq" / cs.Int32ub,
        "uptime_ms" / cs.Int64ub,
        "load" / cs.Float32b,
        "healthy" / cs.Flag,
    ),
    ErrorReply: cs.Struct(
        "tag" / cs.Int8ub,
        "code" / cs.Int16ub,
        "in_reply_to" / cs.Int32ub,
        "detail" / cs.PascalString(cs.Int16ub, "utf8"),
    ),
}


def construct_dict(msg: Message) -> dict[str, Any]:
    """The dict a construct user builds ``msg`` from: plain ints for enums, presence bytes."""
    d: dict[str, Any] = {"tag": type(msg).TAG}
    for name, value in msg.to_dict().items():
        d[name] = int(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if isinstance(msg, Telemetry):
        d["has_position"] = 0 if msg.position is None else 1
        d["has_battery"] = 0 if msg.battery_pct is None else 1
    return d


# --------------------------------------------------------------------------
# verification
# --------------------------------------------------------------------------


def _check_message(msg: Any) -> None:
    if type(msg) not in STRUCT_ENCODERS:
        raise ValueError(f"no baselines for {type(msg).__name__}: only example messages")


def _same_values(parsed: Any, expected: Any) -> bool:
    if isinstance(expected, dict):
        return all(_same_values(parsed[k], v) for k, v in expected.items())
    if isinstance(expected, list):
        return len(parsed) == len(expected) and all(map(_same_values, parsed, expected))
    return type(parsed) is type(expected) and parsed == expected


def verify_baselines(messages: Sequence[Message] | None = None) -> None:
    """Check both baselines against wirekit on every message; raise :class:`BaselineMismatch`.

    struct: ``bytes == EXAMPLE.encode(m)`` and ``struct_decode(bytes) == m``.
    construct: ``build(construct_dict(m)) == EXAMPLE.encode(m)`` and the parsed
    ``Container`` holds the same field values (same types) as that dict.
    """
    for msg in sample_messages() if messages is None else messages:
        _check_message(msg)
        name = type(msg).__name__
        data = EXAMPLE.encode(msg)
        if EXAMPLE.decode(data) != msg:
            raise BaselineMismatch(f"{name}: wirekit does not round-trip {msg!r}")
        got = STRUCT_ENCODERS[type(msg)](msg)
        if got != data:
            raise BaselineMismatch(f"{name}: struct encode gave {got.hex()}, wirekit {data.hex()}")
        obj = struct_decode(data)
        if type(obj) is not type(msg) or obj != msg:
            raise BaselineMismatch(f"{name}: struct decode gave {obj!r}, expected {msg!r}")
        schema = CONSTRUCT_SCHEMAS[type(msg)]
        d = construct_dict(msg)
        got = schema.build(d)
        if got != data:
            raise BaselineMismatch(
                f"{name}: construct build gave {got.hex()}, wirekit {data.hex()}"
            )
        parsed = schema.parse(data)
        if not _same_values(parsed, d):
            raise BaselineMismatch(f"{name}: construct parse gave {parsed!r}, expected {d!r}")


# --------------------------------------------------------------------------
# timing
# --------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class SchemaBenchRow:
    """Median rates (messages/second) of one message in one direction, and the ratios."""

    message: str
    direction: str
    wirekit_per_s: float
    struct_per_s: float
    construct_per_s: float
    ratio_vs_struct: float
    ratio_vs_construct: float
    fixed_width: bool


def _batch(fn: Callable[[Any], Any], arg: Any, number: int) -> float:
    """Seconds for ``number`` calls ``fn(arg)`` (the loop costs the same for every contender)."""
    it = itertools.repeat(arg, number)
    t0 = time.perf_counter()
    for a in it:
        fn(a)
    return time.perf_counter() - t0


def _median_rates(
    contenders: Sequence[tuple[Callable[[Any], Any], Any, int]], repeat: int
) -> list[float]:
    """Interleave batches of every contender ``repeat`` times; median calls/second of each."""
    rates: list[list[float]] = [[] for _ in contenders]
    for fn, arg, number in contenders:  # warm-up: caches, specialisation
        _batch(fn, arg, max(1, number // 10))
    gc_was_enabled = gc.isenabled()
    gc.disable()  # as timeit does: a collection landing in one batch would skew it
    try:
        for r in range(repeat):
            k = len(contenders)
            for i in range(k):  # rotate the order so no contender always goes first
                j = (i + r) % k
                fn, arg, number = contenders[j]
                rates[j].append(number / max(_batch(fn, arg, number), 1e-9))
    finally:
        if gc_was_enabled:
            gc.enable()
    return [statistics.median(rs) for rs in rates]


def run_schema_bench(
    number: int = 20_000,
    repeat: int = 5,
    messages: list[Message] | None = None,
    *,
    construct_number: int | None = None,
) -> list[SchemaBenchRow]:
    """Time wirekit and both baselines on every message, encode then decode.

    ``number`` calls per batch for wirekit and struct, ``construct_number``
    (default ``number // 20``) for construct; ``repeat`` interleaved batches
    each; rates are medians.  ``messages`` defaults to the example samples and
    may hold any instances of the example message classes.  The baselines are
    verified (:func:`verify_baselines`) before anything is timed.
    """
    if number < 1 or repeat < 1:
        raise ValueError("number and repeat must be at least 1")
    msgs = sample_messages() if messages is None else list(messages)
    verify_baselines(msgs)
    if construct_number is None:
        construct_number = max(1, number // CONSTRUCT_DIVISOR)
    rows: list[SchemaBenchRow] = []
    for msg in msgs:
        cls = type(msg)
        data = EXAMPLE.encode(msg)
        schema = CONSTRUCT_SCHEMAS[cls]
        d = construct_dict(msg)
        plans = {
            "encode": [
                (EXAMPLE.encode, msg, number),
                (STRUCT_ENCODERS[cls], msg, number),
                (schema.build, d, construct_number),
            ],
            "decode": [
                (EXAMPLE.decode, data, number),
                (struct_decode, data, number),
                (schema.parse, data, construct_number),
            ],
        }
        for direction in DIRECTIONS:
            wk, st, con = _median_rates(plans[direction], repeat)
            rows.append(
                SchemaBenchRow(
                    message=cls.__name__,
                    direction=direction,
                    wirekit_per_s=wk,
                    struct_per_s=st,
                    construct_per_s=con,
                    ratio_vs_struct=wk / st,
                    ratio_vs_construct=wk / con,
                    fixed_width=cls.SIZE is not None,
                )
            )
    return rows


# --------------------------------------------------------------------------
# reporting
# --------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class MissedTarget:
    """One missed target: which one (``"struct"``: fixed-width messages vs
    hand-written struct; ``"construct"``: every message vs interpreted
    construct) and a sentence saying by how much."""

    target: Literal["struct", "construct"]
    text: str


def missed_targets(rows: Sequence[SchemaBenchRow]) -> list[MissedTarget]:
    """Every missed target (fixed-width >= 0.5x struct, all >= 5x construct), in row order."""
    missed = []
    for row in rows:
        what = f"{row.message} {row.direction}"
        if row.fixed_width and row.ratio_vs_struct < STRUCT_TARGET:
            missed.append(
                MissedTarget(
                    "struct",
                    f"{what}: {row.ratio_vs_struct:.2f}x hand-written struct "
                    f"(target >= {STRUCT_TARGET}x for fixed-width messages)",
                )
            )
        if row.ratio_vs_construct < CONSTRUCT_TARGET:
            missed.append(
                MissedTarget(
                    "construct",
                    f"{what}: {row.ratio_vs_construct:.1f}x interpreted construct "
                    f"(target >= {CONSTRUCT_TARGET:g}x)",
                )
            )
    return missed


def check_targets(rows: Sequence[SchemaBenchRow]) -> list[str]:
    """One sentence per missed target: :func:`missed_targets` as text (empty: all met)."""
    return [m.text for m in missed_targets(rows)]


def _rate(x: float) -> str:
    return f"{x:,.0f}"


def format_schema_results(rows: Sequence[SchemaBenchRow]) -> str:
    """An aligned table of the medians and ratios, then one met/missed line per target."""
    header = (
        "message",
        "dir",
        "wirekit msg/s",
        "struct msg/s",
        "construct msg/s",
        "vs struct",
        "vs construct",
        "fixed",
    )
    body = [
        (
            r.message,
            r.direction,
            _rate(r.wirekit_per_s),
            _rate(r.struct_per_s),
            _rate(r.construct_per_s),
            f"{r.ratio_vs_struct:.2f}x",
            f"{r.ratio_vs_construct:.1f}x",
            "yes" if r.fixed_width else "no",
        )
        for r in rows
    ]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]

    def fmt(line: Sequence[str]) -> str:
        cells = [
            cell.ljust(w) if i < 2 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(line, widths, strict=True))
        ]
        return "  ".join(cells).rstrip()

    lines = [fmt(header), "  ".join("-" * w for w in widths)]
    lines.extend(fmt(line) for line in body)
    missed = missed_targets(rows)
    fixed_missed = [m.text for m in missed if m.target == "struct"]
    con_missed = [m.text for m in missed if m.target == "construct"]
    lines.append("")
    lines.append("ratios are wirekit / baseline, medians of per-batch rates measured in this run")
    targets: tuple[tuple[str, list[str]], ...] = (
        (f"fixed-width messages >= {STRUCT_TARGET}x hand-written struct, both ways", fixed_missed),
        (f"every message >= {CONSTRUCT_TARGET:g}x interpreted construct, both ways", con_missed),
    )
    if not any(r.fixed_width for r in rows):
        targets = targets[1:]
    for text, miss in targets:
        lines.append(f"target: {text}: {'MISSED' if miss else 'met'}")
        lines.extend(f"  missed: {m}" for m in miss)
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m wirekit.tools.bench_spec [--number N] [--repeat R]``; 1 if a target is missed."""
    parser = argparse.ArgumentParser(prog="wirekit bench", description=__doc__.splitlines()[0])
    parser.add_argument("--number", type=int, default=20_000, help="calls per batch")
    parser.add_argument("--repeat", type=int, default=5, help="batches per contender")
    args = parser.parse_args(argv)
    print(
        f"Python {platform.python_version()} ({platform.python_implementation()}), "
        f"construct {cs.version_string}; {args.repeat} batches of {args.number} calls "
        f"(construct: {max(1, args.number // CONSTRUCT_DIVISOR)})"
    )
    rows = run_schema_bench(number=args.number, repeat=args.repeat)
    print(format_schema_results(rows))
    return 1 if check_targets(rows) else 0


if __name__ == "__main__":
    sys.exit(main())
