"""``wirekit demo``: the main job, end to end, on the built-in example protocol."""

from __future__ import annotations

from collections.abc import Callable

from wirekit.protocol_spec import DecodeError, EncodeError, Protocol
from wirekit.protocol_spec.example import EXAMPLE, Heartbeat, Telemetry, sample_messages

__all__ = ["run_demo"]


def _hex(data: bytes, limit: int = 48) -> str:
    text = data[:limit].hex(" ")
    return text + (f" ... (+{len(data) - limit} bytes)" if len(data) > limit else "")


def run_demo(echo: Callable[[str], None] = print, protocol: Protocol = EXAMPLE) -> None:
    """Encode every example message, decode it back, and show what bad input gets you."""
    echo(
        f"1. Schema: protocol {protocol.name!r}, {len(protocol)} messages "
        "(`wirekit schema` shows every field)"
    )
    for cls in protocol.messages:
        size = f"{cls.SIZE + protocol.tag_width} bytes" if cls.SIZE is not None else "variable"
        echo(f"   [{cls.TAG}] {cls.__name__:<11} {len(cls.fields())} fields, {size}")

    echo("\n2. Typed messages in, bytes out, the same messages back:")
    for msg in sample_messages():
        data = protocol.encode(msg)
        back = protocol.decode(data)
        status = "ok" if back == msg else "MISMATCH"
        echo(f"   {type(msg).__name__:<11} {len(data):3d} bytes  {_hex(data, 24)}")
        echo(f"   {'':<11} -> {back!r:.110}  [{status}]")

    echo("\n3. Bad input gets a precise error, never a stray IndexError:")
    telemetry = next(m for m in sample_messages() if isinstance(m, Telemetry))
    good = protocol.encode(telemetry)
    bad_utf8 = bytearray(good)
    idx = good.index(b"calibrated")
    bad_utf8[idx] = 0xFF
    heartbeat = protocol.encode(next(m for m in sample_messages() if isinstance(m, Heartbeat)))
    cases = [
        ("truncated", good[:20]),
        ("trailing garbage", heartbeat + b"\x00\x00"),
        ("unknown tag", b"\x63" + good[1:]),
        ("invalid UTF-8", bytes(bad_utf8)),
    ]
    for label, data in cases:
        try:
            protocol.decode(data)
            echo(f"   {label:<17} decoded?!")
        except DecodeError as exc:
            echo(f"   {label:<17} {type(exc).__name__}: {exc}")
    for label, make in [
        ("300 in a u8", lambda: Telemetry(sensor_id=1, kind=1, timestamp_us=0, battery_pct=300)),
        (
            "70,000-char text",
            lambda: Telemetry(sensor_id=1, kind=1, timestamp_us=0, tags=["x" * 70_000]),
        ),
    ]:
        try:
            protocol.encode(make())
            echo(f"   {label:<17} encoded?!")
        except EncodeError as exc:
            echo(f"   {label:<17} {type(exc).__name__}: {exc}")
