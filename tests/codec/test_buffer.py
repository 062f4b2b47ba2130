"""ReceiveBuffer: bytearray + absolute offset, compaction, consume_exactly."""

from __future__ import annotations

from wirekit.codec import ReceiveBuffer


def test_take_keep_and_offsets():
    buf = ReceiveBuffer(10)
    buf.append(b"abcdef")
    assert len(buf) == 6 and buf
    chunk = buf.take()
    assert chunk == b"abcdef" and not buf and buf.offset == 10
    buf.keep(chunk, 4)
    assert bytes(buf.data) == b"ef" and buf.offset == 14
    assert buf.consume_exactly(3) is None
    assert buf.consume_exactly(2) == b"ef" and buf.offset == 16
    buf.append(memoryview(b"xyz"))
    buf.discard(10)
    assert not buf and buf.offset == 19
    buf.append(b"12")
    assert buf.clear(lost=5) == 2 and buf.offset == 26
