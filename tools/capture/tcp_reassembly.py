"""TCP reassembly: per connection and direction, byte streams with honest gaps.

:class:`TcpReassembler` takes :class:`~.ip.Segment` objects in capture order and
returns stream events, each for one direction (:class:`Stream`) of one
:class:`Connection`:

* :class:`StreamData` ``(stream, offset, data)`` -- bytes at a stream offset;
* :class:`StreamGap` ``(stream, offset, length)`` -- bytes that never arrived;
* :class:`StreamEnd` ``(stream, offset)`` -- the direction ended (FIN, RST, end of
  capture, idle or evicted).

They map one to one onto the receive contract's ``decoder.feed(data)``,
``decoder.feed_gap(length)`` and ``decoder.feed_eof()``: a direction's events
are contiguous (each starts where the previous one ended), offset 0 is the first
byte after the SYN (or the first byte seen, for a direction captured without its
SYN: ``stream.synced`` is then ``False``).

The policy:

* **Order**: by sequence number, relative to the expected one, modulo 2**32
  (wraparound and streams over 4 GiB work).
* **Duplicates and retransmissions** (bytes before the next expected offset) are
  dropped.  **Overlaps** are trimmed: *the first copy of a byte that arrived
  wins*, for data already delivered and for data held out of order alike (a
  retransmission with different content does not rewrite the stream).
* **Out of order** segments are held until the bytes before them arrive, at most
  ``max_buffered`` bytes per direction and ``max_buffered_total`` over all
  connections; beyond that, the missing bytes before the held data are declared a
  gap and the held data delivered.  At FIN/RST/end, missing bytes before held
  data (and before a FIN's sequence number) are gaps too.
* **Snaplen**: payload bytes a packet carried beyond the captured length
  (:attr:`Segment.missing`) are a gap at their offset, never zero-filled.
* **SYN** sets the stream start; a retransmitted SYN is ignored; a new SYN on a
  4-tuple whose connection saw a different SYN ends that connection (reason
  ``"reused"``) and starts a new one.  **FIN** ends the direction once every byte
  before it is delivered or declared lost; **RST** ends both directions.
* **Roles**: the sender of a SYN is the client, of a SYN+ACK the server.
  Without a SYN, a port in ``server_ports`` is the server, else the lower port
  (ties: the destination).
* **Connections** tracked are bounded by ``max_connections`` (the least recently
  active is ended, reason ``"evicted"``); connections idle for ``idle_timeout``
  seconds of capture time are ended (reason ``"idle"``).  Ended connections stay
  known (for late retransmissions and ACKs) until evicted or reused.
* Bad checksums are never checked (see :mod:`.ip`).
"""

from __future__ import annotations

import socket
from bisect import bisect_right, insort
from collections import OrderedDict
from collections.abc import Iterable
from typing import NamedTuple

from .ip import ACK, FIN, RST, SYN, Segment

__all__ = [
    "TcpReassembler",
    "Connection",
    "Stream",
    "StreamData",
    "StreamGap",
    "StreamEnd",
    "StreamEvent",
    "MAX_BUFFERED",
    "MAX_BUFFERED_TOTAL",
    "MAX_CONNECTIONS",
    "IDLE_TIMEOUT",
]

#: Out-of-order bytes held per direction before the missing ones are declared lost.
MAX_BUFFERED = 4 << 20
#: Out-of-order bytes held over all connections.
MAX_BUFFERED_TOTAL = 64 << 20
#: Connections tracked at once.
MAX_CONNECTIONS = 10_000
#: Seconds of capture time without a packet after which a connection is ended.
IDLE_TIMEOUT = 600.0

_MASK = 0xFFFFFFFF
_HALF = 1 << 31


def _start_of(entry: tuple) -> int:
    return entry[0]


def _end_of(entry: tuple) -> int:
    return entry[1]


def format_address(addr: bytes) -> str:
    return socket.inet_ntop(socket.AF_INET if len(addr) == 4 else socket.AF_INET6, addr)


class StreamData(NamedTuple):
    """``data`` at stream ``offset`` of ``stream`` (arrived at ``timestamp_ns``)."""

    stream: Stream
    offset: int
    data: bytes
    timestamp_ns: int


class StreamGap(NamedTuple):
    """``length`` bytes at ``offset`` never arrived (``reason``: ``"lost"``,
    ``"snaplen"`` or ``"buffer limit"``)."""

    stream: Stream
    offset: int
    length: int
    timestamp_ns: int
    reason: str


class StreamEnd(NamedTuple):
    """The direction ended at ``offset`` (``reason``: ``"fin"``, ``"rst"``,
    ``"end"`` of capture, ``"idle"``, ``"evicted"``, ``"reused"``)."""

    stream: Stream
    offset: int
    timestamp_ns: int
    reason: str


StreamEvent = StreamData | StreamGap | StreamEnd


class Stream:
    """One direction of a connection: ``connection``, ``direction`` (``"client"``:
    bytes the client sent, or ``"server"``), ``src``/``dst`` (address, port),
    ``synced`` (its SYN was seen), ``position`` (next stream offset) and ``ended``."""

    __slots__ = (
        "connection",
        "direction",
        "src",
        "dst",
        "synced",
        "isn",
        "next",
        "pending",
        "buffered",
        "fin_at",
        "ended",
        "_owner",
    )

    def __init__(self, connection: Connection, direction: str, src, dst, owner) -> None:
        self.connection = connection
        self.direction = direction
        self.src = src
        self.dst = dst
        self.synced = False
        self.isn: int | None = None
        self.next = 0
        self.pending: list[tuple[int, int, bytes | None]] = []
        self.buffered = 0
        self.fin_at: int | None = None
        self.ended = False
        self._owner: TcpReassembler = owner

    @property
    def position(self) -> int:
        return self.next

    def __repr__(self) -> str:
        c = self.connection
        return f"<Stream #{c.id} {self.direction} {c.describe(self.direction)}>"

    # ---------------------------------------------------------------- intake
    def segment(self, seg: Segment, out: list) -> None:
        owner = self._owner
        flags = seg.flags
        ts = seg.timestamp_ns
        if self.ended:
            if seg.payload or seg.missing:
                owner.stats["after_end"] += 1
            return
        if flags & SYN:
            isn = (seg.seq + 1) & _MASK
            if self.isn is None:
                self.isn = isn
                self.synced = True
            elif isn != self.isn:
                owner.stats["bad_syn"] += 1
                return
            seq = isn
        else:
            seq = seg.seq
            if self.isn is None:
                if not (seg.payload or seg.missing or flags & FIN):
                    return  # a pure ACK says nothing about where the stream starts
                self.isn = seq
        delta = (seq - self.isn - self.next) & _MASK
        if delta >= _HALF:
            delta -= 1 << 32
        off = self.next + delta
        data = seg.payload
        if data:
            self._place(off, off + len(data), data, ts, out)
        end = off + len(data)
        if seg.missing:
            owner.stats["snaplen_cut"] += 1
            self._place(end, end + seg.missing, None, ts, out)
            end += seg.missing
        if flags & FIN and self.fin_at is None:
            self.fin_at = end
        if self.fin_at is not None and self.next >= self.fin_at and not self.pending:
            self._end(ts, "fin", out)

    def _place(self, off: int, end: int, data: bytes | None, ts: int, out: list) -> None:
        nxt = self.next
        stats = self._owner.stats
        if end <= nxt:
            stats["before_start" if off < 0 else "duplicates"] += 1
            return
        if off <= nxt:
            if off < nxt:
                stats["overlaps"] += 1
                if data is not None:
                    data = data[nxt - off :]
            if self.pending and self.pending[0][0] < end:
                # held data overlaps: the first copy of a byte wins there too
                self._hold(nxt, end, data, ts, out, count=False)
                self._drain(ts, out)
                return
            if data is None:
                out.append(StreamGap(self, nxt, end - nxt, ts, "snaplen"))
                stats["gap_bytes"] += end - nxt
            else:
                out.append(StreamData(self, nxt, data, ts))
            self.next = end
            if self.pending:
                self._drain(ts, out)
            return
        self._hold(off, end, data, ts, out)

    def _hold(
        self, off: int, end: int, data: bytes | None, ts: int, out: list, count: bool = True
    ) -> None:
        owner = self._owner
        if count:
            owner.stats["out_of_order"] += 1
        pending = self.pending
        pieces = [(off, end)]
        if pending and pending[-1][1] > off:  # overlaps held data: keep only new bytes
            # entries are sorted and disjoint, so their ends are sorted too
            i = bisect_right(pending, off, key=_end_of)
            while i < len(pending) and pending[i][0] < end:
                s, e, _d = pending[i]
                i += 1
                rest = []
                for ps, pe in pieces:
                    if e <= ps or s >= pe:
                        rest.append((ps, pe))
                        continue
                    if ps < s:
                        rest.append((ps, s))
                    if e < pe:
                        rest.append((e, pe))
                pieces = rest
        if not pieces or pieces != [(off, end)]:
            owner.stats["overlaps"] += 1
        for ps, pe in pieces:
            chunk = None if data is None else data[ps - off : pe - off]
            insort(pending, (ps, pe, chunk), key=_start_of)
            if chunk is not None:
                self.buffered += len(chunk)
                owner.buffered += len(chunk)
        if self.buffered > owner.max_buffered or owner.buffered > owner.max_buffered_total:
            while self.pending and (
                self.buffered > owner.max_buffered or owner.buffered > owner.max_buffered_total
            ):
                self._gap_to_next(ts, "buffer limit", out)

    def _gap_to_next(self, ts: int, reason: str, out: list) -> None:
        start = self.pending[0][0]
        if start > self.next:
            out.append(StreamGap(self, self.next, start - self.next, ts, reason))
            self._owner.stats["gaps"] += 1
            self._owner.stats["gap_bytes"] += start - self.next
            self.next = start
        self._drain(ts, out)

    def _drain(self, ts: int, out: list) -> None:
        pending = self.pending
        owner = self._owner
        i = 0
        while i < len(pending) and pending[i][0] <= self.next:
            s, e, d = pending[i]
            i += 1
            if d is not None:
                self.buffered -= len(d)
                owner.buffered -= len(d)
            if e <= self.next:
                continue
            nxt = self.next
            if d is None:
                out.append(StreamGap(self, nxt, e - nxt, ts, "snaplen"))
                owner.stats["gap_bytes"] += e - nxt
            else:
                out.append(StreamData(self, nxt, d[nxt - s :] if s < nxt else d, ts))
            self.next = e
        del pending[:i]

    def finish(self, ts: int, reason: str, out: list) -> None:
        """End this direction now: held data delivered with gaps before it, a gap up
        to a FIN seen, then :class:`StreamEnd` (nothing for a direction never seen);
        its reason is ``"fin"`` whenever the FIN was seen, else ``reason``."""
        if self.ended or self.isn is None:
            self.ended = True
            return
        while self.pending:
            self._gap_to_next(ts, "lost", out)
        if self.fin_at is not None and self.next < self.fin_at:
            n = self.fin_at - self.next
            out.append(StreamGap(self, self.next, n, ts, "lost"))
            self._owner.stats["gaps"] += 1
            self._owner.stats["gap_bytes"] += n
            self.next = self.fin_at
        self._end(ts, "fin" if self.fin_at is not None else reason, out)

    def _end(self, ts: int, reason: str, out: list) -> None:
        self.ended = True
        out.append(StreamEnd(self, self.next, ts, reason))


class Connection:
    """A TCP connection: ``id`` (1, 2, ... in order of first packet), ``client`` and
    ``server`` (address string, port), its two :class:`Stream` objects
    (``client_stream``: bytes the client sent), ``first_ns``/``last_ns``."""

    __slots__ = (
        "id",
        "client",
        "server",
        "client_stream",
        "server_stream",
        "first_ns",
        "last_ns",
        "key",
        "_client_raw",
    )

    def __init__(
        self,
        cid: int,
        client: tuple[bytes, int],
        server: tuple[bytes, int],
        ts: int,
        owner: TcpReassembler,
    ) -> None:
        self.id = cid
        self._client_raw = client
        self.client = (format_address(client[0]), client[1])
        self.server = (format_address(server[0]), server[1])
        self.client_stream = Stream(self, "client", self.client, self.server, owner)
        self.server_stream = Stream(self, "server", self.server, self.client, owner)
        self.first_ns = ts
        self.last_ns = ts
        self.key = _key(client[0], client[1], server[0], server[1])

    def describe(self, direction: str = "client") -> str:
        a, b = (self.client, self.server) if direction == "client" else (self.server, self.client)
        return f"{_endpoint(a)} > {_endpoint(b)}"

    @property
    def ended(self) -> bool:
        return self.client_stream.ended and self.server_stream.ended

    def finish(self, ts: int, reason: str, out: list) -> None:
        self.client_stream.finish(ts, reason, out)
        self.server_stream.finish(ts, reason, out)

    def __repr__(self) -> str:
        return f"<Connection #{self.id} {self.describe()}>"


def _endpoint(ep: tuple[str, int]) -> str:
    return f"[{ep[0]}]:{ep[1]}" if ":" in ep[0] else f"{ep[0]}:{ep[1]}"


def _key(a: bytes, ap: int, b: bytes, bp: int) -> tuple:
    return (a, ap, b, bp) if (a, ap) <= (b, bp) else (b, bp, a, ap)


class TcpReassembler:
    """Connections and their reassembled streams: ``add(segment) -> events``,
    ``finish() -> events`` at the end of the capture.  See the module docstring
    for the policy; the limits are constructor arguments.  ``stats`` counts what
    was dropped, trimmed, held and declared lost."""

    def __init__(
        self,
        *,
        server_ports: Iterable[int] = (),
        max_buffered: int = MAX_BUFFERED,
        max_buffered_total: int = MAX_BUFFERED_TOTAL,
        max_connections: int = MAX_CONNECTIONS,
        idle_timeout: float = IDLE_TIMEOUT,
    ) -> None:
        self.server_ports = frozenset(server_ports)
        self.max_buffered = max_buffered
        self.max_buffered_total = max_buffered_total
        self.max_connections = max_connections
        self.idle_timeout_ns = int(idle_timeout * 1e9)
        self.buffered = 0
        self._conns: OrderedDict[tuple, Connection] = OrderedDict()
        self._next_id = 1
        self.stats = dict.fromkeys(
            (
                "segments",
                "connections",
                "duplicates",
                "overlaps",
                "out_of_order",
                "gaps",
                "gap_bytes",
                "snaplen_cut",
                "before_start",
                "after_end",
                "bad_syn",
                "idle",
                "evicted",
                "reused",
            ),
            0,
        )

    @property
    def connections(self) -> list[Connection]:
        """The connections tracked now (ended ones included until evicted)."""
        return list(self._conns.values())

    def add(self, seg: Segment) -> list[StreamEvent]:
        out: list = []
        self.stats["segments"] += 1
        ts = seg.timestamp_ns
        key = _key(seg.src, seg.sport, seg.dst, seg.dport)
        conns = self._conns
        conn = conns.get(key)
        flags = seg.flags
        if conn is not None:
            conns.move_to_end(key)
            if flags & SYN and self._is_new_syn(conn, seg):
                conn.finish(ts, "reused", out)
                del conns[key]
                self.stats["reused"] += 1
                conn = None
        if conn is None:
            if flags & RST and not seg.payload:
                return out
            conn = self._new(key, seg, out)
        conn.last_ns = ts
        stream = (
            conn.client_stream if conn._client_raw == (seg.src, seg.sport) else conn.server_stream
        )
        stream.segment(seg, out)
        if flags & RST:
            conn.finish(ts, "rst", out)
        if self.idle_timeout_ns:
            self._expire(ts, out)
        return out

    def _is_new_syn(self, conn: Connection, seg: Segment) -> bool:
        is_client = conn._client_raw == (seg.src, seg.sport)
        stream = conn.client_stream if is_client else conn.server_stream
        if stream.isn is None:
            return conn.ended
        isn = (seg.seq + 1) & _MASK
        return isn != stream.isn and (not seg.flags & ACK or conn.ended)

    def _new(self, key: tuple, seg: Segment, out: list) -> Connection:
        src = (seg.src, seg.sport)
        dst = (seg.dst, seg.dport)
        if seg.flags & SYN:
            client, server = (dst, src) if seg.flags & ACK else (src, dst)
        elif self.server_ports and (seg.dport in self.server_ports) != (
            seg.sport in self.server_ports
        ):
            client, server = (src, dst) if seg.dport in self.server_ports else (dst, src)
        else:
            client, server = (dst, src) if seg.sport < seg.dport else (src, dst)
        conns = self._conns
        if len(conns) >= self.max_connections:
            _k, old = conns.popitem(last=False)
            if not old.ended:
                self.stats["evicted"] += 1
            old.finish(seg.timestamp_ns, "evicted", out)
        conn = Connection(self._next_id, client, server, seg.timestamp_ns, self)
        self._next_id += 1
        self.stats["connections"] += 1
        conns[key] = conn
        return conn

    def _expire(self, ts: int, out: list) -> None:
        conns = self._conns
        limit = ts - self.idle_timeout_ns
        while conns:
            conn = next(iter(conns.values()))
            if conn.last_ns >= limit:
                break
            del conns[conn.key]
            if not conn.ended:
                self.stats["idle"] += 1
            conn.finish(ts, "idle", out)

    def finish(self) -> list[StreamEvent]:
        """End of capture: every connection still open ends (reason ``"end"``),
        in order of connection id."""
        out: list = []
        ts = max((c.last_ns for c in self._conns.values()), default=0)
        for conn in sorted(self._conns.values(), key=lambda c: c.id):
            conn.finish(ts, "end", out)
        self._conns.clear()
        return out
