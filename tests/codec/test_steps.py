"""Framing sequences (a list of ``Step``): PostgreSQL's untyped startup packet, then
typed messages; the backend's one-byte answer to SSLRequest, then typed messages."""

from __future__ import annotations

import struct
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wirekit.codec import (
    Error,
    Frame,
    LengthPrefixed,
    Message,
    Messages,
    StreamDecoder,
    TruncatedStream,
)
from wirekit.protocol_spec import Step
from wirekit.protocol_spec.errors import DecodeError

from .codec_helpers import FakeProtocol, chunkings, drive, feed_chunks, flatten, key, pull, tr

# ------------------------------------------------ a small PostgreSQL v3 model
# (PostgreSQL "Message Formats"; built by hand, not from a wirekit spec.)
PROTOCOL_3_0 = 196608
SSL_REQUEST_CODE = 80877103


@dataclass
class StartupMessage:
    params: dict


@dataclass
class SSLRequest:
    pass


@dataclass
class Query:
    sql: str


@dataclass
class Terminate:
    pass


@dataclass
class SSLAnswer:
    accepted: bool


@dataclass
class AuthenticationOk:
    pass


@dataclass
class ParameterStatus:
    name: str
    value: str


@dataclass
class ReadyForQuery:
    status: str


def cstrings(raw: bytes) -> list[str]:
    if not raw.endswith(b"\0"):
        raise DecodeError("string not NUL-terminated", offset=len(raw))
    return [s.decode() for s in raw[:-1].split(b"\0")]


class Startup:
    """Untyped packets: body = Int32 code + parameters."""

    def encode(self, msg) -> bytes:
        if isinstance(msg, SSLRequest):
            return struct.pack(">i", SSL_REQUEST_CODE)
        body = b"".join(k.encode() + b"\0" + v.encode() + b"\0" for k, v in msg.params.items())
        return struct.pack(">i", PROTOCOL_3_0) + body + b"\0"

    def decode(self, data: bytes):
        data = bytes(data)  # a memoryview with copy=False
        if len(data) < 4:
            raise DecodeError("startup packet shorter than its code", offset=0)
        (code,) = struct.unpack_from(">i", data)
        if code == SSL_REQUEST_CODE and len(data) == 4:
            return SSLRequest()
        if code != PROTOCOL_3_0:
            raise DecodeError(f"unsupported protocol {code}", offset=0)
        words = cstrings(data[4:])
        if words[-1] != "":
            raise DecodeError("parameter list not terminated", offset=len(data))
        words = words[:-1]
        return StartupMessage(dict(zip(words[::2], words[1::2], strict=True)))


class Frontend:
    """Typed frontend messages: data = type byte + body (the decoder joins them)."""

    def encode(self, msg) -> bytes:
        if isinstance(msg, Query):
            return b"Q" + msg.sql.encode() + b"\0"
        return b"X"

    def decode(self, data: bytes):
        tag, body = bytes(data[:1]), bytes(data[1:])
        if tag == b"Q":
            return Query(cstrings(body)[0])
        if tag == b"X" and not body:
            return Terminate()
        raise DecodeError(f"unknown frontend message {tag!r}", offset=0)


class SSLAnswers:
    def encode(self, msg) -> bytes:
        return b"S" if msg.accepted else b"N"

    def decode(self, data: bytes):
        if data not in (b"S", b"N"):
            raise DecodeError(f"not an SSL answer: {data!r}", offset=0)
        return SSLAnswer(data == b"S")


class Backend:
    def encode(self, msg) -> bytes:
        raise NotImplementedError  # decoding only in these tests

    def decode(self, data: bytes):
        tag, body = bytes(data[:1]), bytes(data[1:])
        if tag == b"R" and body == b"\0\0\0\0":
            return AuthenticationOk()
        if tag == b"S":
            return ParameterStatus(*cstrings(body))
        if tag == b"Z" and len(body) == 1:
            return ReadyForQuery(body.decode())
        raise DecodeError(f"unknown backend message {tag!r}", offset=0)


FRONTEND = [
    Step("length:4,includes=1", Startup(), until="StartupMessage"),
    Step("length:4,header=1,includes=1", Frontend()),
]
BACKEND = [
    Step("fixed:1", SSLAnswers(), count=1, if_first=b"NS"),
    Step("length:4,header=1,includes=1", Backend()),
]


def untyped(body: bytes) -> bytes:
    return struct.pack(">i", 4 + len(body)) + body


def typed(tag: bytes, body: bytes) -> bytes:
    return tag + struct.pack(">i", 4 + len(body)) + body


STARTUP = untyped(
    struct.pack(">i", PROTOCOL_3_0) + b"user\0alice\0database\0shop\0application_name\0psql\0\0"
)
SSL_REQUEST = untyped(struct.pack(">i", SSL_REQUEST_CODE))  # 00 00 00 08 04 d2 16 2f
QUERY = typed(b"Q", b"SELECT 1;\0")
TERMINATE = b"X\x00\x00\x00\x04"


def decoded(events: list) -> list:
    assert all(type(e) is Messages for e in events), events
    return flatten(events)


def test_frontend_startup_query_terminate_in_one_chunk_and_byte_by_byte():
    stream = STARTUP + QUERY + TERMINATE
    assert SSL_REQUEST == bytes.fromhex("0000000804d2162f")
    expected = [
        StartupMessage({"user": "alice", "database": "shop", "application_name": "psql"}),
        Query("SELECT 1;"),
        Terminate(),
    ]
    for chunks in tr(stream):
        dec = StreamDecoder(FRONTEND)
        events = feed_chunks(dec, chunks)
        assert decoded(events) == expected, chunks
        frames = [m.frame for e in events for m in e.items()]
        assert [(f.offset, f.length, f.header) for f in frames] == [
            (0, len(STARTUP), b""),
            (len(STARTUP), len(QUERY), b"Q"),
            (len(STARTUP) + len(QUERY), 5, b"X"),
        ]


def test_frontend_ssl_request_then_startup_then_typed():
    # SSLRequest is untyped too and does not end the step; StartupMessage does.
    stream = SSL_REQUEST + STARTUP + QUERY
    for chunks in tr(stream):
        got = decoded(feed_chunks(StreamDecoder(FRONTEND), chunks))
        assert [type(m).__name__ for m in got] == ["SSLRequest", "StartupMessage", "Query"]


def test_the_old_wall_one_framer_misreads_the_typed_part():
    # issue 7: one untyped framer for the whole stream reads 'Q\0\0\0' as a length
    events = StreamDecoder(LengthPrefixed(width=4, includes_prefix=True)).feed(STARTUP + QUERY)
    assert type(events[-1]) is Error and events[-1].fatal
    assert events[-1].offset == len(STARTUP)


BACKEND_REPLY = (
    typed(b"R", b"\0\0\0\0")
    + typed(b"S", b"server_version\x0016.2\0")
    + typed(b"S", b"client_encoding\0UTF8\0")
    + typed(b"Z", b"I")
)
BACKEND_MESSAGES = [
    AuthenticationOk(),
    ParameterStatus("server_version", "16.2"),
    ParameterStatus("client_encoding", "UTF8"),
    ReadyForQuery("I"),
]


@pytest.mark.parametrize("answer", [b"N", b"S"])
def test_backend_answers_ssl_request_with_one_byte_then_typed_messages(answer):
    stream = answer + BACKEND_REPLY
    for chunks in tr(stream):
        events = feed_chunks(StreamDecoder(BACKEND), chunks)
        items = [m for e in events for m in e.items()]
        assert [m.message for m in items] == [SSLAnswer(answer == b"S"), *BACKEND_MESSAGES]
        assert items[0].frame == Frame(answer, 0, 0, 1)
        assert items[1].frame.offset == 1 and items[1].frame.header == b"R"


def test_backend_without_ssl_request_skips_the_answer_step():
    for chunks in tr(BACKEND_REPLY):
        assert decoded(feed_chunks(StreamDecoder(BACKEND), chunks)) == BACKEND_MESSAGES


def test_count_steps_and_framer_objects_in_steps():
    # two fixed 2-byte frames, then length-prefixed ones; Framer objects or text
    steps = [Step("fixed:2", count=2), Step(LengthPrefixed(width=1))]
    stream = b"ab" + b"cd" + b"\x01e" + b"\x00"
    for chunks in tr(stream):
        frames = flatten(feed_chunks(StreamDecoder(steps), chunks))
        assert frames == [
            Frame(b"ab", 0, 0, 2),
            Frame(b"cd", 2, 2, 2),
            Frame(b"e", 4, 5, 2),
            Frame(b"", 6, 7, 1),
        ]


def test_a_decode_error_in_an_until_step_does_not_end_it():
    bad = untyped(b"\x00\x00\x00\x01")  # unsupported protocol: not a StartupMessage
    stream = bad + STARTUP + QUERY
    for chunks in tr(stream):
        events = feed_chunks(StreamDecoder(FRONTEND), chunks)
        assert type(events[0]) is Error and not events[0].fatal and events[0].offset == 0
        assert events[0].length == len(bad)
        assert [type(m).__name__ for m in flatten(events[1:])] == ["StartupMessage", "Query"]


def test_stream_ends_inside_the_startup_packet():
    dec = StreamDecoder(FRONTEND)
    assert dec.feed(STARTUP[:-3]) == []
    (ev,) = dec.feed_eof()
    assert isinstance(ev.error, TruncatedStream) and ev.fatal
    assert (ev.error.needed, ev.error.available) == (len(STARTUP), len(STARTUP) - 3)


def test_framing_sequences_are_checked():
    with pytest.raises(ValueError, match="at least one Step"):
        StreamDecoder([])
    with pytest.raises(ValueError, match="must be endless"):
        StreamDecoder([Step("length:2", count=1)])
    with pytest.raises(ValueError, match="until= needs a protocol"):
        StreamDecoder([Step("length:2", until="Hello"), Step("length:2")])
    with pytest.raises(TypeError, match="holds Step objects"):
        StreamDecoder([Step("length:2"), "length:4"])
    # a step protocol of None means the decoder's protocol
    dec = StreamDecoder([Step("fixed:2", count=1), Step("length:1")], FakeProtocol())
    got = flatten(dec.feed(b"\x02a\x02\x02b"))
    assert [(m.tag, m.payload) for m in got] == [(2, b"a"), (2, b"b")]


def test_frontend_with_views_copy_false():
    stream = STARTUP + QUERY + TERMINATE
    for chunks in tr(stream, seed=3):
        events = feed_chunks(StreamDecoder(FRONTEND, copy=False), chunks)
        items = [m for e in events for m in e.items()]
        assert [type(m.message).__name__ for m in items] == ["StartupMessage", "Query", "Terminate"]
        assert all(type(m.frame.data) is memoryview for m in items)
        assert bytes(items[1].frame.data) == b"SELECT 1;\0"


@st.composite
def frontend_sessions(draw):
    ssl = draw(st.booleans())
    queries = draw(st.lists(st.text("abc ;1", max_size=8), max_size=5))
    typed_part = b"".join(typed(b"Q", q.encode() + b"\0") for q in queries) + TERMINATE
    stream = (SSL_REQUEST if ssl else b"") + STARTUP + typed_part
    ops: list = [stream]
    if draw(st.booleans()):  # a gap somewhere in the typed part
        start = len(stream) - len(typed_part)
        a = draw(st.integers(start, len(stream) - 1))
        b = draw(st.integers(a + 1, min(len(stream), a + 6)))
        ops = [stream[:a], b - a, stream[b:]]
    return ssl, queries, ops, draw(st.integers(0, 10**6))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frontend_sessions())
def test_frontend_sequence_is_the_same_whatever_the_chunking_and_in_pull_mode(case):
    ssl, queries, ops, seed = case
    runs = [key(drive(StreamDecoder(FRONTEND), [*c, None])) for c in chunkings(ops, seed)]
    assert all(r == runs[0] for r in runs)
    assert key(pull(StreamDecoder(FRONTEND), ops)) == runs[0]
    got = [m.message for m in runs[0] if type(m) is Message]
    head = [SSLRequest()] if ssl else []
    if len(ops) == 1:
        assert got[: len(head) + 1] == [*head, StartupMessage(got[len(head)].params)]
        assert got[len(head) + 1 :] == [Query(q) for q in queries] + [Terminate()]
    else:  # a gap: never a message that was not sent, the startup always decoded
        assert type(got[len(head)]) is StartupMessage
        sent = [Query(q) for q in queries] + [Terminate()]
        rest = got[len(head) + 1 :]
        assert all(m in sent for m in rest)


def test_the_last_step_cannot_be_conditional():
    # it is the steady state: a condition there had no step to fall back to
    from wirekit.protocol_spec import Step

    with pytest.raises(ValueError, match="steady state"):
        StreamDecoder([Step("fixed:1", if_first=b"N")])
    with pytest.raises(ValueError, match="steady state"):
        StreamDecoder([Step("fixed:1", count=1), Step("fixed:1", if_first=b"N")])
