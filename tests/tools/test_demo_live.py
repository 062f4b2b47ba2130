"""The live sections of `wirekit demo` (tools/demo_live.py): real sockets, saved streams."""

from __future__ import annotations

import glob
import os
import socket
import subprocess
import sys
import tempfile
import threading

import pytest
from click.testing import CliRunner

from wirekit.codec import MessageEncoder
from wirekit.protocol_spec.example import EXAMPLE, Login, sample_messages
from wirekit.tools import demo_sizes
from wirekit.tools.cli import main
from wirekit.tools.demo_live import RecordingSocket, client_bursts, run_live_exchange
from wirekit.tools.framing_text import framer_from_text

from ..codec.net_helpers import open_fds, settle

pytestmark = pytest.mark.timeout(60)


def _demo_dirs() -> set[str]:
    return set(glob.glob(os.path.join(tempfile.gettempdir(), "wirekit-demo-*")))


def test_recording_socket_keeps_every_byte_both_ways():
    with socket.create_server(("127.0.0.1", 0)) as listener:
        sock = RecordingSocket()
        with sock:
            sock.settimeout(5)
            sock.connect(listener.getsockname())
            peer, _ = listener.accept()
            with peer:
                sock.sendall(b"abc")
                assert sock.send(b"de") == 2
                assert peer.recv(16) == b"abcde"
                peer.sendall(b"xyz")
                buf = bytearray(8)
                assert sock.recv_into(buf) == 3
                peer.sendall(b"!")
                assert sock.recv(8) == b"!"
    assert bytes(sock.sent_bytes) == b"abcde"
    assert bytes(sock.received_bytes) == b"xyz!"


def test_bursts_are_several_clients_each_logging_in_first_and_encodable():
    bursts = client_bursts()
    assert len(bursts) >= 3
    encoder = MessageEncoder(framer_from_text("length:4"), EXAMPLE)
    for _, msgs in bursts:
        assert isinstance(msgs[0], Login) and len(msgs) >= 5
        encoder.encode_many(msgs)  # every message fits the schema
    kinds = {type(m).__name__ for _, msgs in bursts for m in msgs}
    assert {"Login", "Chat", "Telemetry", "Heartbeat"} <= kinds
    assert client_bursts() == bursts  # seeded: the same every run


def test_live_exchange_echoes_every_client_and_decodes_the_saved_streams():
    before_fds, before_threads = open_fds(), set(threading.enumerate())
    before_dirs = _demo_dirs()
    lines: list[str] = []
    ok, sent = run_live_exchange(lines.append, EXAMPLE)
    assert ok, "\n".join(lines)
    assert sent == [m for _, msgs in client_bursts() for m in msgs]
    text = "\n".join(lines)
    assert text.count("decoded back: ok") == len(client_bursts())
    assert f"3 connections, {len(sent)} messages echoed: ok" in text
    assert "#1 Login user=" in text
    assert "6 stream files in a temporary directory, removed: ok" in text
    assert "MISMATCH" not in text
    assert _demo_dirs() == before_dirs
    settle(before_fds, before_threads)


def test_demo_exits_0_with_the_live_sections_and_leaves_nothing_behind():
    before_fds, before_threads = open_fds(), set(threading.enumerate())
    count = threading.active_count()
    before_dirs = _demo_dirs()
    result = CliRunner().invoke(main, ["demo"])
    assert result.exit_code == 0, result.output
    out = result.output
    for n in range(1, 10):
        assert f"\n{n}. " in "\n" + out, n
    assert "8. Live on 127.0.0.1" in out and "9. That live traffic (40 messages)" in out
    assert out.count("decoded back: ok") == 3
    assert "All checks passed." in out and "MISMATCH" not in out
    assert out.count("[ok]") == len(sample_messages())  # section 2 as before
    assert threading.active_count() == count
    assert _demo_dirs() == before_dirs
    settle(before_fds, before_threads)


def test_demo_exits_1_when_a_check_fails(monkeypatch):
    monkeypatch.setattr(demo_sizes, "show_traffic_sizes", lambda echo, msgs, proto: False)
    result = CliRunner().invoke(main, ["demo"])
    assert result.exit_code == 1
    assert "size check MISMATCH" in result.output and "Some check FAILED" in result.output


def test_demo_as_a_process_exits_0():
    proc = subprocess.run(
        [sys.executable, "-m", "wirekit.tools.cli", "demo"],
        capture_output=True,
        text=True,
        timeout=50,
    )
    assert proc.returncode == 0, proc.stderr
    assert "All checks passed." in proc.stdout and proc.stderr == ""
