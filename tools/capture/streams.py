"""Reassembled streams from any input: :class:`StreamReader` and :func:`export_streams`.

``StreamReader(path)`` iterates :data:`~.tcp_reassembly.StreamEvent` objects
(data / gap / end, per connection and direction) for a pcap or pcapng capture,
and the same events for a hex dump or raw file (one stream: connection 1, the
``direction`` given).  Filters (``ports``, ``hosts``) select packets before
reassembly, ``connections`` selects connection numbers (counted after the other
filters).  ``export_streams`` writes them as files (``wirekit streams``).
"""

from __future__ import annotations

import json
import os
import socket
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from typing import Any, BinaryIO

from .errors import CaptureError
from .hexdump import read_hexdump
from .inputs import _SNIFF, _peek, open_binary, packet_reader, sniff, text_lines
from .ip import SegmentParser
from .pcap import CHUNK_SIZE
from .tcp_reassembly import (
    Connection,
    Stream,
    StreamData,
    StreamEnd,
    StreamEvent,
    StreamGap,
    TcpReassembler,
)

__all__ = ["StreamReader", "export_streams", "file_connection"]


def file_connection(source: str) -> Connection:
    """The pseudo-connection of a hex dump or raw file (id 1, ``source`` as both
    endpoints)."""
    conn = Connection.__new__(Connection)
    conn.id = 1
    conn.client = (source, 0)
    conn.server = (source, 0)
    conn.first_ns = conn.last_ns = 0
    conn.key = (source,)
    conn._client_raw = (b"", 0)
    conn.client_stream = Stream(conn, "client", conn.client, conn.server, None)
    conn.server_stream = Stream(conn, "server", conn.server, conn.client, None)
    return conn


def _packed(host: str) -> bytes:
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            return socket.inet_pton(family, host)
        except OSError:
            continue
    raise ValueError(f"not an IP address: {host!r}")


class StreamReader:
    """Iterate the stream events of one input (see the module docstring).

    After iteration: ``kind`` (``pcap``/``pcapng``/``hex``/``raw``), ``stats``
    (packet parser and reassembler counters merged), ``connections_seen``.
    Reassembler limits pass through ``**limits`` (``max_buffered``, ...).
    ``progress(n)`` (optional) is called with the bytes read so far, chunk by chunk.
    """

    def __init__(
        self,
        path: str,
        *,
        fmt: str = "auto",
        server_ports: Iterable[int] = (),
        ports: Iterable[int] = (),
        hosts: Iterable[str] = (),
        connections: Iterable[int] = (),
        direction: str = "client",
        progress: Callable[[int], None] | None = None,
        **limits: Any,
    ) -> None:
        if direction not in ("client", "server"):
            raise ValueError(f"direction must be 'client' or 'server', got {direction!r}")
        self.path = path
        self.fmt = fmt
        self.server_ports = frozenset(server_ports)
        self.ports = frozenset(ports)
        self.hosts = frozenset(_packed(h) for h in hosts)
        self.connections = frozenset(connections)
        self.direction = direction
        self.progress = progress
        self.limits = limits
        self.kind: str | None = None
        self.stats: dict[str, int] = {}
        self.connections_seen = 0

    def __iter__(self) -> Iterator[StreamEvent]:
        with open_binary(self.path) as raw:
            f: Any = raw if self.progress is None else _Progress(raw, self.progress)
            head = _peek(f, _SNIFF)
            self.kind = kind = sniff(head, self.fmt, source=self.path)
            if kind in ("pcap", "pcapng"):
                yield from self._capture(f, kind, head)
            else:
                yield from self._single(f, kind, head)

    # --------------------------------------------------------------- captures
    def _capture(self, f: BinaryIO, kind: str, head: bytes) -> Iterator[StreamEvent]:
        parser = SegmentParser()
        ports_for_role = self.server_ports
        tcp = TcpReassembler(server_ports=ports_for_role, **self.limits)
        self.stats = parser.stats
        ports, hosts, conns = self.ports, self.hosts, self.connections
        parse = parser.parse
        add = tcp.add
        try:
            for pkt in packet_reader(f, kind, head, self.path):
                seg = parse(pkt)
                if seg is None:
                    continue
                if ports and seg.sport not in ports and seg.dport not in ports:
                    continue
                if hosts and seg.src not in hosts and seg.dst not in hosts:
                    continue
                events = add(seg)
                if events:
                    if conns:
                        yield from (e for e in events if e.stream.connection.id in conns)
                    else:
                        yield from events
        except CaptureError:
            # the damage comes after every packet before it: flush what is held
            # (gaps included) so those bytes are decoded, then report it
            self._close(parser, tcp)
            yield from self._filtered(tcp.finish())
            raise
        self._close(parser, tcp)
        yield from self._filtered(tcp.finish())

    def _filtered(self, events: list) -> Iterator[StreamEvent]:
        conns = self.connections
        return (e for e in events if not conns or e.stream.connection.id in conns)

    def _close(self, parser: SegmentParser, tcp: TcpReassembler) -> None:
        parser.finish()
        self.connections_seen = tcp.stats["connections"]
        self.stats = {**parser.stats, **tcp.stats}

    # ------------------------------------------------------ hex dump and raw
    def _single(self, f: BinaryIO, kind: str, head: bytes) -> Iterator[StreamEvent]:
        conn = file_connection(self.path)
        self.connections_seen = 1
        stream = conn.client_stream if self.direction == "client" else conn.server_stream
        stream.synced = True
        pos = 0
        gaps = 0
        if kind == "hex":
            for what, off, value in read_hexdump(text_lines(f, head, self.path), source=self.path):
                if what == "data":
                    yield StreamData(stream, off, value, 0)  # type: ignore[arg-type]
                    pos = off + len(value)  # type: ignore[arg-type]
                else:
                    gaps += 1
                    yield StreamGap(stream, off, value, 0, "lost")  # type: ignore[arg-type]
                    pos = off + value  # type: ignore[operator]
        else:
            if head:
                yield StreamData(stream, 0, head, 0)
                pos = len(head)
            while chunk := f.read(CHUNK_SIZE):
                yield StreamData(stream, pos, chunk, 0)
                pos += len(chunk)
        stream.next = pos
        stream.ended = True
        self.stats = {"bytes": pos, "gaps": gaps}
        yield StreamEnd(stream, pos, 0, "end")


class _Progress:
    """A binary file whose reads report the running byte count."""

    def __init__(self, f: BinaryIO, report: Callable[[int], None]) -> None:
        self._f = f
        self._report = report
        self._done = 0

    def read(self, n: int = -1) -> bytes:
        data = self._f.read(n)
        self._done += len(data)
        self._report(self._done)
        return data


class _Handles:
    """At most ``size`` open output files (re-opened for append when needed)."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._open: OrderedDict[str, BinaryIO] = OrderedDict()

    def write(self, path: str, data: bytes) -> None:
        f = self._open.get(path)
        if f is None:
            if len(self._open) >= self.size:
                self._open.popitem(last=False)[1].close()
            f = self._open[path] = open(path, "ab")  # noqa: SIM115
        else:
            self._open.move_to_end(path)
        f.write(data)

    def close(self, path: str | None = None) -> None:
        if path is None:
            for f in self._open.values():
                f.close()
            self._open.clear()
        elif path in self._open:
            self._open.pop(path).close()


def export_streams(reader: StreamReader, out_dir: str) -> dict[str, Any]:
    """Write each connection's reassembled bytes per direction to
    ``out_dir/conn<N>-<client|server>.bin`` (received bytes only, in stream order:
    a gap is *not* filled) and ``out_dir/streams.json``: per connection its
    endpoints and, per direction, the file, byte count, ``synced``, how it ended
    and its ``gaps`` as ``{"offset", "length", "file_offset"}`` (``offset`` is the
    stream offset, ``file_offset`` where in the file the missing bytes would be).
    Returns the map.  Raises the input's CaptureError after writing what came
    before the damage (the map included)."""
    os.makedirs(out_dir, exist_ok=True)
    conns: dict[int, dict[str, Any]] = {}
    handles = _Handles()
    error: CaptureError | None = None

    def entry(stream: Stream) -> dict[str, Any]:
        c = stream.connection
        rec = conns.get(c.id)
        if rec is None:
            rec = conns[c.id] = {
                "connection": c.id,
                "client": f"{c.client[0]}:{c.client[1]}",
                "server": f"{c.server[0]}:{c.server[1]}",
                "streams": {},
            }
        d = rec["streams"].get(stream.direction)
        if d is None:
            name = f"conn{c.id}-{stream.direction}.bin"
            open(os.path.join(out_dir, name), "wb").close()
            d = rec["streams"][stream.direction] = {
                "file": name,
                "bytes": 0,
                "synced": stream.synced,
                "end": None,
                "end_offset": None,
                "gaps": [],
            }
        return d

    try:
        for ev in reader:
            d = entry(ev.stream)
            if isinstance(ev, StreamData):
                handles.write(os.path.join(out_dir, d["file"]), ev.data)
                d["bytes"] += len(ev.data)
            elif isinstance(ev, StreamGap):
                d["gaps"].append(
                    {
                        "offset": ev.offset,
                        "length": ev.length,
                        "file_offset": d["bytes"],
                        "reason": ev.reason,
                    }
                )
            else:
                d["end"] = ev.reason
                d["end_offset"] = ev.offset
                handles.close(os.path.join(out_dir, d["file"]))
    except CaptureError as exc:
        error = exc
    finally:
        handles.close()
    result = {"input": reader.path, "format": reader.kind, "connections": list(conns.values())}
    with open(os.path.join(out_dir, "streams.json"), "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    if error is not None:
        raise error
    return result
