"""Wire: one connection's decoder + encoder for the event-driven drivers, and a
property: whatever the messages and however the bytes are split on the wire, the
selectors server's echo is the stream sent."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wirekit.codec import Frame, LengthPrefixed, MessageEncoder, parse_framing
from wirekit.codec.select_server import SelectServer
from wirekit.codec.wire import Wire, wire_factory
from wirekit.protocol_spec import Spec, Step
from wirekit.protocol_spec.example import EXAMPLE, Chat, Heartbeat

from .transport_harness import Echo

pytestmark = pytest.mark.timeout(60)


def test_messages_mode_decodes_runs_and_encodes_messages() -> None:
    wire = Wire("length:4", EXAMPLE)
    msgs = [Heartbeat(seq=i, uptime_ms=i, load=0.5) for i in range(3)]
    data = wire.encode_many(msgs)
    assert data == MessageEncoder(parse_framing("length:4"), EXAMPLE).encode_many(msgs)
    assert wire.encode(msgs[0]) == data[: len(data) // 3]
    items = [item for ev in wire.decoder.feed(data) for item in wire.items(ev) or ()]
    assert items == msgs


def test_frames_mode_keeps_headers_as_frame_items() -> None:
    framer = LengthPrefixed(width=4, header=1, includes_prefix=True)  # PostgreSQL-style
    wire = Wire(framer)
    data = framer.encode(b"abc", b"Q") + framer.encode(b"", b"S")
    (run,) = wire.decoder.feed(data)
    items = wire.items(run)
    assert items is not None and [type(i) for i in items] == [Frame, Frame]
    assert [(f.header, f.data) for f in items] == [(b"Q", b"abc"), (b"S", b"")]
    assert wire.encode_many(items) == data  # an echo keeps the header bytes
    assert wire.encode(items[0]) == data[:8]
    plain = Wire("length:2")
    (run,) = plain.decoder.feed(b"\x00\x02hi")
    assert plain.items(run) == [b"hi"] and plain.encode(b"hi") == b"\x00\x02hi"


def test_errors_are_events_not_items() -> None:
    wire = Wire("length:4,max=16", EXAMPLE)
    events = wire.decoder.feed(b"\x00\x00\x10\x00" + b"x" * 20)
    errors = [Wire.error(ev) for ev in events if wire.items(ev) is None]
    assert errors and errors[-1] is not None and errors[-1].fatal
    assert "exceeds max_frame 16" in str(errors[-1].error)


def test_step_sequences_need_a_send_framing_and_specs_pick_directions() -> None:
    steps = [Step("fixed:1", count=1), Step("length:2")]
    with pytest.raises(ValueError, match="send_framing"):
        Wire(steps)
    with pytest.raises(ValueError, match="not a sequence"):
        Wire("length:2", send_framing=steps)
    wire = Wire(steps, send_framing="length:2")
    items = [i for ev in wire.decoder.feed(b"N\x00\x01z") for i in wire.items(ev) or ()]
    assert items == [b"N", b"z"]

    spec = Spec("two", client=EXAMPLE, framing={"client": "length:4", "server": "length:2"})
    server, client = Wire.for_spec(spec, "server"), Wire.for_spec(spec, "client")
    msg = Chat(msg_id=1, room="r", text="t")
    assert server.encode(msg)[:2] == (len(EXAMPLE.encode(msg))).to_bytes(2, "big")
    assert client.encode(msg)[:4] == (len(EXAMPLE.encode(msg))).to_bytes(4, "big")
    with pytest.raises(ValueError, match="side"):
        Wire.for_spec(spec, "peer")
    with pytest.raises(ValueError, match="not both"):
        wire_factory("server", spec=spec, framing="length:4")
    with pytest.raises(TypeError, match="framing"):
        wire_factory("server")
    make = wire_factory("client", spec=spec)
    assert make() is not make()  # one Wire per connection


@pytest.fixture(scope="module")
def echo_server() -> Iterator[tuple[str, int]]:
    server = SelectServer(("127.0.0.1", 0), Echo([]), framing="length:4", protocol=EXAMPLE)
    thread = threading.Thread(target=server.run, kwargs={"handle_signals": False})
    thread.start()
    try:
        yield server.address
    finally:
        server.stop()
        thread.join(5)


messages = st.lists(
    st.one_of(
        st.builds(
            Heartbeat,
            seq=st.integers(0, 2**32 - 1),
            uptime_ms=st.integers(0, 2**64 - 1),
            load=st.just(0.25),
            healthy=st.booleans(),
        ),
        st.builds(
            Chat,
            msg_id=st.integers(0, 2**32 - 1),
            room=st.text(max_size=10),
            text=st.text(max_size=300),
        ),
    ),
    min_size=1,
    max_size=40,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(msgs=messages, cuts=st.lists(st.integers(1, 200), min_size=1, max_size=30))
def test_echo_is_the_stream_whatever_the_split(
    echo_server: tuple[str, int], msgs: list, cuts: list[int]
) -> None:
    data = MessageEncoder(parse_framing("length:4"), EXAMPLE).encode_many(msgs)
    with socket.create_connection(echo_server, timeout=5) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        pos, i = 0, 0
        while pos < len(data):
            n = cuts[i % len(cuts)]
            s.sendall(data[pos : pos + n])
            pos += n
            i += 1
        got = b""
        while len(got) < len(data):
            chunk = s.recv(65536)
            assert chunk, "server closed early"
            got += chunk
    assert got == data
