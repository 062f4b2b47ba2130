"""Build captures for the tests with plain ``struct``: link layers, IPv4/IPv6, TCP,
pcap (both byte orders, usec/nsec) and pcapng (several interfaces, EPB/SPB)."""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass, field

FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


def ip4(a: str) -> bytes:
    return socket.inet_pton(socket.AF_INET, a)


def ip6(a: str) -> bytes:
    return socket.inet_pton(socket.AF_INET6, a)


def tcp(sport: int, dport: int, seq: int, ack: int, flags: int, payload: bytes = b"") -> bytes:
    # checksum left 0 on purpose: offloaded checksums are wrong in real captures too
    return (
        struct.pack(
            ">HHIIBBHHH",
            sport,
            dport,
            seq & 0xFFFFFFFF,
            ack & 0xFFFFFFFF,
            5 << 4,
            flags,
            65535,
            0,
            0,
        )
        + payload
    )


def ipv4(
    src: str,
    dst: str,
    payload: bytes,
    *,
    proto: int = 6,
    ident: int = 1,
    frag_offset: int = 0,
    more: bool = False,
) -> bytes:
    frag = (0x2000 if more else 0) | (frag_offset // 8)
    hdr = struct.pack(
        ">BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, frag, 64, proto, 0, ip4(src), ip4(dst)
    )
    return hdr + payload


def ipv6(src: str, dst: str, payload: bytes, *, nxt: int = 6) -> bytes:
    return struct.pack(">IHBB16s16s", 6 << 28, len(payload), nxt, 64, ip6(src), ip6(dst)) + payload


def ether(ip: bytes, *, vlans: tuple[int, ...] = (), v6: bool = False) -> bytes:
    out = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01"
    for vid in vlans:
        out += struct.pack(">HH", 0x8100, vid)
    out += struct.pack(">H", 0x86DD if v6 else 0x0800) + ip
    return out + b"\x00" * max(0, 60 - len(out))  # Ethernet minimum frame: padding


def sll(ip: bytes, *, v6: bool = False) -> bytes:
    return struct.pack(">HHH8sH", 0, 772, 6, b"\x00" * 8, 0x86DD if v6 else 0x0800) + ip


def sll2(ip: bytes, *, v6: bool = False) -> bytes:
    return struct.pack(">HHIHBB8s", 0x86DD if v6 else 0x0800, 0, 1, 772, 0, 6, b"\x00" * 8) + ip


def null(ip: bytes, *, v6: bool = False) -> bytes:
    return struct.pack("<I", 30 if v6 else 2) + ip


@dataclass
class Rec:
    ts_ns: int
    data: bytes
    orig_len: int | None = None
    iface: int = 0


def pcap(
    records: list[Rec],
    *,
    linktype: int = 1,
    order: str = "<",
    nsec: bool = False,
    snaplen: int = 65535,
) -> bytes:
    magic = 0xA1B23C4D if nsec else 0xA1B2C3D4
    out = [struct.pack(order + "IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype)]
    for r in records:
        sec, rem = divmod(r.ts_ns, 1_000_000_000)
        frac = rem if nsec else rem // 1000
        orig = len(r.data) if r.orig_len is None else r.orig_len
        out.append(struct.pack(order + "IIII", sec, frac, len(r.data), orig) + r.data)
    return b"".join(out)


def _pad(b: bytes) -> bytes:
    return b + b"\x00" * (-len(b) % 4)


def _block(order: str, btype: int, body: bytes) -> bytes:
    n = 12 + len(body)
    return struct.pack(order + "II", btype, n) + body + struct.pack(order + "I", n)


def _opt(order: str, code: int, value: bytes) -> bytes:
    return struct.pack(order + "HH", code, len(value)) + _pad(value)


@dataclass
class Iface:
    linktype: int
    tsresol: int | None = None  # if_tsresol byte
    snaplen: int = 0
    tsoffset: int = 0


@dataclass
class Ng:
    order: str = "<"
    ifaces: list[Iface] = field(default_factory=list)

    def shb(self) -> bytes:
        return _block(
            self.order, 0x0A0D0D0A, struct.pack(self.order + "IHHq", 0x1A2B3C4D, 1, 0, -1)
        )

    def idb(self, iface: Iface) -> bytes:
        opts = b""
        if iface.tsresol is not None:
            opts += _opt(self.order, 9, bytes([iface.tsresol]))
        if iface.tsoffset:
            opts += _opt(self.order, 14, struct.pack(self.order + "q", iface.tsoffset))
        if opts:
            opts += struct.pack(self.order + "HH", 0, 0)
        return _block(
            self.order, 1, struct.pack(self.order + "HHI", iface.linktype, 0, iface.snaplen) + opts
        )

    def ticks(self, iface: Iface, ts_ns: int) -> int:
        r = 6 if iface.tsresol is None else iface.tsresol
        if r & 0x80:
            return (ts_ns << (r & 0x7F)) // 1_000_000_000
        return ts_ns * 10**r // 1_000_000_000

    def epb(self, r: Rec) -> bytes:
        iface = self.ifaces[r.iface]
        t = self.ticks(iface, r.ts_ns - iface.tsoffset * 1_000_000_000)
        orig = len(r.data) if r.orig_len is None else r.orig_len
        body = struct.pack(
            self.order + "IIIII", r.iface, t >> 32, t & 0xFFFFFFFF, len(r.data), orig
        ) + _pad(r.data)
        return _block(self.order, 6, body)

    def spb(self, r: Rec) -> bytes:
        orig = len(r.data) if r.orig_len is None else r.orig_len
        return _block(self.order, 3, struct.pack(self.order + "I", orig) + _pad(r.data))

    def file(self, records: list[Rec], *, simple: bool = False, extra: bytes = b"") -> bytes:
        out = [self.shb()] + [self.idb(i) for i in self.ifaces]
        out.append(_block(self.order, 5, struct.pack(self.order + "III", 0, 0, 0)))  # ISB
        out.append(extra)
        out += [self.spb(r) if simple else self.epb(r) for r in records]
        return b"".join(out)


class Conv:
    """A TCP conversation: segments with correct sequence numbers per direction.

    ``c``/``s`` give the client/server endpoints; ``send(side, data)`` returns the
    IP packet of a data segment and advances that side's sequence number."""

    def __init__(
        self,
        client=("10.0.0.1", 40000),
        server=("10.0.0.2", 53),
        *,
        isn_c: int = 1000,
        isn_s: int = 5000,
        v6: bool = False,
    ) -> None:
        self.c, self.s = client, server
        self.seq = {"c": isn_c, "s": isn_s}
        self.v6 = v6

    def _ip(self, side: str, seg: bytes) -> bytes:
        src, dst = (self.c, self.s) if side == "c" else (self.s, self.c)
        return ipv6(src[0], dst[0], seg) if self.v6 else ipv4(src[0], dst[0], seg)

    def _tcp(self, side: str, seq: int, flags: int, payload: bytes) -> bytes:
        src, dst = (self.c, self.s) if side == "c" else (self.s, self.c)
        other = self.seq["s" if side == "c" else "c"]
        return tcp(src[1], dst[1], seq, other, flags, payload)

    def handshake(self) -> list[bytes]:
        out = [self._ip("c", self._tcp("c", self.seq["c"], SYN, b""))]
        self.seq["c"] += 1
        out.append(self._ip("s", self._tcp("s", self.seq["s"], SYN | ACK, b"")))
        self.seq["s"] += 1
        out.append(self._ip("c", self._tcp("c", self.seq["c"], ACK, b"")))
        return out

    def send(self, side: str, data: bytes, *, flags: int = PSH | ACK) -> bytes:
        pkt = self._ip(side, self._tcp(side, self.seq[side], flags, data))
        self.seq[side] += len(data)
        return pkt

    def at(self, side: str, rel: int, data: bytes, *, flags: int = PSH | ACK) -> bytes:
        """A segment at sequence ``seq[side] + rel`` without advancing."""
        return self._ip(side, self._tcp(side, self.seq[side] + rel, flags, data))

    def fin(self, side: str) -> bytes:
        pkt = self._ip(side, self._tcp(side, self.seq[side], FIN | ACK, b""))
        self.seq[side] += 1
        return pkt

    def rst(self, side: str) -> bytes:
        return self._ip(side, self._tcp(side, self.seq[side], RST, b""))


def dns_frames(n: int, start: int = 0) -> list[bytes]:
    """``n`` DNS-over-TCP style frames: u16 length + body (body starts with a u16 id)."""
    out = []
    for i in range(start, start + n):
        body = struct.pack(">H", i & 0xFFFF) + bytes([i % 251]) * (10 + i % 7)
        out.append(struct.pack(">H", len(body)) + body)
    return out
