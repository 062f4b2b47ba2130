"""Other libraries' forms of the example protocol, timed beside wirekit for context.

* **construct**, the same schema written by hand as a plain ``construct.Struct``
  (tag included), both interpreted (what a user writes: ``.build(dict)``,
  ``.parse(bytes)`` to a ``Container``) and compiled (``.compile()``, 3-7x
  faster, what a careful user compares against).  Both build wirekit's bytes.
* **msgpack**, a generic C serialiser: ``packb`` of the message's field values
  (in wire order, enums as ints, a nested message as a list) and ``unpackb`` of
  those bytes back to the list.  Its bytes are not the wire format: the figure
  says what a schema-less C encoder costs, nothing more.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import construct as cs
import msgpack

from wirekit.protocol_spec import Message
from wirekit.protocol_spec.example import (
    Chat,
    ErrorReply,
    Heartbeat,
    Login,
    Position,
    Telemetry,
)

__all__ = [
    "CONSTRUCT_SCHEMAS",
    "CONSTRUCT_COMPILED",
    "construct_dict",
    "same_values",
    "MSGPACK_ENCODERS",
    "msgpack_values",
    "msgpack_decode",
]

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

#: the same schemas, ``compile()``-d
CONSTRUCT_COMPILED: dict[type[Message], Any] = {
    cls: schema.compile() for cls, schema in CONSTRUCT_SCHEMAS.items()
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


def same_values(parsed: Any, expected: Any) -> bool:
    """Whether a parsed ``Container`` holds ``expected``'s values (same types, lists item
    by item)."""
    if isinstance(expected, dict):
        return all(same_values(parsed[k], v) for k, v in expected.items())
    if isinstance(expected, list):
        return len(parsed) == len(expected) and all(map(same_values, parsed, expected))
    return type(parsed) is type(expected) and parsed == expected


def _position_list(p: Any) -> Any:
    if p.__class__ is Position:
        return [p.lat, p.lon, p.alt_m]
    raise TypeError(f"cannot pack {p!r}")


def _msgpack_encoder(cls: type[Message]) -> Callable[[Any], bytes]:
    names = [f.name for f in cls.fields()]
    get = operator.attrgetter(*names)
    tag = cls.TAG
    packer = msgpack.Packer(default=_position_list)
    pack = packer.pack

    def encode(msg: Any) -> bytes:
        return pack((tag, *get(msg)))

    return encode


#: message class -> ``msg -> msgpack bytes`` of ``[tag, *field values]``
MSGPACK_ENCODERS: dict[type[Message], Callable[[Any], bytes]] = {
    cls: _msgpack_encoder(cls) for cls in CONSTRUCT_SCHEMAS
}


def msgpack_values(msg: Message) -> list[Any]:
    """What :func:`msgpack_decode` gives back for ``msg``: ``[tag, *plain field values]``."""
    out: list[Any] = [type(msg).TAG]
    for value in msg.to_dict().values():
        if isinstance(value, dict):  # the nested Position
            value = list(value.values())
        elif isinstance(value, int) and not isinstance(value, bool):
            value = int(value)
        out.append(value)
    return out


def msgpack_decode(data: bytes) -> Any:
    """msgpack bytes -> the list of values (no message object: a generic decoder's job)."""
    return msgpack.unpackb(data)
