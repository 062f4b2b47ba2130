"""``wirekit demo``: the main job, end to end, on the built-in example protocol."""

from __future__ import annotations

import random
from collections.abc import Callable

from wirekit.codec import (
    DamagedFrame,
    Error,
    LengthPrefixed,
    Message,
    MessageDecoder,
    MessageEncoder,
    Messages,
)
from wirekit.protocol_spec import DecodeError, EncodeError, Protocol
from wirekit.protocol_spec.example import EXAMPLE, Chat, Heartbeat, Telemetry, sample_messages

__all__ = ["run_demo"]


def _hex(data: bytes, limit: int = 48) -> str:
    text = data[:limit].hex(" ")
    return text + (f" ... (+{len(data) - limit} bytes)" if len(data) > limit else "")


def run_demo(echo: Callable[[str], None] = print) -> bool:
    """Encode every example message, decode it back, show what bad input gets you,
    then exchange real traffic on 127.0.0.1 and compare its size in each encoding.

    Written for the example protocol (its sample messages and their byte layout).
    Returns ``False`` if any check printed MISMATCH.
    """
    protocol = EXAMPLE
    ok = True
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
        ok = ok and back == msg
        echo(f"   {type(msg).__name__:<11} {len(data):3d} bytes  {_hex(data, 24)}")
        echo(f"   {'':<11} -> {back!r:.110}  [{status}]")

    echo("\n3. Bad input gets a precise error, never a stray IndexError:")
    telemetry = next(m for m in sample_messages() if isinstance(m, Telemetry))
    good = protocol.encode(telemetry)
    bad_utf8 = bytearray(good)
    idx = good.index(b"\x02v2") + 1  # the 4th tag, Telemetry.tags[3]
    bad_utf8[idx] = 0xFF
    heartbeat = protocol.encode(next(m for m in sample_messages() if isinstance(m, Heartbeat)))
    cases = [
        ("truncated", good[:20]),
        ("trailing garbage", heartbeat + b"\x00\x00"),
        ("unknown tag", b"\x63" + good[1:]),
        ("invalid UTF-8", bytes(bad_utf8)),
        ("bad enum value", good[:3] + b"\x63" + good[4:]),  # Telemetry.kind = 99
    ]
    for label, data in cases:
        try:
            protocol.decode(data)
            echo(f"   {label:<17} decoded?!")
        except DecodeError as exc:
            echo(f"   {label:<17} {type(exc).__name__}: {exc}")
    for label, make in [
        ("300 in a u8", lambda: Telemetry(sensor_id=1, kind=1, timestamp_us=0, battery_pct=300)),
        ("70,000-byte text", lambda: Chat(msg_id=1, room="r", text="x" * 70_000)),
    ]:
        try:
            protocol.encode(make())
            echo(f"   {label:<17} encoded?!")
        except EncodeError as exc:
            echo(f"   {label:<17} {type(exc).__name__}: {exc}")

    ok = _demo_stream(echo, protocol) and ok
    ok = _demo_live(echo, protocol) and ok
    echo("\nAll checks passed." if ok else "\nSome check FAILED (MISMATCH above).")
    return ok


def _demo_live(echo: Callable[[str], None], protocol: Protocol) -> bool:
    from .demo_live import run_live_exchange
    from .demo_sizes import show_traffic_sizes

    echo("\n8. Live on 127.0.0.1: an echo server, 3 clients at once, their raw bytes decoded back:")
    ok, sent = run_live_exchange(echo, protocol)
    if not ok:
        return False
    echo(f"\n9. That live traffic ({len(sent)} messages) in other encodings, ratio to the binary:")
    if not show_traffic_sizes(echo, sent, protocol):
        echo("   size check MISMATCH")
        return False
    return True


def _items(events: list) -> list:
    """Messages runs opened into Message items (message + frame); other events as is."""
    out: list = []
    for ev in events:
        out.extend(ev.items() if isinstance(ev, Messages) else (ev,))
    return out


def _describe(event: object) -> str:
    if isinstance(event, Message):
        return f"@{event.frame.offset:<4} {type(event.message).__name__}"
    if isinstance(event, DamagedFrame):
        return f"@{event.offset:<4} damaged frame of {event.length} bytes: {event.reason}"
    return f"{type(event).__name__}: {event}"


def _demo_stream(echo: Callable[[str], None], protocol: Protocol) -> bool:
    framer = LengthPrefixed(width=4)  # u32 big-endian length, then tag + body
    messages = sample_messages()
    stream = MessageEncoder(framer, protocol).encode_many(messages)  # one buffer, one sendall

    echo("\n4. A TCP stream has no message boundaries: the same messages behind a u32 length")
    echo(f"   prefix, {len(stream)} bytes cut into random 1-7 byte recv() chunks:")
    decoder = MessageDecoder(framer, protocol)
    rng = random.Random(2026)
    got: list = []
    pos = chunks = 0
    while pos < len(stream):
        size = rng.randint(1, 7)
        got += decoder.feed(stream[pos : pos + size])
        pos += size
        chunks += 1
    got += decoder.feed_eof()  # nothing: the stream ended on a frame boundary
    got = _items(got)
    same = [d.message for d in got] == messages
    echo(f"   {chunks} chunks -> {len(got)} messages, identical to what was sent: {same}")
    ok = same
    echo("   " + ", ".join(_describe(d) for d in got))

    echo("\n5. A capture lost 6 bytes inside the Chat frame: that frame is reported damaged,")
    echo("   decoding resumes at the next frame:")
    chat_start = got[1].frame.offset
    hole = chat_start + 10
    decoder = MessageDecoder(framer, protocol)
    events = decoder.feed(stream[:hole]) + decoder.feed_gap(6) + decoder.feed(stream[hole + 6 :])
    for event in _items(events):
        marker = "!!" if isinstance(event, DamagedFrame) else "  "
        echo(f"   {marker} {_describe(event)}")

    echo("\n6. A text client hits the binary port; the error says so, with the bytes there:")
    text_client = b"GET / HTTP/1.1\r\nHost: example\r\n\r\n"
    for event in MessageDecoder(framer, protocol).feed(text_client):
        if isinstance(event, Error):
            fate = "the connection is closed" if event.fatal else "decoding goes on"
            echo(f"   {type(event.error).__name__}: {event.error}")
            echo(f"   (an Error event in its place in the stream; {fate})")

    from .demo_sizes import show_traffic_sizes

    echo("\n7. The same traffic in other encodings: bytes per message, ratio to the binary:")
    if not show_traffic_sizes(echo, messages, protocol):
        echo("   size check MISMATCH")
        ok = False
    return ok
