"""SendSequence: the sending half of a framing sequence, checked against the
receive core's own decoder (what one end frames, the other end's decoder reads)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wirekit.codec import Inbox, StreamDecoder
from wirekit.codec.sender import SendSequence
from wirekit.protocol_spec import Step
from wirekit.protocol_spec.errors import EncodeError
from wirekit.protocol_spec.example import EXAMPLE, Chat, Heartbeat

from .pg_lookalike import (
    BACKEND,
    FRONTEND,
    AnswerRegistry,
    AuthOk,
    DataRow,
    Query,
    Ready,
    SSLAnswer,
    SSLRequest,
    StartupMessage,
    Terminate,
)


def decode_all(framing, data: bytes, protocol=None) -> list:
    dec = StreamDecoder(framing, protocol)
    inbox = Inbox()
    inbox.push(dec.feed(data))
    inbox.push(dec.feed_eof())
    return [inbox.pop() for _ in range(len(inbox))]


def test_startup_then_typed_in_one_buffer():
    seq = SendSequence(FRONTEND)
    items = [SSLRequest(), StartupMessage({"user": "u"}), Query(sql="q"), Terminate()]
    data = seq.encode_many(items)
    assert data[:8] == b"\x00\x00\x00\x08\x04\xd2\x16\x2f"  # SSLRequest: untyped
    assert data.endswith(b"X\x00\x00\x00\x04")  # Terminate: typed
    assert seq.offset == len(data)
    assert decode_all(FRONTEND, data) == items


@pytest.mark.parametrize("answer", [[SSLAnswer(b"N")], [SSLAnswer(b"S")], []])
def test_an_optional_step_is_used_or_skipped(answer):
    seq = SendSequence(BACKEND)
    items = [*answer, AuthOk(), Ready(), DataRow(value=b"S")]
    data = seq.encode_many(items)
    assert decode_all(BACKEND, data) == items
    with pytest.raises(EncodeError):  # the one-byte step is gone for good
        seq.encode(SSLAnswer(b"N"))


def test_all_or_nothing():
    seq = SendSequence(FRONTEND)
    with pytest.raises(EncodeError):
        seq.encode_many([StartupMessage({"a": "b"}), Query(sql="x" * 70_000)])
    assert seq.offset == 0
    # nothing moved: the startup packet is still expected first
    data = seq.encode(StartupMessage({"a": "b"}))
    assert data[4:8] == b"\x00\x03\x00\x00"


def test_count_ends_a_step_and_switch_replaces_the_sequence():
    seq = SendSequence([Step("fixed:2", count=2), Step("length:1")])
    assert seq.encode_many([b"ab", b"cd", b"efg"]) == b"abcd\x03efg"
    seq.switch("delimited:\\n")
    assert seq.encode(b"line") == b"line\n"
    assert seq.offset == 13


def test_bytes_need_no_protocol_messages_do():
    seq = SendSequence("length:2")
    assert seq.encode(b"hi") == b"\x00\x02hi"
    with pytest.raises(TypeError, match="no protocol"):
        seq.encode(Heartbeat(seq=1, uptime_ms=1, load=0.0))
    assert SendSequence("length:2", AnswerRegistry()).encode(SSLAnswer(b"S")) == b"\x00\x01S"


def test_shutdown_framing_carries_one_message():
    seq = SendSequence("shutdown")
    assert seq.encode(b"all of it") == b"all of it"
    with pytest.raises(EncodeError, match="one message"):
        seq.encode(b"more")


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2**32 - 1), st.text(max_size=40)), max_size=20))
def test_what_is_sent_is_what_the_core_decodes(rows):
    msgs = [Chat(msg_id=i, room="r", text=t) for i, t in rows]
    framing = [Step("length:1", EXAMPLE, count=1), Step("length:4,byteorder=little")]
    data = SendSequence(framing, EXAMPLE).encode_many(msgs)
    assert decode_all(framing, data, EXAMPLE) == msgs
