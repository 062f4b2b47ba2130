"""Encoder: many bodies into one buffer, all or nothing."""

from __future__ import annotations

import pytest

from wirekit.codec import Delimited, Encoder, LengthPrefixed, ShutdownTerminated
from wirekit.protocol_spec.errors import EncodeError


def test_encode_many_is_one_buffer_and_counts_offsets():
    enc = Encoder(LengthPrefixed(width=2), offset=5)
    out = enc.encode_many([b"a", b"", memoryview(b"bc")])
    assert out == b"\x00\x01a\x00\x00\x00\x02bc"
    assert enc.offset == 5 + len(out)
    assert enc.encode(b"z") == b"\x00\x01z"


def test_encode_many_refuses_before_producing_anything():
    enc = Encoder(Delimited(b"\n"))
    with pytest.raises(EncodeError, match="contains the delimiter"):
        enc.encode_many([b"fine", b"bad\nline"])
    assert enc.offset == 0
    with pytest.raises(TypeError):
        Encoder(object())


def test_headers_and_one_message_per_connection():
    enc = Encoder(LengthPrefixed(width=1, header=1))
    assert enc.encode_many([b"a", b""], [b"X", b"Y"]) == b"X\x01aY\x00"
    with pytest.raises(ValueError):
        enc.encode_many([b"a"], [b"X", b"Y"])
    enc = Encoder(ShutdownTerminated())
    with pytest.raises(EncodeError, match="one message per connection"):
        enc.encode_many([b"a", b"b"])
    assert enc.encode(b"only") == b"only"
    with pytest.raises(EncodeError):
        enc.encode(b"again")
