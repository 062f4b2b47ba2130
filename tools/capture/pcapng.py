"""pcapng files: every section, interface, byte order and timestamp resolution.

Why a hand-written block reader and not a library: dpkt's pcapng ``Reader`` keeps
only the first Interface Description Block (so a file whose interfaces have
different link types, e.g. Ethernet + Linux cooked, is misread) and skips Simple
Packet Blocks; libpcap refuses such files outright; python-pcapng builds an
object per block and per option (slower than dpkt's pcap path).  The format is
small: a block is ``type u32, total_length u32, body, total_length u32``, and only
four block types matter here:

* Section Header Block (``0x0A0D0D0A``): byte order magic; resets the interfaces;
* Interface Description Block (1): link type, snaplen, ``if_tsresol`` (option 9,
  power of 10 or of 2), ``if_tsoffset`` (option 14, seconds);
* Enhanced Packet Block (6) and the obsolete Packet Block (2): interface,
  64-bit timestamp, captured and original lengths, data;
* Simple Packet Block (3): original length and data, interface 0, no timestamp.

Everything else (name resolution, statistics, custom, decryption secrets) is
skipped by its length.  Blocks are parsed with precompiled structs straight from
fixed-size chunks, so memory does not grow with the file.  Damage yields the
packets before it, then one :class:`~.errors.CaptureError` naming the file and the
block's byte position.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import BinaryIO

from .errors import CaptureError
from .packets import Packet
from .pcap import CHUNK_SIZE, MAX_RECORD

__all__ = ["PcapngReader", "PCAPNG_MAGIC"]

PCAPNG_MAGIC = b"\x0a\x0d\x0d\x0a"
_SHB = 0x0A0D0D0A
_IDB = 1
_PB = 2
_SPB = 3
_EPB = 6
_BOM_BE = b"\x1a\x2b\x3c\x4d"
_BOM_LE = b"\x4d\x3c\x2b\x1a"


class _Interface:
    __slots__ = ("linktype", "snaplen", "num", "div", "shift", "offset_ns")

    def __init__(self, linktype: int, snaplen: int) -> None:
        self.linktype = linktype
        self.snaplen = snaplen
        # ticks -> ns: ticks * num // div, or (ticks * 10**9) >> shift
        self.num = 1000  # default resolution: microseconds
        self.div = 1
        self.shift = 0
        self.offset_ns = 0

    def set_tsresol(self, value: int) -> None:
        if value & 0x80:
            self.num, self.div, self.shift = 1_000_000_000, 1, value & 0x7F
        elif value <= 9:
            self.num, self.div, self.shift = 10 ** (9 - value), 1, 0
        else:
            self.num, self.div, self.shift = 1, 10 ** (value - 9), 0

    def ns(self, ticks: int) -> int:
        t = ticks * self.num
        if self.shift:
            t >>= self.shift
        elif self.div != 1:
            t //= self.div
        return t + self.offset_ns


class PcapngReader:
    """Iterate a pcapng file's packets: ``for pkt in PcapngReader(f, source=name)``.

    Every packet carries its own interface's link type; ``interfaces`` lists the
    ``(linktype, snaplen)`` of the current section's interfaces as they are read.
    """

    def __init__(self, f: BinaryIO, *, source: str = "<input>", prefix: bytes = b"") -> None:
        self.file = f
        self.source = source
        self._prefix = prefix
        if prefix[:4] and prefix[:4] != PCAPNG_MAGIC[: len(prefix[:4])]:
            raise CaptureError(
                "not a pcapng file (no section header block)", source=source, offset=0
            )
        self._ifaces: list[_Interface] = []

    @property
    def interfaces(self) -> list[tuple[int, int]]:
        return [(i.linktype, i.snaplen) for i in self._ifaces]

    def __iter__(self) -> Iterator[Packet]:
        return self._blocks()

    def _fail(self, reason: str, at: int) -> CaptureError:
        return CaptureError(reason, source=self.source, offset=at)

    def _blocks(self) -> Iterator[Packet]:
        read = self.file.read
        buf = self._prefix
        base = 0
        pos = 0
        order = ""
        head = epb = pb = u32 = None
        ifaces = self._ifaces
        eof = False
        while True:
            # Make sure a whole block is in buf[pos:], reading chunks as needed.
            avail = len(buf) - pos
            if avail < 12:
                need = 12
            elif buf[pos : pos + 4] == PCAPNG_MAGIC:
                bom = buf[pos + 8 : pos + 12]
                if bom not in (_BOM_BE, _BOM_LE):
                    raise self._fail(
                        "corrupt pcapng section header: bad byte-order magic", base + pos + 8
                    )
                need = struct.unpack_from(">I" if bom == _BOM_BE else "<I", buf, pos + 4)[0]
                if need < 28 or need % 4 or need > MAX_RECORD:
                    raise self._fail(f"corrupt pcapng section header: length {need}", base + pos)
            elif head is None:
                raise self._fail("not a pcapng file (no section header block)", base + pos)
            else:
                need = head(buf, pos)[1]
                if need > MAX_RECORD + 64 or need < 12 or need % 4:
                    raise self._fail(f"corrupt pcapng block: total length {need}", base + pos)
            if avail < need:
                if eof:
                    break
                chunk = read(max(CHUNK_SIZE, need - avail))
                if not chunk:
                    eof = True
                    if avail < need:
                        break
                buf = buf[pos:] + chunk
                base += pos
                pos = 0
                continue
            at = base + pos
            if buf[pos : pos + 4] == PCAPNG_MAGIC:
                order = ">" if buf[pos + 8 : pos + 12] == _BOM_BE else "<"
                head = struct.Struct(order + "II").unpack_from
                epb = struct.Struct(order + "IIIII").unpack_from
                pb = struct.Struct(order + "HHIIII").unpack_from
                u32 = struct.Struct(order + "I").unpack_from
                ifaces.clear()
            if head is None or epb is None or pb is None or u32 is None:  # no SHB yet
                raise self._fail("not a pcapng file (no section header block)", at)
            btype, blen = head(buf, pos)
            if u32(buf, pos + blen - 4)[0] != blen:
                raise self._fail(f"corrupt pcapng block: trailing length does not match {blen}", at)
            body = pos + 8
            if btype == _EPB:
                if blen < 32:
                    raise self._fail(f"corrupt enhanced packet block: length {blen}", at)
                ifno, hi, lo, caplen, orig = epb(buf, body)
                if ifno >= len(ifaces):
                    raise self._fail(f"packet block names undefined interface {ifno}", at)
                if caplen > blen - 32:
                    raise self._fail(
                        f"corrupt enhanced packet block: captured length {caplen}"
                        f" exceeds the block ({blen} bytes)",
                        at,
                    )
                iface = ifaces[ifno]
                data = buf[body + 20 : body + 20 + caplen]
                yield Packet(iface.ns((hi << 32) | lo), iface.linktype, data, orig, ifno, at)
            elif btype == _SPB:
                if blen < 16:
                    raise self._fail(f"corrupt simple packet block: length {blen}", at)
                if not ifaces:
                    raise self._fail("simple packet block before any interface", at)
                iface = ifaces[0]
                orig = u32(buf, body)[0]
                caplen = min(orig, blen - 16)
                if iface.snaplen:
                    caplen = min(caplen, iface.snaplen)
                yield Packet(0, iface.linktype, buf[body + 4 : body + 4 + caplen], orig, 0, at)
            elif btype == _PB:
                if blen < 32:
                    raise self._fail(f"corrupt packet block: length {blen}", at)
                ifno, _drops, hi, lo, caplen, orig = pb(buf, body)
                if ifno >= len(ifaces) or caplen > blen - 32:
                    raise self._fail("corrupt packet block", at)
                iface = ifaces[ifno]
                data = buf[body + 20 : body + 20 + caplen]
                yield Packet(iface.ns((hi << 32) | lo), iface.linktype, data, orig, ifno, at)
            elif btype == _IDB:
                if blen < 20:
                    raise self._fail(f"corrupt interface description block: length {blen}", at)
                linktype = struct.unpack_from(order + "H", buf, body)[0]
                snaplen = u32(buf, body + 4)[0]
                iface = _Interface(linktype, snaplen)
                self._options(buf, body + 8, pos + blen - 4, order, iface, at)
                ifaces.append(iface)
            pos += blen
        left = len(buf) - pos
        if left:
            if left < 12 or head is None:
                what = f"block header cut short: {left} of at least 12 bytes"
            else:
                what = f"block cut short: {left} of {head(buf, pos)[1]} bytes"
            if head is None and base + pos == 0:
                raise self._fail(f"pcapng section header cut short: {left} bytes", 0)
            raise self._fail(f"truncated pcapng file: {what}", base + pos)

    def _options(
        self, buf: bytes, pos: int, end: int, order: str, iface: _Interface, at: int
    ) -> None:
        opt = struct.Struct(order + "HH").unpack_from
        while pos + 4 <= end:
            code, length = opt(buf, pos)
            if code == 0:
                return
            value = buf[pos + 4 : pos + 4 + length]
            if pos + 4 + length > end:
                raise self._fail("corrupt interface description block: option overruns", at)
            if code == 9 and length >= 1:
                iface.set_tsresol(value[0])
            elif code == 14 and length == 8:
                iface.offset_ns = struct.unpack(order + "q", value)[0] * 1_000_000_000
            pos += 4 + (length + 3) // 4 * 4
