"""The one helper module for bytes-like input: ``as_bytes`` and ``byte_view``."""

from __future__ import annotations

import array

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wirekit.protocol_spec.buffers import as_bytes, byte_view


def test_as_bytes_keeps_bytes_and_copies_everything_else():
    data = b"abcdef"
    assert as_bytes(data, "f") is data
    scratch = bytearray(data)
    copy = as_bytes(scratch, "f")
    scratch[0] = 0
    assert copy == data and type(copy) is bytes  # the caller may reuse its buffer
    assert as_bytes(memoryview(data)[::2], "f") == b"ace"  # strided: no TypeError from cast
    assert as_bytes(memoryview(data).cast("H"), "f") == data  # raw bytes, not items
    assert as_bytes(array.array("H", [0x0102]), "f") == array.array("H", [0x0102]).tobytes()


@pytest.mark.parametrize("value", ["text", 17, None, [1, 2]], ids=repr)
def test_as_bytes_refuses_what_is_not_bytes_like(value):
    with pytest.raises(
        TypeError, match=rf"^M\.decode expects bytes-like, got {type(value).__name__}$"
    ):
        as_bytes(value, "M.decode")


def test_byte_view_counts_bytes_without_copying_contiguous_input():
    data = bytearray(b"abcdefgh")
    assert byte_view(data, "a body") is data
    wide = memoryview(data).cast("I")
    view = byte_view(wide, "a body")
    assert len(view) == 8 and view[0] == ord("a")
    data[0] = ord("z")
    assert view[0] == ord("z")  # the same bytes, not a copy
    assert bytes(byte_view(memoryview(b"abcdef")[::2], "a body")) == b"ace"


@pytest.mark.parametrize("value", ["text", 5, array.array("B", b"x")], ids=repr)
def test_byte_view_refuses_other_types(value):
    with pytest.raises(
        TypeError, match=rf"^a frame body must be bytes-like, not {type(value).__name__}$"
    ):
        byte_view(value, "a frame body")


@settings(max_examples=50)
@given(st.binary(max_size=64), st.integers(1, 5), st.sampled_from(["B", "b", "c"]))
def test_both_give_the_raw_bytes_of_any_view(data, step, fmt):
    view = memoryview(data).cast(fmt)[::step]
    expected = data[::step]
    assert as_bytes(view, "f") == expected
    assert bytes(byte_view(view, "b")) == expected
