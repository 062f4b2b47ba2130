"""Decoding reassembled streams: every message asserted with its offset, every gap at
its true offset and size, damage costing only the frame it hits."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wirekit.codec import LengthPrefixed, MessageEncoder
from wirekit.protocol_spec.example import EXAMPLE, Chat, Heartbeat
from wirekit.tools import jsontext
from wirekit.tools.capture import StreamReader
from wirekit.tools.capture.decode import (
    DecodeStats,
    Run,
    decode_items,
    decode_records,
    record_json,
    record_text,
    run_json,
    run_text,
)
from wirekit.tools.jsonmap import from_json, to_json

from .helpers import write_pcap
from .pcapgen import Conv

ENC = MessageEncoder(LengthPrefixed(width=4), EXAMPLE)
MSGS = [Heartbeat(seq=i, uptime_ms=1000 * i, load=0.5) for i in range(8)]
FRAMES = [ENC.encode(m) for m in MSGS]  # 4-byte length + 18-byte body = 22 bytes each
WIRE = b"".join(FRAMES)
OFFS = [22 * i for i in range(8)]


def records(path: str, *, raw: bool = False, **kw) -> list:
    stats = DecodeStats()
    reader = StreamReader(path, **kw)
    proto = None if raw else EXAMPLE
    out = list(
        decode_records(
            reader,
            framing={"client": "length:4", "server": "length:4"},
            protocols={"client": proto, "server": proto},
            stats=stats,
        )
    )
    return out


def messages(recs: list) -> list[tuple]:
    return [(r.connection, r.direction, r.offset, r.message) for r in recs if r.kind == "message"]


def conversation(segments, *, conv: Conv | None = None, handshake: bool = True) -> list[bytes]:
    c = conv or Conv()
    pk = c.handshake() if handshake else []
    for seg in segments(c):
        pk.append(seg)
    return pk


def test_clean_stream_every_message_with_its_offset(tmp_path):
    c = Conv()
    pk = c.handshake() + [c.send("c", WIRE), c.fin("c")]
    recs = records(write_pcap(tmp_path / "a.pcap", pk))
    assert messages(recs) == [(1, "client", o, m) for o, m in zip(OFFS, MSGS, strict=True)]
    assert {r.length for r in recs} == {22}
    assert [r.kind for r in recs] == ["message"] * 8


def test_message_split_reordered_retransmitted_and_overlapping(tmp_path):
    c = Conv()
    pk = c.handshake()
    pieces = [(i, WIRE[i : i + 9]) for i in range(0, len(WIRE), 9)]  # across boundaries
    segs = [c.at("c", off, data) for off, data in pieces]
    order = list(range(len(segs)))
    order[3], order[4] = order[4], order[3]  # out of order across a message boundary
    order[10], order[12] = order[12], order[10]
    pk += [segs[i] for i in order]
    pk.insert(8, segs[2])  # a retransmission
    pk.append(c.at("c", 40, WIRE[40:60]))  # a partial overlap of delivered data
    c.seq["c"] += len(WIRE)
    pk.append(c.fin("c"))
    recs = records(write_pcap(tmp_path / "a.pcap", pk))
    assert messages(recs) == [(1, "client", o, m) for o, m in zip(OFFS, MSGS, strict=True)]
    assert all(r.kind == "message" for r in recs)


def test_lost_segment_inside_a_known_length_frame_costs_only_that_frame(tmp_path):
    c = Conv()
    pk = c.handshake() + [c.send("c", WIRE[:50])]
    c.send("c", WIRE[50:60])  # inside frame 2 (44..66), after its length prefix
    pk += [c.send("c", WIRE[60:]), c.fin("c")]
    recs = records(write_pcap(tmp_path / "a.pcap", pk))
    kinds = [(r.kind, r.offset, r.length) for r in recs]
    assert ("gap", 50, 10) in kinds
    assert ("damaged", 44, 22) in kinds
    want = [(1, "client", o, m) for i, (o, m) in enumerate(zip(OFFS, MSGS, strict=True)) if i != 2]
    assert messages(recs) == want
    assert [k for k in kinds if k[0] not in ("message",)] == [("gap", 50, 10), ("damaged", 44, 22)]


def test_lost_segment_across_a_length_prefix(tmp_path):
    c = Conv()
    pk = c.handshake() + [c.send("c", WIRE[:64])]
    c.send("c", WIRE[64:70])  # the end of frame 2 and most of frame 3's length prefix
    pk += [c.send("c", WIRE[70:]), c.fin("c")]
    recs = records(write_pcap(tmp_path / "a.pcap", pk))
    kinds = [(r.kind, r.offset) for r in recs]
    assert ("gap", 64) in kinds and next(r for r in recs if r.kind == "gap").length == 6
    assert ("damaged", 44) in kinds
    lost = [r for r in recs if r.kind == "resync" and r.state == "lost"]
    assert lost and lost[0].offset == 66
    got = messages(recs)
    assert got[:2] == [(1, "client", OFFS[0], MSGS[0]), (1, "client", OFFS[1], MSGS[1])]
    # nothing wrong is ever delivered: every later message is a true one at its offset
    truth = dict(zip(OFFS, MSGS, strict=True))
    assert all(truth[o] == m for _c, _d, o, m in got)
    # validated resync finds the frames after the damage again
    assert [o for _c, _d, o, _m in got][-3:] == OFFS[-3:]


def test_connection_without_syn_starting_on_a_boundary(tmp_path):
    c = Conv(client=("10.0.0.1", 40000), server=("10.0.0.2", 7777))
    c.handshake()
    c.send("c", WIRE[:44])  # before the capture started
    pk = [c.send("c", WIRE[44:]), c.fin("c")]
    recs = records(write_pcap(tmp_path / "a.pcap", pk))
    truth = {o - 44: m for o, m in zip(OFFS[2:], MSGS[2:], strict=True)}
    got = messages(recs)
    assert got and all(truth[o] == m for _c, _d, o, m in got)
    assert got[-1][2:] == (OFFS[-1] - 44, MSGS[-1])


def test_two_interleaved_connections_and_wraparound(tmp_path):
    a = Conv(client=("10.0.0.1", 40000), isn_c=0xFFFFFFFF - 30)
    b = Conv(client=("10.0.0.3", 40001))
    other = b"".join(ENC.encode(Chat(msg_id=i, room="r", text="t" * i)) for i in range(5))
    pk = a.handshake() + b.handshake()
    for i in range(0, max(len(WIRE), len(other)), 13):
        if i < len(WIRE):
            pk.append(a.send("c", WIRE[i : i + 13]))
        if i < len(other):
            pk.append(b.send("s", other[i : i + 13]))
    pk += [a.fin("c"), b.fin("s")]
    recs = records(write_pcap(tmp_path / "a.pcap", pk))
    got = messages(recs)
    assert [m for c, d, _o, m in got if c == 1] == MSGS
    assert [(d, m.msg_id) for c, d, _o, m in got if c == 2] == [("server", i) for i in range(5)]


def test_raw_frames_and_json_records(tmp_path):
    c = Conv()
    pk = c.handshake() + [c.send("c", WIRE[:50])]
    c.send("c", WIRE[50:60])
    pk += [c.send("c", WIRE[60:]), c.fin("c")]
    recs = records(write_pcap(tmp_path / "a.pcap", pk), raw=True)
    frames = [r for r in recs if r.kind == "frame"]
    assert [(r.offset, r.data) for r in frames] == [
        (o, f[4:]) for i, (o, f) in enumerate(zip(OFFS, FRAMES, strict=True)) if i != 2
    ]
    lines = [json.loads(record_json(r)) for r in recs]
    assert {line["kind"] for line in lines} == {"frame", "gap", "damaged"}
    gap = next(line for line in lines if line["kind"] == "gap")
    assert gap == {
        "kind": "gap",
        "timestamp": gap["timestamp"],
        "connection": 1,
        "direction": "client",
        "offset": 50,
        "length": 10,
        "reason": "lost",
    }
    assert gap["timestamp"].startswith("1700000000.")
    first = lines[0]
    assert bytes.fromhex(first["data"]) == FRAMES[0][4:] and first["length"] == 22


def test_message_json_reads_back_to_the_same_bytes(tmp_path):
    msgs = [Chat(msg_id=1, room="général", text="hi", sent_at_ms=2**63), *MSGS[:2]]
    c = Conv()
    pk = c.handshake() + [c.send("c", b"".join(ENC.encode(m) for m in msgs)), c.fin("c")]
    recs = records(write_pcap(tmp_path / "a.pcap", pk))
    for rec, msg in zip(recs, msgs, strict=True):
        line = json.loads(record_json(rec))
        assert line["kind"] == "message" and line["type"] == type(msg).__name__
        back = from_json(line, EXAMPLE)
        assert ENC.encode(back) == ENC.encode(msg)
    text = record_text(recs[0])
    assert "#1 client @0 Chat msg_id=1" in text and 'room="général"' in text


def _reference_line(rec) -> str:
    """A message record's ``--json`` line built the long way: one dict, json.dumps."""
    record = {
        "kind": "message",
        "timestamp": f"{rec.timestamp_ns // 10**9}.{rec.timestamp_ns % 10**9:09d}",
        "connection": rec.connection,
        "direction": rec.direction,
        "offset": rec.offset,
        "length": rec.length,
        **to_json(rec.message),
    }
    return json.dumps(record, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


@pytest.fixture(params=["generated", "careful"])
def writers(request, monkeypatch):
    """The JSON writers as generated, or all of them the careful path (what a class
    with a field kind mapped by jsonmap.register gets)."""
    if request.param == "careful":
        monkeypatch.setattr(jsontext, "_generate", lambda cls: None)
    jsontext._clear()
    yield request.param
    monkeypatch.undo()
    jsontext._clear()


def test_runs_write_the_same_lines_as_their_records_and_as_json_dumps(tmp_path, writers):
    from wirekit.protocol_spec.example import sample_messages

    msgs = [*sample_messages(), Chat(msg_id=2, room='q"\\é', text="\n", sent_at_ms=0)]
    c = Conv()
    pk = c.handshake() + [c.send("c", b"".join(ENC.encode(m) for m in msgs))]
    pk += [c.send("s", WIRE), c.fin("c")]
    reader = StreamReader(write_pcap(tmp_path / "a.pcap", pk))
    framing = {"client": "length:4", "server": "length:4"}
    protocols = {"client": EXAMPLE, "server": EXAMPLE}
    runs = [i for b in decode_items(reader, framing=framing, protocols=protocols) for i in b]
    assert runs and all(type(r) is Run for r in runs)
    lines, texts = [], []
    for run in runs:
        recs = run.records()
        assert run_json(run) == [record_json(r) for r in recs] == [_reference_line(r) for r in recs]
        assert run_text(run) == [record_text(r) for r in recs]
        lines += run_json(run)
        texts += run_text(run)
    assert len(lines) == len(msgs) + len(MSGS)
    assert [from_json(json.loads(x), EXAMPLE) for x in lines[: len(msgs)]] == msgs
    assert texts[-1].endswith("#1 server @154 Heartbeat seq=7 uptime_ms=7000 load=0.5 healthy=true")


TYPED = b"".join(b"T" + (4 + i).to_bytes(4, "big") + bytes(i) for i in range(8))


@pytest.mark.parametrize(
    "framing, wire, count",
    [("length:4", WIRE, 8), ("fixed:11", WIRE, 16), ("length:4,header=1,includes=1", TYPED, 8)],
)
def test_raw_runs_write_the_same_lines_as_their_records(tmp_path, framing, wire, count):
    c = Conv()
    pk = c.handshake() + [c.send("c", wire[:30]), c.send("c", wire[30:]), c.fin("c")]
    reader = StreamReader(write_pcap(tmp_path / "a.pcap", pk))
    both = {"client": framing, "server": framing}
    batches = decode_items(reader, framing=both, protocols=dict.fromkeys(both))
    runs = [i for b in batches for i in b if type(i) is Run]
    assert sum(len(r) for r in runs) == count
    assert any(r.header for run in runs for r in run.records()) == (wire is TYPED)
    for run in runs:
        assert run_json(run) == [record_json(r) for r in run.records()]
        assert run_text(run) == [record_text(r) for r in run.records()]


def test_undecodable_message_is_an_error_record_and_decoding_goes_on(tmp_path):
    bad = b"\x00\x00\x00\x02\x63\x00"  # tag 99: unknown
    wire = FRAMES[0] + bad + FRAMES[1]
    c = Conv()
    pk = c.handshake() + [c.send("c", wire), c.fin("c")]
    recs = records(write_pcap(tmp_path / "a.pcap", pk))
    assert [(r.kind, r.offset) for r in recs] == [("message", 0), ("error", 22), ("message", 28)]
    err = recs[1]
    assert "unknown message tag 99" in str(err.error) and not err.fatal
    line = json.loads(record_json(err))
    assert line["error_type"] == "UnknownTagError" and line["fatal"] is False


def test_framing_sequence_per_direction(tmp_path):
    from wirekit.codec import LengthPrefixed as LP
    from wirekit.protocol_spec import Step

    login = Chat(msg_id=9, room="hello", text="first")
    first = MessageEncoder(LP(width=4), EXAMPLE).encode(login)  # a u32 length once
    rest = [MessageEncoder(LP(width=2), EXAMPLE).encode(m) for m in MSGS[:3]]  # then u16
    c = Conv()
    pk = c.handshake() + [c.send("c", first + b"".join(rest)), c.send("s", WIRE), c.fin("c")]
    steps = [Step("length:4", count=1), Step("length:2")]
    recs = list(
        decode_records(
            StreamReader(write_pcap(tmp_path / "a.pcap", pk)),
            framing={"client": steps, "server": "length:4"},
            protocols={"client": EXAMPLE, "server": EXAMPLE},
        )
    )
    client = [(r.offset, r.message) for r in recs if r.direction == "client"]
    offs = [len(first) + sum(len(x) for x in rest[:i]) for i in range(3)]
    assert client == [(0, login), *zip(offs, MSGS[:3], strict=True)]
    assert [r.message for r in recs if r.direction == "server"] == MSGS


@settings(max_examples=40, deadline=None)
@given(
    cuts=st.lists(st.integers(1, len(WIRE) - 1), min_size=1, max_size=12, unique=True),
    lost=st.sets(st.integers(0, 12), max_size=3),
    swap=st.integers(0, 11),
)
def test_losses_never_give_a_wrong_message(tmp_path_factory, cuts, lost, swap):
    bounds = [0, *sorted(cuts), len(WIRE)]
    pieces = [(a, WIRE[a:b]) for a, b in zip(bounds, bounds[1:], strict=False)]
    c = Conv()
    pk = c.handshake()
    segs = [c.at("c", off, data) for off, data in pieces]
    c.seq["c"] += len(WIRE)
    kept = [s for i, s in enumerate(segs) if i not in lost]
    if swap + 1 < len(kept):
        kept[swap], kept[swap + 1] = kept[swap + 1], kept[swap]
    pk += kept + [c.fin("c")]
    recs = records(write_pcap(tmp_path_factory.mktemp("l") / "a.pcap", pk))
    truth = dict(zip(OFFS, MSGS, strict=True))
    got = messages(recs)
    assert all(truth.get(o) == m for _c, _d, o, m in got)  # never a wrong message
    lost_ranges = [pieces[i] for i in lost if i < len(pieces)]
    gaps = sorted((r.offset, r.length) for r in recs if r.kind == "gap")
    covered = sum(n for _o, n in gaps)
    assert covered == sum(len(d) for _o, d in lost_ranges)
    untouched = [o for o in OFFS if not any(a < o + 22 and o < a + len(d) for a, d in lost_ranges)]
    if not lost_ranges:
        assert [o for _c, _d, o, _m in got] == OFFS
    else:
        assert {o for _c, _d, o, _m in got} <= set(untouched)
