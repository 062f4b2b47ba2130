"""Shared helpers for the codec tests (a uniquely named module, not a package)."""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator

from hypothesis import strategies as st

from wirekit.codec import (
    EOF,
    NEED_DATA,
    AsciiLength,
    BadLengthPrefix,
    Delimited,
    Error,
    FixedLength,
    Frame,
    Framer,
    Frames,
    LengthPrefixed,
    Measure,
    Messages,
    ShutdownTerminated,
    StreamDecoder,
    TypeLength,
    VarintLength,
)
from wirekit.protocol_spec.errors import DecodeError, EncodeError, WirekitError


def tr(stream: bytes, seed: int = 0) -> Iterator[list[bytes]]:
    """Every interesting way to chunk ``stream`` (h11's ``tr`` idea): whole, byte by
    byte, split in two at every point (for short streams), and random splits."""
    yield [stream]
    yield [stream[i : i + 1] for i in range(len(stream))]
    if len(stream) <= 64:
        for i in range(len(stream) + 1):
            yield [stream[:i], stream[i:]]
    rng = random.Random(seed)
    for _ in range(5):
        yield split_randomly(stream, rng)


def split_randomly(stream: bytes, rng: random.Random, max_chunk: int = 7) -> list[bytes]:
    chunks = []
    i = 0
    while i < len(stream):
        n = rng.randint(0, max_chunk)
        chunks.append(stream[i : i + n])
        i += n
    return chunks


EOF_ = None  # in ``drive`` ops: feed_eof()


def drive(dec: StreamDecoder, ops: Iterable) -> list:
    """The driver loop of the contract: ``feed`` (bytes), ``feed_gap`` (int) and
    ``feed_eof`` (``None``) applied in order, their events concatenated.  No ``try``:
    bad bytes never raise.  Like a transport, it stops once the decoder is closed (a
    fatal error was the last event; feeding again would raise ``DecoderClosed``)."""
    events: list = []
    for op in ops:
        if dec.closed:
            break
        if op is None:
            events.extend(dec.feed_eof())
        elif isinstance(op, int):
            events.extend(dec.feed_gap(op))
        else:
            events.extend(dec.feed(op))
    return events


def feed_chunks(dec: StreamDecoder, chunks: Iterable[bytes], eof: bool = True) -> list:
    return drive(dec, [*chunks, *([EOF_] if eof else [])])


def flatten(events: list, items: bool = False) -> list:
    """Runs opened up: each ``Frames`` run gives its ``Frame`` items, each
    ``Messages`` run its messages (``Message`` items with ``items=True``); every other
    event is kept as it is, in its place."""
    out: list = []
    for ev in events:
        if type(ev) is Frames:
            out.extend(ev)
        elif type(ev) is Messages:
            out.extend(ev.items() if items else ev)
        else:
            out.append(ev)
    return out


def err(ev: Error) -> tuple:
    """An ``Error`` event as comparable data: class name, its offset, the frame
    length, fatal flag and the exception's offset and full text."""
    return (type(ev.error).__name__, ev.offset, ev.length, ev.fatal, ev.error.offset, str(ev.error))


def norm(events: list, items: bool = False) -> list:
    """``flatten`` with ``Error`` events as :func:`err` tuples (exceptions compare by
    identity); frame data as ``bytes`` (views compare too)."""
    out: list = []
    for ev in flatten(events, items):
        if type(ev) is Error:
            out.append(err(ev))
        elif type(ev) is Frame:
            out.append(ev._replace(data=bytes(ev.data)))
        else:
            out.append(ev)
    return out


def short(events: list) -> list:
    """``flatten`` with each ``Error`` as ``(class name, offset)`` (the old tests'
    record of a raised error) and each ``Frame`` kept."""
    return [(type(e.error).__name__, e.offset) if type(e) is Error else e for e in flatten(events)]


def errors_of(events: list) -> list[Error]:
    return [e for e in events if type(e) is Error]


def fatal(events: list) -> WirekitError:
    """The fatal error that ends ``events`` (asserting it is the last event)."""
    assert events, "no events"
    last = events[-1]
    assert type(last) is Error and last.fatal, events
    assert all(not (type(e) is Error and e.fatal) for e in events[:-1]), events
    return last.error


def bodies_of(events: list) -> list[bytes]:
    frames = flatten(events)
    assert all(type(e) is Frame for e in frames), frames
    return [bytes(e.data) for e in frames]


def frames_of(events: list) -> list[Frame]:
    """The ``Frame`` items of every run in ``events`` (other events ignored)."""
    return [e for e in flatten(events) if type(e) is Frame]


def key(events: list) -> list:
    """Events as comparable data: messages with their frames, errors without their
    text (texts are checked on their own below)."""
    out = []
    for ev in flatten(events, items=True):
        if type(ev) is Error:
            out.append(("Error", type(ev.error).__name__, ev.offset, ev.length, ev.fatal,
                        ev.error.offset))  # fmt: skip
        else:
            out.append(ev)
    return out


def chunkings(ops: list, seed: int):
    """The same ops with every bytes op split whole, byte by byte and randomly."""
    rng = random.Random(seed)
    yield ops
    yield [piece for op in ops for piece in (one_by_one(op) if isinstance(op, bytes) else [op])]
    for _ in range(2):
        yield [
            piece
            for op in ops
            for piece in (split_randomly(op, rng) if isinstance(op, bytes) else [op])
        ]


def one_by_one(data: bytes) -> list[bytes]:
    return [data[i : i + 1] for i in range(len(data))]


def pull(dec: StreamDecoder, ops: list) -> list:
    """The same ops through pull mode: receive_*, then next_event() until NEED_DATA."""
    events: list = []
    for op in [*ops, EOF_]:
        if op is None:
            dec.receive_eof()
        elif isinstance(op, int):
            dec.receive_gap(op)
        else:
            dec.receive_data(op)
        while True:
            ev = dec.next_event()
            if ev is NEED_DATA or ev is EOF:
                break
            if type(ev) in (Frames, Messages):
                assert len(ev) == 1  # a pull-mode run holds exactly one frame
            events.append(ev)
        if ev is EOF or dec.closed:
            break
    return events


# --------------------------------------------------------------- framers
class ChecksumFramer(Framer):
    """A user-defined framer written only against the public extension API
    (``measure`` + ``encode``): ``[type byte][u16 length][body][one trailer byte]``.
    Type byte 0xFF is reserved (a framing error)."""

    def __init__(self, *, max_frame: int = 1000) -> None:
        self.max_frame = max_frame
        self.header = 1

    def measure(self, data: bytes, pos: int) -> Measure | int:
        if len(data) - pos < 3:
            return 3
        if data[pos] == 0xFF:
            raise BadLengthPrefix("type byte 0xff is reserved", offset=pos, window=data[pos:])
        return Measure(1, 2, int.from_bytes(data[pos + 1 : pos + 3], "big"), 1)

    def encode(self, body, header=b"") -> bytes:
        body = bytes(body)
        if len(header) != 1 or bytes(header) == b"\xff":
            raise EncodeError("header must be one byte, not 0xff")
        if len(body) > self.max_frame:
            raise EncodeError(f"body of {len(body)} bytes exceeds max_frame {self.max_frame}")
        return bytes(header) + len(body).to_bytes(2, "big") + body + b"\x00"


def trailer_len(framer) -> int:
    """Bytes after the body of each frame (delimiter, user trailer)."""
    if isinstance(framer, ChecksumFramer):
        return 1
    return len(getattr(framer, "delimiter", b""))


def framer_strategy() -> st.SearchStrategy:
    """Framers of every family with a matching strategy for their bodies."""
    return st.one_of(
        st.builds(
            LengthPrefixed,
            width=st.sampled_from([1, 2, 4, 8]),
            byteorder=st.sampled_from(["big", "little"]),
            header=st.integers(0, 2),
            includes_prefix=st.booleans(),
        ),
        st.builds(AsciiLength, digits=st.integers(2, 6)),
        st.builds(FixedLength, st.integers(1, 6)),
        st.builds(
            Delimited, st.sampled_from([b"\n", b"\r\n", b"\x00", b"END", b"\r\n\r\n", b"aa"])
        ),
        st.builds(VarintLength),
        st.just(TypeLength({1: 1, 2: 3, 0x41: 6, 0xFF: 200})),
        st.just(TypeLength({0x0102: 2, 0x0304: 9}, tag_width=2)),
        st.just(VarintLength(header=1, max_bytes=4)),
        st.just(ChecksumFramer()),
    )


def body_strategy(framer) -> st.SearchStrategy:
    """Bodies ``framer`` can encode."""
    if isinstance(framer, FixedLength):
        return st.binary(min_size=framer.size, max_size=framer.size)
    if isinstance(framer, TypeLength):
        tw = framer.tag_width
        return st.sampled_from(sorted(framer.sizes)).flatmap(
            lambda tag: st.binary(
                min_size=framer.sizes[tag] - tw, max_size=framer.sizes[tag] - tw
            ).map(lambda rest, tag=tag: tag.to_bytes(tw, "big") + rest)
        )
    limit = 300
    if isinstance(framer, (VarintLength, ChecksumFramer)):
        limit = min(limit, framer.max_frame)
    if isinstance(framer, LengthPrefixed) and framer.width == 1:
        limit = 250 if not framer.includes_prefix else 254
    if isinstance(framer, AsciiLength):
        limit = min(limit, framer.max_frame)
    binary = st.binary(max_size=limit) | st.binary(max_size=4)
    if isinstance(framer, Delimited):
        return binary.filter(lambda b: can_encode(framer, b))
    return binary


def header_for(framer) -> bytes:
    return bytes(range(65, 65 + getattr(framer, "header", 0)))


def can_encode(framer, body: bytes) -> bool:
    try:
        framer.encode(body, header_for(framer))
    except EncodeError:
        return False
    return True


def frame_spans(framer, bodies: list[bytes]) -> tuple[bytes, list[tuple[int, int, bytes]]]:
    """Encode ``bodies``; return the stream and each frame's (start, end, body)."""
    parts = []
    spans = []
    pos = 0
    for body in bodies:
        raw = framer.encode(body, header_for(framer))
        parts.append(raw)
        spans.append((pos, pos + len(raw), body))
        pos += len(raw)
    return b"".join(parts), spans


ALL_FRAMER_EXAMPLES = [
    LengthPrefixed(),
    LengthPrefixed(width=2, byteorder="little", max_frame=1000),
    LengthPrefixed(width=4, header=1, includes_prefix=True),
    AsciiLength(),
    FixedLength(3),
    Delimited(b"\r\n", max_frame=100),
    VarintLength(max_frame=1000),
    TypeLength({1: 4, 2: 1}),
    ShutdownTerminated(max_frame=1000),
    VarintLength(header=1, max_bytes=4, max_frame=1000),
    ChecksumFramer(),
]


# --------------------------------------------------------- fake protocol
class FakeMessage:
    def __init__(self, tag: int, payload: bytes) -> None:
        self.tag = tag
        self.payload = payload

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FakeMessage) and (self.tag, self.payload) == (
            other.tag,
            other.payload,
        )

    def __repr__(self) -> str:
        return f"FakeMessage({self.tag}, {self.payload!r})"


class FakeProtocol:
    """The two members the message codec uses: encode and decode.

    Tag 1: fixed 4-byte payload.  Tag 2: any payload.  Tag 9 fails to decode with an
    offset inside the payload (byte 2 of the message).
    """

    def encode(self, msg: FakeMessage) -> bytes:
        if msg.tag == 1 and len(msg.payload) != 4:
            raise EncodeError("tag 1 payload must be 4 bytes")
        return bytes([msg.tag]) + msg.payload

    def decode(self, data: bytes) -> FakeMessage:
        data = bytes(data)
        if not data:
            raise DecodeError("empty", offset=0)
        if data[0] not in (1, 2):
            raise DecodeError(f"bad tag {data[0]}", offset=0)
        if data[0] == 1 and len(data) != 5:
            raise DecodeError("bad size", offset=len(data))
        if data[0] == 2 and b"!" in data:
            raise DecodeError("no ! allowed", offset=data.index(b"!"))
        return FakeMessage(data[0], data[1:])
