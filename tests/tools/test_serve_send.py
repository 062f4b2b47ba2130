"""`wirekit serve` and `wirekit send` (tools/serve.py, tools/send.py) on 127.0.0.1."""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wirekit.codec import MessageDecoder, MessageEncoder, channel
from wirekit.protocol_spec.example import EXAMPLE, Chat, Heartbeat, sample_messages
from wirekit.tools.cli import main
from wirekit.tools.framing_text import framer_from_text
from wirekit.tools.jsonmap import dumps, from_json, to_json
from wirekit.tools.send import send_and_collect
from wirekit.tools.serve import MessagePrinter, make_server, message_json, message_text

from ..codec.net_helpers import open_fds, settle

pytestmark = pytest.mark.timeout(60)

FRAMER = framer_from_text("length:4")
CHAT = {"type": "Chat", "msg_id": 7, "room": "lobby", "text": "hello"}
LINES = [dumps(m) for m in sample_messages()]  # decode --json record form
JSONL = "\n".join([*LINES, json.dumps(CHAT)]) + "\n"  # and one short-form record
EXPECTED = [*sample_messages(), Chat(msg_id=7, room="lobby", text="hello")]


class EchoServer:
    """An in-test SelectServer (MessagePrinter, echo) run in a thread."""

    def __init__(self, reply: str = "echo") -> None:
        self.lines: list[str] = []
        self.notes: list[str] = []
        self.handler = MessagePrinter(self.lines.append, self.notes.append, reply=reply)
        self.server = make_server(("127.0.0.1", 0), self.handler, FRAMER, EXAMPLE)
        self.port = self.server.address[1]
        self.thread = threading.Thread(target=self.server.run, kwargs={"handle_signals": False})

    def __enter__(self) -> EchoServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop()
        self.thread.join(timeout=10)
        assert not self.thread.is_alive()
        self.server.close()


def send(*args: str, input: str | None = None):
    return CliRunner().invoke(main, ["send", *args], input=input)


def one_line_error(result) -> str:
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    return lines[0]


# --------------------------------------------------------------- send, in process
def test_send_prints_every_echoed_reply_and_the_server_printed_every_message():
    before_fds, before_threads = open_fds(), set(threading.enumerate())
    with EchoServer() as srv:
        result = send("--port", str(srv.port), input=JSONL)
        assert result.exit_code == 0, result.output
        assert result.stdout.splitlines() == [message_text(m) for m in EXPECTED]
        assert (
            f"sent {len(EXPECTED)} message(s)" in result.stderr
            and f"{len(EXPECTED)} replies (the server closed)" in (result.stderr)
        )
        deadline = time.monotonic() + 5
        while len(srv.notes) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
    assert srv.lines == [f"#1 {message_text(m)}" for m in EXPECTED]
    assert srv.notes[0].startswith("#1 connected from 127.0.0.1:")
    assert srv.notes[1] == "#1 closed (peer_closed)"
    settle(before_fds, before_threads)


def test_send_json_replies_are_records_that_read_back(tmp_path):
    path = tmp_path / "msgs.jsonl"
    path.write_text(JSONL)
    with EchoServer() as srv:
        result = send(str(path), "--port", str(srv.port), "--json")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [dumps(m) for m in EXPECTED]


def test_send_without_replies_ends_at_the_timeout():
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        started = time.monotonic()
        result = send("--port", str(port), "--timeout", "0.3", input=json.dumps(CHAT))
        took = time.monotonic() - started
        conn, _ = listener.accept()  # the connection was made (backlog) and got the frame
        with conn:
            conn.settimeout(5)
            data = b""
            while chunk := conn.recv(4096):
                data += chunk
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "0 replies (no reply for 0.3 s)" in result.stderr
    assert took < 10
    assert MessageDecoder(FRAMER, EXAMPLE).feed(data)[0].messages == [EXPECTED[-1]]


def test_send_and_collect_counts_frames_bytes_and_replies():
    frames = [MessageEncoder(FRAMER, EXAMPLE).encode(m) for m in EXPECTED]
    got: list = []
    with EchoServer() as srv:
        result = send_and_collect(
            ("127.0.0.1", srv.port),
            frames,
            reply_framing=FRAMER,
            reply_protocol=EXAMPLE,
            on_reply=got.append,
            timeout=5,
        )
    assert got == EXPECTED
    assert (result.frames, result.sent, result.replies, result.ended) == (
        len(EXPECTED),
        sum(map(len, frames)),
        len(EXPECTED),
        "closed",
    )


def test_reply_none_prints_but_sends_nothing_back():
    with EchoServer(reply="none") as srv:
        result = send("--port", str(srv.port), input=JSONL)
    assert result.exit_code == 0, result.output
    assert result.stdout == "" and "0 replies (the server closed)" in result.stderr
    assert len(srv.lines) == len(EXPECTED)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('{"type": "Chat", "msg_id": 1,\n', "invalid JSON"),
        (json.dumps(CHAT) + "\n{oops\n", "line 2: invalid JSON"),
        (json.dumps(CHAT) + '\n{"type": "Nope"}\n', 'line 2: unknown message type string "Nope"'),
        ('{"type": "Chat", "msg_id": 4294967296, "room": "r", "text": "x"}', "Chat.msg_id"),
        ("", "no JSON message records"),
    ],
)
def test_bad_input_is_one_line_and_nothing_is_sent(text, says):
    with socket.create_server(("127.0.0.1", 0)) as listener:
        result = send("--port", str(listener.getsockname()[1]), input=text)
        readable, _, _ = select.select([listener], [], [], 0.2)
    assert says in one_line_error(result)
    assert readable == []  # nobody connected


def test_connection_refused_is_one_line():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nobody listens there
    line = one_line_error(send("--port", str(port), input=json.dumps(CHAT)))
    assert f"cannot send to 127.0.0.1:{port}" in line and "refused" in line


def test_unreadable_file_and_bad_options_are_one_line(tmp_path):
    assert "cannot read" in one_line_error(send(str(tmp_path / "missing.jsonl")))
    assert "--port" in one_line_error(send("--port", "0", input=json.dumps(CHAT)))
    assert "--port" in one_line_error(send("--port", "http", input=json.dumps(CHAT)))
    assert "--framing" in one_line_error(send("--framing", "nope", input=json.dumps(CHAT)))
    assert "--spec" in one_line_error(send("--spec", str(tmp_path / "no.py"), input="{}"))


def test_serve_bad_options_are_one_line():
    runner = CliRunner()
    for args, says in [
        (["--port", "65536"], "--port"),
        (["--port", "-1"], "--port"),
        (["--spec", "no_such_module_here"], "--spec"),
        (["--framing", "length:3"], "--framing"),
    ]:
        assert says in one_line_error(runner.invoke(main, ["serve", *args]))
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        line = one_line_error(runner.invoke(main, ["serve", "--port", str(port)]))
    assert f"cannot listen on 127.0.0.1:{port}" in line


# ------------------------------------------------------- serve, as a process
def _read_until(proc: subprocess.Popen, stream: str, done, timeout: float = 30) -> str:
    """Bytes of the child's stdout/stderr (unbuffered pipe, os.read) until
    ``done(text)`` or the timeout or its exit; the text so far."""
    fd = getattr(proc, stream).fileno()
    got = b""
    deadline = time.monotonic() + timeout
    while not done(got.decode("utf-8", "replace")) and time.monotonic() < deadline:
        if select.select([fd], [], [], 0.5)[0]:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            got += chunk
    return got.decode("utf-8", "replace")


def _start_serve(*args: str) -> tuple[subprocess.Popen, int, str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "wirekit.tools.cli", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        bufsize=0,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    first = _read_until(proc, "stderr", lambda text: "\n" in text)
    if "serving" not in first:
        proc.kill()
        proc.communicate(timeout=10)
        pytest.fail(f"serve did not start: {first!r}")
    return proc, int(first.split("127.0.0.1:")[1].split()[0]), first


def _stop(proc: subprocess.Popen, signum: int) -> tuple[str, str]:
    try:
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=10)
    return out.decode(), err.decode()


def _exchange(port: int) -> list:
    with channel.connect(("127.0.0.1", port), "length:4", EXAMPLE, timeout=10) as ch:
        ch.send_many(EXPECTED)
        ch.shutdown_write()
        return list(ch)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_serve_process_prints_messages_and_stops_cleanly_on_signal(signum):
    proc, port, first = _start_serve("--reply", "echo")
    want = [f"#{n} {message_text(m)}" for n in (1, 2) for m in EXPECTED]
    try:
        assert _exchange(port) == EXPECTED
        assert _exchange(port) == EXPECTED  # a second connection
        # the lines are flushed as they are printed: all there while it still runs
        seen = _read_until(proc, "stdout", lambda text: text.count("\n") >= len(want))
    finally:
        out, err = _stop(proc, signum)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert (seen + out).splitlines() == want
    assert f"stopped: 2 connection(s), {len(want)} message(s)" in err
    assert "#2 closed (peer_closed)" in err


def test_serve_process_json_records_and_no_reply():
    proc, port, _ = _start_serve("--json")
    try:
        assert _exchange(port) == []  # printed, not answered; closed at our EOF
    finally:
        out, err = _stop(proc, signal.SIGTERM)
    assert proc.returncode == 0, err
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["type"] for r in records] == [type(m).__name__ for m in EXPECTED]
    assert all(r["kind"] == "message" and r["connection"] == 1 for r in records)
    assert records[-1]["fields"] == {"msg_id": 7, "room": "lobby", "text": "hello", "sent_at_ms": 0}
    assert "#1 closed (peer_closed)" in err


def test_heartbeat_text_line_uses_the_json_mapping():
    hb = Heartbeat(seq=3, uptime_ms=5, load=0.5, healthy=True)
    assert message_text(hb) == "Heartbeat seq=3 uptime_ms=5 load=0.5 healthy=true"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.builds(
            Chat,
            msg_id=st.integers(0, 2**32 - 1),
            room=st.text(max_size=20),
            text=st.text(max_size=60),
            sent_at_ms=st.integers(0, 2**64 - 1),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_any_chats_come_back_through_serve_echo_and_print_as_records(chats):
    lines = [message_json(m) for m in chats]
    assert [from_json(json.loads(line), EXAMPLE) for line in lines] == chats
    got: list = []
    with EchoServer() as srv:
        result = send_and_collect(
            ("127.0.0.1", srv.port),
            [MessageEncoder(FRAMER, EXAMPLE).encode(m) for m in chats],
            reply_framing=FRAMER,
            reply_protocol=EXAMPLE,
            on_reply=got.append,
            timeout=5,
        )
    assert got == chats and result.ended == "closed"
    assert srv.lines == [f"#1 {message_text(m)}" for m in chats]


def test_message_lines_are_the_json_mapping_with_the_extra_keys_first():
    def dumps_(value):
        return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))

    for msg in EXPECTED:
        j = to_json(msg)
        assert message_json(msg) == dumps_(j)
        extra = {"kind": "message", "connection": 3}
        assert message_json(msg, **extra) == dumps_({**extra, **j})
        assert message_json(msg, fields=1, x="é") == dumps_({"fields": 1, "x": "é", **j})
        values = " ".join(f"{k}={dumps_(v)}" for k, v in j["fields"].items())
        assert message_text(msg) == f"{j['type']} {values}".rstrip()
