"""pcap reading: byte orders, timestamp resolutions, incremental reading, damage."""

from __future__ import annotations

import io

import pytest

from wirekit.tools.capture import CaptureError, PcapReader, read_packets
from wirekit.tools.capture import pcap as pcap_mod

from .pcapgen import Rec, pcap

RECS = [Rec(1_700_000_000_123_456_789, b"abc"), Rec(1_700_000_001_000_000_001, b"x" * 100, 1500)]


@pytest.mark.parametrize("order", ["<", ">"])
@pytest.mark.parametrize("nsec", [False, True])
def test_both_byte_orders_and_resolutions(tmp_path, order, nsec):
    path = tmp_path / "a.pcap"
    path.write_bytes(pcap(RECS, order=order, nsec=nsec, linktype=113))
    pkts = list(read_packets(str(path)))
    assert [p.data for p in pkts] == [b"abc", b"x" * 100]
    assert [p.orig_len for p in pkts] == [3, 1500]
    assert {p.linktype for p in pkts} == {113}
    want = [r.ts_ns if nsec else r.ts_ns // 1000 * 1000 for r in RECS]
    assert [p.timestamp_ns for p in pkts] == want
    assert [p.position for p in pkts] == [24, 24 + 16 + 3]
    reader = PcapReader(io.BytesIO(path.read_bytes()))
    assert reader.byteorder == ("little" if order == "<" else "big")
    assert reader.nanoseconds is nsec


def test_reads_incrementally_across_chunks(monkeypatch):
    monkeypatch.setattr(pcap_mod, "CHUNK_SIZE", 7)  # records straddle every chunk
    recs = [Rec(i * 1000, bytes([i]) * (i % 23)) for i in range(200)]
    pkts = list(PcapReader(io.BytesIO(pcap(recs))))
    assert [p.data for p in pkts] == [r.data for r in recs]


def test_memory_does_not_hold_the_file():
    reads = []

    class Counting(io.BytesIO):
        def read(self, n=-1):
            reads.append(n)
            return super().read(n)

    data = pcap([Rec(0, b"y" * 1000)] * 5000)  # 5 MB
    it = iter(PcapReader(Counting(data)))
    next(it)
    assert all(0 < n <= pcap_mod.CHUNK_SIZE for n in reads)
    assert sum(1 for _ in it) == 4999


def test_cut_mid_record_gives_packets_then_error_with_position(tmp_path):
    data = pcap(RECS)
    path = tmp_path / "cut.pcap"
    path.write_bytes(data[:-10])
    got = []
    with pytest.raises(CaptureError) as info:
        for p in read_packets(str(path)):
            got.append(p.data)
    assert got == [b"abc"]
    assert info.value.offset == 24 + 16 + 3
    assert str(info.value) == (
        f"{path}: at byte 43: truncated pcap file: record cut short: 90 of 100 captured bytes"
    )


def test_cut_in_record_header(tmp_path):
    path = tmp_path / "cut.pcap"
    path.write_bytes(pcap(RECS[:1]) + b"\x00" * 5)
    with pytest.raises(CaptureError, match="at byte 43: truncated pcap file: record header cut"):
        list(read_packets(str(path)))


def test_file_header_cut_short(tmp_path):
    path = tmp_path / "short.pcap"
    path.write_bytes(pcap([])[:10])
    with pytest.raises(CaptureError, match="pcap file header cut short: 10 of 24 bytes"):
        list(read_packets(str(path)))


def test_impossible_record_length_is_refused_before_buffering(tmp_path):
    data = bytearray(pcap(RECS))
    data[24 + 8 : 24 + 12] = (0xFFFFFFF0).to_bytes(4, "little")
    path = tmp_path / "bad.pcap"
    path.write_bytes(bytes(data))
    with pytest.raises(CaptureError, match="at byte 24: corrupt pcap record: captured length"):
        list(read_packets(str(path)))


def test_not_a_capture_and_missing_file(tmp_path):
    path = tmp_path / "random.bin"
    path.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(CaptureError, match="not a capture file"):
        list(read_packets(str(path)))
    with pytest.raises(CaptureError, match="cannot open: No such file"):
        list(read_packets(str(tmp_path / "missing.pcap")))
    (tmp_path / "empty").write_bytes(b"")
    with pytest.raises(CaptureError, match="empty input"):
        list(read_packets(str(tmp_path / "empty")))


def test_error_pickles_with_its_source():
    import pickle

    err = CaptureError("boom", source="f.pcap", offset=7)
    back = pickle.loads(pickle.dumps(err))
    assert str(back) == "f.pcap: at byte 7: boom" and back.source == "f.pcap"
