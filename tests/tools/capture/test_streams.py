"""export_streams: raw per-direction files and the JSON gap map."""

from __future__ import annotations

import json

import pytest

from wirekit.tools.capture import CaptureError, StreamReader, export_streams

from .helpers import write_pcap
from .pcapgen import Conv


def test_export_writes_received_bytes_and_the_gap_map(tmp_path):
    c = Conv()
    pk = c.handshake() + [c.send("c", b"abcd")]
    c.send("c", b"LOST")
    pk += [c.send("c", b"efgh"), c.send("s", b"reply"), c.fin("c"), c.fin("s")]
    path = write_pcap(tmp_path / "a.pcap", pk)
    out = tmp_path / "out"
    result = export_streams(StreamReader(path), str(out))
    assert (out / "conn1-client.bin").read_bytes() == b"abcdefgh"
    assert (out / "conn1-server.bin").read_bytes() == b"reply"
    saved = json.loads((out / "streams.json").read_text())
    assert saved == result
    (conn,) = saved["connections"]
    assert conn["client"] == "10.0.0.1:40000" and conn["server"] == "10.0.0.2:53"
    client = conn["streams"]["client"]
    assert client == {
        "file": "conn1-client.bin",
        "bytes": 8,
        "synced": True,
        "end": "fin",
        "end_offset": 12,
        "gaps": [{"offset": 4, "length": 4, "file_offset": 4, "reason": "lost"}],
    }
    assert conn["streams"]["server"]["gaps"] == []


def test_export_of_a_damaged_capture_keeps_what_came_before(tmp_path):
    c = Conv()
    pk = c.handshake() + [c.send("c", b"kept"), c.send("c", b"cut off")]
    path = tmp_path / "a.pcap"
    write_pcap(path, pk)
    path.write_bytes(path.read_bytes()[:-3])
    out = tmp_path / "out"
    with pytest.raises(CaptureError, match="truncated pcap file"):
        export_streams(StreamReader(str(path)), str(out))
    assert (out / "conn1-client.bin").read_bytes() == b"kept"
    assert (
        json.loads((out / "streams.json").read_text())["connections"][0]["streams"]["client"]["end"]
        == "end"
    )
