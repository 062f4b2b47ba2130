"""A PostgreSQL session through the capture decoder with the built-in `postgres` spec:
the startup packet, then typed messages, per direction; clean, reordered,
retransmitted, lost and cut by the snaplen."""

from __future__ import annotations

from wirekit.protocol_spec.specs.postgres import (
    BACKEND,
    BACKEND_FRAMING,
    FRONTEND,
    FRONTEND_FRAMING,
    POSTGRES,
    AuthenticationOk,
    CommandComplete,
    DataRow,
    FieldDescription,
    Parameter,
    ParameterStatus,
    Query,
    ReadyForQuery,
    RowDescription,
    StartupMessage,
    Terminate,
    TransactionStatus,
)
from wirekit.tools.capture import StreamReader
from wirekit.tools.capture.decode import decode_records
from wirekit.tools.encode import encode_messages

from .helpers import write_pcap
from .pcapgen import Conv, Rec, ether, pcap

CLIENT = [
    StartupMessage(parameters=[Parameter(name="user", value="ada")]),
    Query(query="SELECT 1"),
    Terminate(),
]
COLUMN = FieldDescription(
    name="?column?",
    table_oid=0,
    column_number=0,
    type_oid=23,
    type_size=4,
    type_modifier=-1,
    format=0,
)
SERVER = [
    AuthenticationOk(),
    ParameterStatus(name="server_version", value="16.2"),
    ReadyForQuery(status=TransactionStatus.IDLE),
    RowDescription(columns=[COLUMN]),
    *[DataRow(values=[str(i).encode() * 40]) for i in range(6)],
    CommandComplete(command_tag="SELECT 6"),
    ReadyForQuery(status=TransactionStatus.IDLE),
]
C_FRAMES = encode_messages(CLIENT, FRONTEND_FRAMING, FRONTEND)
S_FRAMES = encode_messages(SERVER, BACKEND_FRAMING, BACKEND)
C_WIRE, S_WIRE = b"".join(C_FRAMES), b"".join(S_FRAMES)


def offsets(frames: list[bytes]) -> list[int]:
    out, pos = [], 0
    for f in frames:
        out.append(pos)
        pos += len(f)
    return out


C_OFFS, S_OFFS = offsets(C_FRAMES), offsets(S_FRAMES)


def decode(path: str) -> list:
    spec = POSTGRES
    return list(
        decode_records(
            StreamReader(path, server_ports=[5432]),
            framing={d: spec.framing(d) for d in ("client", "server")},
            protocols={d: spec.protocol(d) for d in ("client", "server")},
        )
    )


def session(server_segments) -> tuple[Conv, list[bytes]]:
    c = Conv(client=("10.0.0.1", 50000), server=("10.0.0.2", 5432))
    pk = c.handshake() + [c.send("c", C_FRAMES[0])]
    pk += server_segments(c)
    pk += [c.send("c", C_FRAMES[1] + C_FRAMES[2]), c.fin("c"), c.fin("s")]
    return c, pk


def by_direction(recs: list, d: str) -> list[tuple]:
    return [(r.kind, r.offset, r.message) for r in recs if r.direction == d]


def test_clean_session_every_message_both_directions(tmp_path):
    _c, pk = session(lambda c: [c.send("s", S_WIRE[i : i + 50]) for i in range(0, len(S_WIRE), 50)])
    recs = decode(write_pcap(tmp_path / "pg.pcap", pk))
    assert by_direction(recs, "client") == [
        ("message", o, m) for o, m in zip(C_OFFS, CLIENT, strict=True)
    ]
    assert by_direction(recs, "server") == [
        ("message", o, m) for o, m in zip(S_OFFS, SERVER, strict=True)
    ]
    assert [r.header for r in recs if r.direction == "server"][:3] == [b"R", b"S", b"Z"]


def test_reordered_and_retransmitted_segments(tmp_path):
    def server(c):
        segs = [c.at("s", i, S_WIRE[i : i + 37]) for i in range(0, len(S_WIRE), 37)]
        c.seq["s"] += len(S_WIRE)
        segs[2], segs[5] = segs[5], segs[2]
        return segs[:4] + [segs[1]] + segs[4:] + [segs[7]]

    _c, pk = session(server)
    recs = decode(write_pcap(tmp_path / "pg.pcap", pk))
    assert [m for k, _o, m in by_direction(recs, "server")] == SERVER


def test_lost_segment_inside_a_data_row_costs_that_row_only(tmp_path):
    row = 4 + 2  # frame index of DataRow 2
    start = S_OFFS[row]

    def server(c):
        out = [c.send("s", S_WIRE[: start + 20])]
        c.send("s", S_WIRE[start + 20 : start + 30])  # lost inside the row's body
        out.append(c.send("s", S_WIRE[start + 30 :]))
        return out

    _c, pk = session(server)
    recs = decode(write_pcap(tmp_path / "pg.pcap", pk))
    got = by_direction(recs, "server")
    assert ("gap", start + 20, None) in got
    damaged = next(r for r in recs if r.kind == "damaged")
    assert (damaged.offset, damaged.length, damaged.header) == (start, len(S_FRAMES[row]), b"D")
    want = [m for i, m in enumerate(SERVER) if i != row]
    assert [m for k, _o, m in got if k == "message"] == want


def test_snaplen_cut_becomes_a_gap(tmp_path):
    c = Conv(client=("10.0.0.1", 50000), server=("10.0.0.2", 5432))
    pk = c.handshake() + [c.send("c", C_FRAMES[0]), c.send("s", S_WIRE), c.fin("s")]
    frames = [ether(p) for p in pk]
    recs = [Rec(i, f) for i, f in enumerate(frames)]
    recs[4] = Rec(4, frames[4][: 54 + 100], len(frames[4]))  # 100 bytes captured
    path = tmp_path / "cut.pcap"
    path.write_bytes(pcap(recs, snaplen=154))
    got = decode(str(path))
    gap = next(r for r in got if r.kind == "gap")
    assert (gap.offset, gap.length, gap.reason) == (100, len(S_WIRE) - 100, "snaplen")
    server = [r.message for r in got if r.kind == "message" and r.direction == "server"]
    whole = [m for m, o, f in zip(SERVER, S_OFFS, S_FRAMES, strict=True) if o + len(f) <= 100]
    assert server == whole and len(whole) >= 2
