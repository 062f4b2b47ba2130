"""Framing errors: hierarchy, hex/ASCII window, ASCII hint, pickling."""

from __future__ import annotations

import pickle

import pytest

from wirekit.codec import (
    BadLengthPrefix,
    DecoderClosed,
    DelimiterNotFound,
    FrameTooLarge,
    FramingError,
    TruncatedStream,
    UnknownFrameType,
)
from wirekit.codec.errors import ascii_hint, hex_window
from wirekit.protocol_spec.errors import DecodeError, TruncatedError, UnknownTagError


@pytest.mark.parametrize(
    "cls",
    [
        FrameTooLarge,
        DelimiterNotFound,
        BadLengthPrefix,
        UnknownFrameType,
        TruncatedStream,
        DecoderClosed,
    ],
)
def test_every_framing_error_is_a_decode_error(cls):
    assert issubclass(cls, FramingError) and issubclass(cls, DecodeError)


def test_special_parents():
    assert issubclass(TruncatedStream, TruncatedError)
    assert issubclass(UnknownFrameType, UnknownTagError)
    assert issubclass(DelimiterNotFound, FrameTooLarge)


def test_hex_window():
    assert hex_window(b"GET \x00") == "47 45 54 20 00  |GET .|"


def test_ascii_hint_only_for_text_prefixes():
    assert "looks like ASCII text 'GET / HTTP'" in ascii_hint(b"GET ", b"/ HTTP\r\n")
    assert ascii_hint(b"\x00\x00\x01\x00") == ""
    assert ascii_hint(b"G") == ""  # one printable byte proves nothing
    assert ascii_hint(b"E", b"T /", header=b"G") == ""  # nor does a text header before it
    assert "'GET /'" in ascii_hint(b"ET", b" /", header=b"G")  # quoted with the header
    assert "'ET /'" in ascii_hint(b"ET", b" /", header=b"\x00")


def test_message_has_offset_rule_and_window():
    exc = FrameTooLarge(
        "frame length 9 exceeds max_frame 5", offset=12, window=b"\x00\x09ab", length=9, limit=5
    )
    assert str(exc) == (
        "at offset 12: frame length 9 exceeds max_frame 5; bytes there: 00 09 61 62  |..ab|"
    )
    assert str(exc.rebased(100)).startswith("at offset 112:")


def test_pickle_round_trip_keeps_attributes():
    exc = TruncatedStream("stream ended", offset=3, needed=10, available=4, window=b"ab")
    copy = pickle.loads(pickle.dumps(exc))
    assert (copy.offset, copy.needed, copy.available, copy.window) == (3, 10, 4, b"ab")
    assert str(copy) == str(exc)
    big = pickle.loads(pickle.dumps(FrameTooLarge("x", length=7, limit=5, offset=0)))
    assert (big.length, big.limit) == (7, 5)
