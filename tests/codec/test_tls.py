"""TLS helpers: a handshake with a certificate made in the test, failures mapped."""

from __future__ import annotations

import socket
import ssl
import threading

import pytest

from wirekit.codec.tls import check_context, handshake, refuse_plaintext, start_tls, wrap_socket
from wirekit.codec.transport_errors import (
    PlaintextBeforeTLS,
    TLSError,
    TransportError,
    TransportTimeout,
)

pytestmark = pytest.mark.timeout(20)


def _serve_once(server_ctx: ssl.SSLContext, sock: socket.socket, result: list) -> None:
    try:
        with wrap_socket(sock, server_ctx, server_side=True, timeout=5) as tls:
            tls.sendall(tls.recv(5))
            result.append("ok")
    except Exception as exc:  # reported to the test thread
        result.append(exc)


def test_handshake_and_echo(tls_pair, no_leaks):
    server_ctx, client_ctx = tls_pair
    a, b = socket.socketpair()
    result: list = []
    t = threading.Thread(target=_serve_once, args=(server_ctx, b, result))
    t.start()
    with wrap_socket(
        a, client_ctx, server_side=False, server_hostname="localhost", timeout=5
    ) as tls:
        assert tls.gettimeout() is None
        assert tls.version() is not None
        tls.sendall(b"hello")
        assert tls.recv(5) == b"hello"
    t.join(5)
    assert result == ["ok"]


def test_wrong_host_name_is_tls_error(tls_pair, no_leaks):
    server_ctx, client_ctx = tls_pair
    a, b = socket.socketpair()
    result: list = []
    t = threading.Thread(target=_serve_once, args=(server_ctx, b, result))
    t.start()
    with pytest.raises(TLSError, match="certificate verification failed") as info:
        wrap_socket(a, client_ctx, server_side=False, server_hostname="example.org", timeout=5)
    assert isinstance(info.value.__cause__, ssl.SSLCertVerificationError)
    assert a.fileno() == -1  # closed (detached into the SSL socket, which was closed)
    t.join(5)
    assert isinstance(result[0], TransportError)


def test_silent_peer_is_handshake_timeout(tls_pair, no_leaks):
    _, client_ctx = tls_pair
    a, b = socket.socketpair()
    with b:
        with pytest.raises(TransportTimeout) as info:
            wrap_socket(a, client_ctx, server_side=False, server_hostname="localhost", timeout=0.2)
        assert info.value.operation == "handshake"


def test_context_checks():
    with pytest.raises(TypeError):
        check_context(object(), server_side=True)
    with pytest.raises(ValueError):
        check_context(ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT), server_side=True)
    with pytest.raises(ValueError):
        check_context(ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER), server_side=False)


def test_refuse_plaintext():
    refuse_plaintext(b"")
    with pytest.raises(PlaintextBeforeTLS) as info:
        refuse_plaintext(b"QUIT\r\n", offset=20, peer="x")
    assert info.value.length == 6 and info.value.offset == 20
    assert "STARTTLS" in str(info.value)


def test_start_tls_then_handshake(tls_pair, no_leaks):
    server_ctx, client_ctx = tls_pair
    a, b = socket.socketpair()
    result: list = []
    t = threading.Thread(target=_serve_once, args=(server_ctx, b, result))
    t.start()
    tls = start_tls(a, client_ctx, server_side=False, server_hostname="localhost")
    assert a.fileno() == -1 and tls.fileno() >= 0  # the fd moved, nothing sent yet
    assert tls.version() is None  # no handshake yet
    with pytest.raises(ValueError):
        tls.getpeercert()
    with handshake(tls, timeout=5):
        tls.sendall(b"again")
        assert tls.recv(5) == b"again"
    t.join(5)
    assert result == ["ok"]
