"""Shared helpers for the socket tests (imported relatively, like codec_helpers):
a throw-away TLS certificate and fd/thread accounting.  The selectors/asyncio
transport tests use them too."""

from __future__ import annotations

import os
import shutil
import ssl
import subprocess
import threading
import time
from pathlib import Path

import pytest

SAN = "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1"


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost/127.0.0.1/::1 made with the
    ``openssl`` CLI: ``(certfile, keyfile)``.  Skips (with the reason) without it."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl command not found: cannot make a test certificate")
    cert, key = directory / "cert.pem", directory / "key.pem"
    # fmt: off
    cmd = [
        openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
        "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2",
        "-subj", "/CN=localhost", "-addext", SAN,
    ]
    # fmt: on
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    if result.returncode != 0:
        pytest.skip(f"openssl could not make a test certificate: {result.stderr.strip()}")
    return cert, key


def tls_contexts(directory: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """``(server_context, client_context)``: the client trusts only the test certificate."""
    cert, key = make_certificate(directory)
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert, key)
    client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client.load_verify_locations(cert)
    return server, client


def open_fds() -> set[int]:
    """The process's open file descriptors (Linux /proc; skips elsewhere)."""
    if not os.path.isdir("/proc/self/fd"):
        pytest.skip("no /proc/self/fd: cannot count file descriptors")
    return {int(name) for name in os.listdir("/proc/self/fd")}


def settle(before_fds: set[int], before_threads: set[threading.Thread], wait: float = 2.0) -> None:
    """Assert that no fd and no thread outlived the test (threads get ``wait``
    seconds to finish after their sockets closed)."""
    deadline = time.monotonic() + wait
    while True:
        extra_threads = set(threading.enumerate()) - before_threads
        extra_fds = open_fds() - before_fds
        if (not extra_threads and not extra_fds) or time.monotonic() > deadline:
            break
        time.sleep(0.01)
    assert not extra_threads, f"threads left behind: {extra_threads}"
    assert not extra_fds, f"file descriptors left behind: {sorted(extra_fds)}"
