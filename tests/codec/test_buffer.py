"""ReceiveBuffer (internal to StreamDecoder): bytearray + absolute offset, take,
keep (the once-per-feed compaction), clear."""

from __future__ import annotations

import wirekit.codec
from wirekit.codec.buffer import ReceiveBuffer


def test_take_keep_and_offsets():
    buf = ReceiveBuffer(10)
    buf.keep(b"abcdef", 10, 0)  # nothing framed: everything buffered
    assert bytes(buf.data) == b"abcdef" and buf.offset == 10
    chunk = buf.take()
    assert chunk == b"abcdef" and not buf.data and buf.offset == 10
    buf.keep(chunk, 10, 4)  # framed up to byte 4: the rest is buffered at 14
    assert bytes(buf.data) == b"ef" and buf.offset == 14
    chunk = buf.take()
    buf.keep(chunk, 14, 2)  # framed whole: nothing buffered, offset = the next byte
    assert not buf.data and buf.offset == 16
    buf.keep(b"xxyz", 14, 2)  # a chunk whose framing started before the buffer's offset
    assert bytes(buf.data) == b"yz" and buf.offset == 16
    assert buf.clear(lost=5) == 2 and buf.offset == 23 and not buf.data


def test_keep_copies_so_the_chunk_is_not_pinned():
    buf = ReceiveBuffer()
    chunk = b"0123456789"
    buf.keep(chunk, 0, 7)
    assert type(buf.data) is bytearray and bytes(buf.data) == b"789"
    del buf.data[:1]  # resizable: no memoryview of it is held
    assert bytes(buf.data) == b"89"


def test_receive_buffer_is_not_public_api():
    assert "ReceiveBuffer" not in wirekit.codec.__all__
    assert not hasattr(wirekit.codec, "ReceiveBuffer")
