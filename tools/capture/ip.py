"""IPv4 / IPv6 / TCP header parsing, IPv4 and IPv6 fragment reassembly.

:class:`SegmentParser` turns a :class:`~.packets.Packet` into a :class:`Segment`
(or ``None`` for anything that is not TCP, counted in ``stats``).  Headers are
read with precompiled structs; nothing is built per layer.

* IP total/payload length trims link-layer padding (Ethernet pads short frames);
  an IPv4 total length of 0 is TCP segmentation offload (the packet was captured
  on the sending host before the NIC split it): the captured bytes are used.
* A packet cut by the snaplen keeps what was captured; ``Segment.missing`` says
  how many payload bytes the packet carried beyond that, and the reassembler
  declares them a gap at their stream offset.
* TCP checksums are not verified: checksum offload makes wrong checksums common in
  captures taken on the sending host, and a wrong checksum is no reason to lose
  data (Wireshark does not verify by default either).
* Fragments (IPv4 MF/offset, IPv6 fragment header) are reassembled, at most
  ``max_datagrams`` at a time (oldest dropped first) of at most 65535 bytes each;
  datagrams never completed are counted in ``stats["fragments_incomplete"]``
  (their TCP segment is then lost, which the reassembler reports as a gap).
"""

from __future__ import annotations

import struct
from collections import OrderedDict
from typing import NamedTuple

from .linktypes import UnsupportedLinkType, ip_start
from .packets import Packet

__all__ = ["Segment", "SegmentParser", "FIN", "SYN", "RST", "ACK"]

FIN = 0x01
SYN = 0x02
RST = 0x04
ACK = 0x10

_TCP = struct.Struct(">HHIIBB").unpack_from
_V4 = struct.Struct(">BxHHHBBxx4s4s").unpack_from
_V6_LEN = struct.Struct(">HBB").unpack_from
_EXT_HEADERS = (0, 43, 60, 51, 135, 139, 140)


class Segment(NamedTuple):
    """A TCP segment: addresses as packed bytes (4 or 16), ports, sequence and
    acknowledgment numbers, flags, the captured payload, and ``missing``: payload
    bytes the packet had on the wire beyond what was captured."""

    src: bytes
    sport: int
    dst: bytes
    dport: int
    seq: int
    ack: int
    flags: int
    payload: bytes
    missing: int
    timestamp_ns: int


class _Datagram:
    __slots__ = ("parts", "total", "first")

    def __init__(self) -> None:
        self.parts: dict[int, bytes] = {}
        self.total: int | None = None
        self.first: bytes | None = None  # the header bytes before the payload (offset 0)


class SegmentParser:
    """Link layer -> IP -> TCP, with fragment reassembly.  ``parse(packet)``."""

    def __init__(self, *, max_datagrams: int = 1024) -> None:
        self.max_datagrams = max_datagrams
        self._frags: OrderedDict[tuple, _Datagram] = OrderedDict()
        self.stats = {
            "packets": 0,
            "tcp": 0,
            "not_ip": 0,
            "not_tcp": 0,
            "truncated": 0,
            "fragments": 0,
            "fragments_incomplete": 0,
            "unsupported_linktype": 0,
        }

    def finish(self) -> None:
        """End of capture: count the datagrams whose fragments never all arrived."""
        self.stats["fragments_incomplete"] += len(self._frags)
        self._frags.clear()

    def parse(self, pkt: Packet) -> Segment | None:
        stats = self.stats
        stats["packets"] += 1
        data = pkt.data
        try:
            version, off = ip_start(pkt.linktype, data)
        except UnsupportedLinkType:
            stats["unsupported_linktype"] += 1
            return None
        cut = pkt.orig_len - len(data) if pkt.orig_len > len(data) else 0
        if version == 4:
            return self._ipv4(data, off, cut, pkt.timestamp_ns)
        if version == 6:
            return self._ipv6(data, off, cut, pkt.timestamp_ns)
        stats["not_ip"] += 1
        return None

    # ------------------------------------------------------------------ IPv4
    def _ipv4(self, data: bytes, off: int, cut: int, ts: int) -> Segment | None:
        if len(data) < off + 20:
            self.stats["truncated"] += 1
            return None
        vihl, total, ident, frag, _ttl, proto, src, dst = _V4(data, off)
        ihl = (vihl & 0x0F) * 4
        if total == 0 and len(data) - off > ihl:
            # TCP segmentation offload: captured on the sending host before the NIC
            # split it, the length field is 0 (Wireshark: "reported as 0, presumed
            # to be because of TSO"); the captured bytes are the datagram
            total = len(data) - off
        if ihl < 20 or total < ihl:
            self.stats["truncated"] += 1
            return None
        if proto != 6:
            self.stats["not_tcp"] += 1
            return None
        end = off + total
        if end < len(data):
            data = data[:end]  # link-layer padding
            cut = 0
        else:
            cut = end - len(data)
        if frag & 0x3FFF:  # MF set or offset != 0
            if cut:
                self.stats["truncated"] += 1
                return None
            payload = self._fragment(
                (src, dst, ident, 4),
                (frag & 0x1FFF) * 8,
                bool(frag & 0x2000),
                data[off + ihl : end],
            )
            if payload is None:
                return None
            return self._tcp(payload, 0, src, dst, 0, ts)
        return self._tcp(data, off + ihl, src, dst, cut, ts)

    # ------------------------------------------------------------------ IPv6
    def _ipv6(self, data: bytes, off: int, cut: int, ts: int) -> Segment | None:
        if len(data) < off + 40:
            self.stats["truncated"] += 1
            return None
        plen, nxt, _hop = _V6_LEN(data, off + 4)
        src = data[off + 8 : off + 24]
        dst = data[off + 24 : off + 40]
        end = off + 40 + plen
        if end < len(data):
            data = data[:end]
            cut = 0
        else:
            cut = end - len(data)
        pos = off + 40
        frag_info = None
        while nxt in _EXT_HEADERS or nxt == 44:
            if len(data) < pos + 8:
                self.stats["truncated"] += 1
                return None
            if nxt == 44:  # fragment header
                fo = (data[pos + 2] << 8) | data[pos + 3]
                ident = int.from_bytes(data[pos + 4 : pos + 8], "big")
                frag_info = ((fo >> 3) * 8, bool(fo & 1), ident)
                nxt = data[pos]
                pos += 8
                break
            hlen = (data[pos + 1] + 2) * 4 if nxt == 51 else (data[pos + 1] + 1) * 8
            nxt = data[pos]
            pos += hlen
        if nxt != 6:
            self.stats["not_tcp"] += 1
            return None
        if frag_info is not None:
            offset, more, ident = frag_info
            if offset == 0 and not more:  # atomic fragment
                return self._tcp(data, pos, src, dst, cut, ts)
            if cut:
                self.stats["truncated"] += 1
                return None
            payload = self._fragment((src, dst, ident, 6), offset, more, data[pos:end])
            if payload is None:
                return None
            return self._tcp(payload, 0, src, dst, 0, ts)
        return self._tcp(data, pos, src, dst, cut, ts)

    # ------------------------------------------------------------------- TCP
    def _tcp(self, data: bytes, off: int, src: bytes, dst: bytes, cut: int, ts: int):
        if len(data) < off + 20:
            self.stats["truncated"] += 1
            return None
        sport, dport, seq, ack, doff, flags = _TCP(data, off)
        hlen = (doff >> 4) * 4
        if hlen < 20:
            self.stats["truncated"] += 1
            return None
        if len(data) < off + hlen:
            # the TCP header itself was cut: the payload length is still known
            self.stats["truncated"] += 1
            missing = cut - (off + hlen - len(data))
            payload = b""
            if missing < 0:
                return None
        else:
            payload = data[off + hlen :]
            missing = cut
        self.stats["tcp"] += 1
        return Segment(src, sport, dst, dport, seq, ack, flags, payload, missing, ts)

    # ------------------------------------------------------------- fragments
    def _fragment(self, key: tuple, offset: int, more: bool, part: bytes) -> bytes | None:
        self.stats["fragments"] += 1
        frags = self._frags
        dg = frags.get(key)
        if dg is None:
            if len(frags) >= self.max_datagrams:
                frags.popitem(last=False)
                self.stats["fragments_incomplete"] += 1
            dg = frags[key] = _Datagram()
        if offset + len(part) > 65535:
            del frags[key]
            self.stats["fragments_incomplete"] += 1
            return None
        dg.parts.setdefault(offset, part)
        if not more:
            dg.total = offset + len(part)
        if dg.total is None:
            return None
        # complete when the parts cover 0..total without holes
        pos = 0
        for start in sorted(dg.parts):
            if start > pos:
                return None
            pos = max(pos, start + len(dg.parts[start]))
        if pos < dg.total:
            return None
        buf = bytearray(dg.total)
        for start in sorted(dg.parts, reverse=True):  # first fragment at an offset wins
            chunk = dg.parts[start]
            buf[start : start + len(chunk)] = chunk
        del frags[key]
        return bytes(buf[: dg.total])
