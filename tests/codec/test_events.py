"""Events: Frames/Messages runs and their items, the other events, the sentinels."""

from __future__ import annotations

import dataclasses
import pickle

import pytest

from wirekit.codec import (
    EOF,
    NEED_DATA,
    DamagedFrame,
    Delimited,
    Error,
    Frame,
    Frames,
    LengthPrefixed,
    Message,
    Messages,
    Resynced,
    StreamDecoder,
    SyncLost,
    VarintLength,
)
from wirekit.protocol_spec.errors import DecodeError

from .codec_helpers import FakeMessage, FakeProtocol


def test_a_fixed_layout_run_derives_every_offset():
    framer = LengthPrefixed(width=2)
    stream = b"".join(framer.encode(b) for b in (b"a", b"", b"xyz"))
    (run,) = StreamDecoder(framer, offset=10).feed(stream)
    assert type(run) is Frames
    assert (run.bodies, run.offset, run.end, len(run)) == ([b"a", b"", b"xyz"], 10, 20, 3)
    assert list(run) == [
        Frame(b"a", 10, 12, 3),
        Frame(b"", 13, 15, 2),
        Frame(b"xyz", 15, 17, 5),
    ]
    assert run[1] == Frame(b"", 13, 15, 2) and run[-1].data == b"xyz"
    assert run.frames() is run.frames()  # computed once
    first, rest = run.split(1)
    assert list(first) == list(run)[:1] and list(rest) == list(run)[1:]
    assert (rest.offset, rest.end) == (13, 20)
    assert Frames.of(list(run)) == run
    with pytest.raises(TypeError):
        hash(run)
    assert "3 frame(s), offset=10, end=20" in repr(run)


@pytest.mark.parametrize(
    "framer,stream",
    [
        (Delimited(b"\r\n"), b"ab\r\n\r\ncd\r\n"),
        (VarintLength(header=1), b"H\x01aH\x00"),
        (LengthPrefixed(width=1, header=1), b"T\x02hiU\x00"),
    ],
)
def test_runs_of_every_layout_are_consecutive(framer, stream):
    (run,) = StreamDecoder(framer).feed(stream)
    frames = list(run)
    assert frames[0].offset == run.offset == 0
    for a, b in zip(frames, frames[1:], strict=False):
        assert a.offset + a.length == b.offset
    assert frames[-1].offset + frames[-1].length == run.end == len(stream)


def test_messages_run_keeps_its_frames():
    framer = LengthPrefixed(width=1)
    stream = framer.encode(b"\x02a") + framer.encode(b"\x01wxyz")
    (run,) = StreamDecoder(framer, FakeProtocol()).feed(stream)
    assert type(run) is Messages
    assert run.messages == [FakeMessage(2, b"a"), FakeMessage(1, b"wxyz")]
    assert list(run) == run.messages and run[0] == FakeMessage(2, b"a") and len(run) == 2
    assert (run.offset, run.end) == (0, len(stream))
    assert run.items() == [
        Message(FakeMessage(2, b"a"), Frame(b"\x02a", 0, 1, 3)),
        Message(FakeMessage(1, b"wxyz"), Frame(b"\x01wxyz", 3, 4, 6)),
    ]
    assert run.frames.bodies == [b"\x02a", b"\x01wxyz"]
    assert run == Messages(list(run.messages), Frames.of(list(run.frames)))
    with pytest.raises(TypeError):
        hash(run)
    assert "2 message(s)" in repr(run)


def test_the_other_events_are_frozen_values():
    err = DecodeError("bad", offset=3)
    events = [
        Error(err, 3, 5, False),
        DamagedFrame(0, 10, "lost", 1, b"D", b"D\x00"),
        SyncLost(4, "stop", "why"),
        Resynced(9, 5),
    ]
    for ev in events:
        with pytest.raises(dataclasses.FrozenInstanceError):
            ev.offset = 1  # type: ignore[misc]
        assert not hasattr(ev, "__dict__")  # slotted
    assert Resynced(9, 5).method == "delimiter"
    assert DamagedFrame(0, 4, "x").count == 1 and DamagedFrame(0, 4, "x").header == b""


def test_sentinels_are_singletons_even_through_pickle():
    assert repr(NEED_DATA) == "NEED_DATA" and repr(EOF) == "EOF"
    assert pickle.loads(pickle.dumps(NEED_DATA)) is NEED_DATA
    assert pickle.loads(pickle.dumps(EOF)) is EOF
    assert NEED_DATA is not EOF
