"""Run captures built by :mod:`.pcapgen` through the stream reader."""

from __future__ import annotations

from pathlib import Path

from wirekit.tools.capture import StreamData, StreamEnd, StreamGap, StreamReader

from .pcapgen import Rec, pcap


def write_pcap(path: Path, packets: list[bytes], *, linktype: int = 101, **kw) -> str:
    path.write_bytes(
        pcap(
            [Rec(1_700_000_000_000_000_000 + i * 1000, p) for i, p in enumerate(packets)],
            linktype=linktype,
            **kw,
        )
    )
    return str(path)


def events(path: str, **kw) -> list[tuple]:
    """``(conn, direction, kind, offset, data_or_length, reason)`` for every event."""
    out = []
    for ev in StreamReader(path, **kw):
        s = ev.stream
        head = (s.connection.id, s.direction)
        if type(ev) is StreamData:
            out.append((*head, "data", ev.offset, ev.data))
        elif type(ev) is StreamGap:
            out.append((*head, "gap", ev.offset, ev.length))
        else:
            assert type(ev) is StreamEnd
            out.append((*head, "end", ev.offset, ev.reason))
    return out


def streams(path: str, **kw) -> dict[tuple, list]:
    """Per (conn, direction): the data runs merged, gaps as ``("gap", offset, n)``,
    the end as ``("end", offset, reason)``; checks events are contiguous."""
    out: dict[tuple, list] = {}
    pos: dict[tuple, int] = {}
    for conn, d, kind, off, val in events(path, **kw):
        key = (conn, d)
        items = out.setdefault(key, [])
        assert off == pos.get(key, off), f"{key}: event at {off}, expected {pos[key]}"
        if kind == "data":
            if items and items[-1][0] == "data":
                items[-1] = ("data", items[-1][1], items[-1][2] + val)
            else:
                items.append(("data", off, val))
            pos[key] = off + len(val)
        elif kind == "gap":
            items.append(("gap", off, val))
            pos[key] = off + val
        else:
            items.append(("end", off, val))
    return out
