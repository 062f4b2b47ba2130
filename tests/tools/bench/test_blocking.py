"""The blocking group: both figures with their raw baselines, the peer process
cleaned up; speed is never asserted."""

from __future__ import annotations

import socket
import struct

import pytest

from wirekit.tools.bench import Settings
from wirekit.tools.bench.blocking import (
    BULK,
    BULK_MESSAGE,
    RAW,
    ROUNDTRIP,
    blocking_records,
    peer,
)

pytestmark = pytest.mark.timeout(120)


def test_records():
    recs = blocking_records(Settings(quick=True, repeat=1))
    assert [(r.group, r.name, r.baseline, r.unit, r.target) for r in recs] == [
        ("blocking", ROUNDTRIP, RAW, "round trips/s", 0.8),
        ("blocking", BULK, RAW, "MiB/s", 0.7),
    ]
    assert all(r.value > 0 and r.baseline_value > 0 and r.ratio > 0 for r in recs)
    assert all("quick run" in r.note for r in recs)


def test_the_peer_echoes_and_streams_then_exits():
    with peer(2) as port:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as echo:
            echo.sendall(b"E" + b"ping")
            assert echo.recv(4) == b"ping"
        with socket.create_connection(("127.0.0.1", port), timeout=10) as source:
            source.sendall(b"SG")
            want = 2 * (4 + BULK_MESSAGE)
            got = bytearray()
            while len(got) < want:
                chunk = source.recv(65536)
                assert chunk
                got += chunk
            assert struct.unpack_from(">I", got)[0] == BULK_MESSAGE
            assert len(got) == want
    with pytest.raises(OSError):  # the peer process is gone
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
