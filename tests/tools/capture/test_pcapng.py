"""pcapng reading: interfaces with different link types, byte orders, resolutions,
EPB/SPB/obsolete PB, damage."""

from __future__ import annotations

import io
import struct

import pytest

from wirekit.tools.capture import CaptureError, PcapngReader, read_packets
from wirekit.tools.capture import pcap as pcap_mod

from .pcapgen import Iface, Ng, Rec

TS = 1_700_000_000_123_456_789


@pytest.mark.parametrize("order", ["<", ">"])
def test_two_interfaces_with_different_link_types(tmp_path, order):
    ng = Ng(order, [Iface(1), Iface(276, tsresol=9)])
    recs = [Rec(TS, b"eth0", iface=0), Rec(TS + 5, b"any!", iface=1), Rec(TS + 9, b"e", iface=0)]
    path = tmp_path / "two.pcapng"
    path.write_bytes(ng.file(recs))
    pkts = list(read_packets(str(path)))
    assert [(p.interface, p.linktype, p.data) for p in pkts] == [
        (0, 1, b"eth0"),
        (1, 276, b"any!"),
        (0, 1, b"e"),
    ]
    # interface 0: default microseconds; interface 1: nanoseconds
    assert [p.timestamp_ns for p in pkts] == [TS // 1000 * 1000, TS + 5, (TS + 9) // 1000 * 1000]


@pytest.mark.parametrize(
    ("tsresol", "want"),
    [(3, TS // 10**6 * 10**6), (9, TS), (0x80 | 20, None), (12, 123_456_789_012)],
)
def test_timestamp_resolutions(tsresol, want):
    ng = Ng("<", [Iface(101, tsresol=tsresol)])
    ts = TS if want != 123_456_789_012 else want  # picoseconds: 2**64 ticks is 213 days
    (pkt,) = PcapngReader(io.BytesIO(ng.file([Rec(ts, b"x")])))
    if want is None:  # 2**-20 s ticks: within one tick
        assert abs(pkt.timestamp_ns - ts) <= 10**9 >> 20
    else:
        assert pkt.timestamp_ns == want


def test_tsoffset_is_added():
    ng = Ng("<", [Iface(101, tsresol=9, tsoffset=1000)])
    (pkt,) = PcapngReader(io.BytesIO(ng.file([Rec(TS, b"x")])))
    assert pkt.timestamp_ns == TS


def test_simple_packet_blocks_and_snaplen():
    ng = Ng(">", [Iface(101, snaplen=3)])
    pkts = list(PcapngReader(io.BytesIO(ng.file([Rec(0, b"abcdef"), Rec(0, b"xy")], simple=True))))
    assert [(p.data, p.orig_len, p.timestamp_ns) for p in pkts] == [(b"abc", 6, 0), (b"xy", 2, 0)]


def test_obsolete_packet_block_and_unknown_blocks_skipped():
    ng = Ng("<", [Iface(1, tsresol=9)])
    body = struct.pack("<HHIIII", 0, 0, 0, 77, 2, 2) + b"hi\x00\x00"
    pb = struct.pack("<II", 2, 12 + len(body)) + body + struct.pack("<I", 12 + len(body))
    custom = struct.pack("<II", 0xBAD, 16) + b"\x00" * 4 + struct.pack("<I", 16)
    (pkt,) = PcapngReader(io.BytesIO(ng.file([], extra=custom + pb)))
    assert (pkt.data, pkt.timestamp_ns) == (b"hi", 77)


def test_second_section_resets_interfaces_and_byte_order():
    a = Ng("<", [Iface(1)]).file([Rec(0, b"one")])
    b = Ng(">", [Iface(113)]).file([Rec(0, b"two")])
    pkts = list(PcapngReader(io.BytesIO(a + b)))
    assert [(p.linktype, p.data) for p in pkts] == [(1, b"one"), (113, b"two")]


def test_reads_incrementally_across_chunks(monkeypatch):
    monkeypatch.setattr(pcap_mod, "CHUNK_SIZE", 5)
    import wirekit.tools.capture.pcapng as ng_mod

    monkeypatch.setattr(ng_mod, "CHUNK_SIZE", 5)
    recs = [Rec(i, bytes([i]) * (i % 13)) for i in range(100)]
    data = Ng("<", [Iface(1, tsresol=9)]).file(recs)
    assert [p.data for p in PcapngReader(io.BytesIO(data))] == [r.data for r in recs]


def test_truncated_file_gives_packets_then_error(tmp_path):
    data = Ng("<", [Iface(1)]).file([Rec(0, b"a" * 8), Rec(0, b"b" * 8)])
    path = tmp_path / "cut.pcapng"
    path.write_bytes(data[:-6])
    got = []
    with pytest.raises(CaptureError) as info:
        for p in read_packets(str(path)):
            got.append(p.data)
    assert got == [b"a" * 8]
    assert info.value.offset == len(data) - 40
    assert "truncated pcapng file: block cut short: 34 of 40 bytes" in str(info.value)


def test_corrupt_blocks():
    ng = Ng("<", [Iface(1)])
    good = ng.file([Rec(0, b"abcd")])
    bad_len = bytearray(good)
    bad_len[-4:] = b"\x00\x00\x00\x01"
    with pytest.raises(CaptureError, match="trailing length does not match"):
        list(PcapngReader(io.BytesIO(bytes(bad_len))))
    bad_bom = bytearray(good)
    bad_bom[8:12] = b"\x00" * 4
    with pytest.raises(CaptureError, match="at byte 8: corrupt pcapng section header: bad byte"):
        list(PcapngReader(io.BytesIO(bytes(bad_bom))))
    undefined = Ng("<", [Iface(1)])
    blob = undefined.file([])
    undefined.ifaces.append(Iface(1))
    blob += undefined.epb(Rec(0, b"z", iface=1))
    with pytest.raises(CaptureError, match="undefined interface 1"):
        list(PcapngReader(io.BytesIO(blob)))
