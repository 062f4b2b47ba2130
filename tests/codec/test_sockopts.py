"""Addresses, socket options, connect and listen (real sockets on loopback)."""

from __future__ import annotations

import socket

import pytest

from wirekit.codec.sockopts import (
    KeepAlive,
    configure,
    has_ipv6,
    is_tcp,
    is_unix_address,
    open_connection,
    open_listener,
)
from wirekit.codec.transport_errors import ConnectFailed, TransportError, TransportTimeout

pytestmark = pytest.mark.timeout(20)


def _roundtrip(listener: socket.socket, address) -> None:
    with open_connection(address, timeout=5) as client:
        server, _ = listener.accept()
        with server:
            client.sendall(b"ping")
            assert server.recv(4) == b"ping"
        assert client.gettimeout() is None  # handed back in blocking mode


def test_tcp_ipv4_listen_and_connect(no_leaks):
    with open_listener(("127.0.0.1", 0)) as listener:
        assert listener.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR)
        _roundtrip(listener, listener.getsockname())


def test_tcp_ipv6_listen_and_connect(no_leaks):
    if not has_ipv6():
        pytest.skip("IPv6 loopback ::1 is not available on this host")
    with open_listener(("::1", 0)) as listener:
        assert listener.family == socket.AF_INET6
        _roundtrip(listener, listener.getsockname())


def test_unix_listen_and_connect(tmp_path, no_leaks):
    path = str(tmp_path / "s.sock")
    assert is_unix_address(path) and is_unix_address(tmp_path / "s.sock")
    with open_listener(tmp_path / "s.sock") as listener:
        assert listener.family == socket.AF_UNIX
        _roundtrip(listener, path)


def test_connect_refused_is_connect_failed(no_leaks):
    with open_listener(("127.0.0.1", 0)) as listener:
        address = listener.getsockname()
    with pytest.raises(ConnectFailed) as info:
        open_connection(address, timeout=5)
    assert info.value.operation == "connect"
    assert info.value.peer == address
    assert isinstance(info.value.__cause__, ConnectionRefusedError)


def test_connect_timeout_is_transport_timeout(monkeypatch, no_leaks):
    def slow(*args, **kwargs):
        raise TimeoutError("timed out")

    monkeypatch.setattr(socket, "create_connection", slow)
    with pytest.raises(TransportTimeout) as info:
        open_connection(("127.0.0.1", 9), timeout=0.25)
    assert info.value.timeout == 0.25
    assert "0.25 s" in str(info.value)


def test_listen_on_a_used_port_is_a_transport_error(no_leaks):
    with open_listener(("127.0.0.1", 0), reuse_address=False) as listener:
        with pytest.raises(TransportError, match="cannot listen") as info:
            open_listener(listener.getsockname(), reuse_address=False)
        assert isinstance(info.value.__cause__, OSError)


@pytest.mark.parametrize(
    ("address", "error"),
    [
        (("127.0.0.1",), TypeError),
        (("h", "80"), TypeError),
        (("h", 70000), ValueError),
        (5, TypeError),
    ],
)
def test_bad_addresses_are_misuse(address, error):
    with pytest.raises(error):
        open_connection(address)


def test_configure_sets_nodelay_and_keepalive(no_leaks):
    with socket.socket() as sock:
        assert is_tcp(sock)
        configure(sock)
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        configure(sock, nodelay=False, keepalive=KeepAlive(idle=30, interval=5, count=3))
        assert not sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE)
        if hasattr(socket, "TCP_KEEPIDLE"):
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE) == 30
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL) == 5
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT) == 3


def test_configure_leaves_non_tcp_sockets_alone(no_leaks):
    a, b = socket.socketpair()
    with a, b:
        assert not is_tcp(a)
        configure(a, keepalive=KeepAlive())  # no TCP options on AF_UNIX: no error


@pytest.mark.parametrize("kwargs", [{"idle": 0}, {"interval": True}, {"count": 0}, {"count": 1.5}])
def test_keepalive_values_are_checked(kwargs):
    with pytest.raises(ValueError, match="KeepAlive"):
        KeepAlive(**kwargs)


def test_configure_refuses_a_non_keepalive():
    with socket.socket() as sock, pytest.raises(TypeError, match="KeepAlive"):
        configure(sock, keepalive=60)  # type: ignore[arg-type]
