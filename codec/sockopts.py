"""Socket plumbing shared by the transports: addresses, options, connect, listen.

Nothing here frames or decodes; the blocking channel and the selectors/asyncio
transports use the same helpers so that an address means the same thing, and
``TCP_NODELAY`` and keepalive are set the same way, whichever drives the socket.

Addresses:

* ``(host, port)`` -- TCP; ``host`` may be an IPv4 or IPv6 literal or a name
  (``("::1", 5432)``, ``("localhost", 53)``); a 4-tuple ``(host, port, flowinfo,
  scope_id)`` is IPv6;
* ``str`` or ``os.PathLike`` path -- AF_UNIX (IPC on one machine); a ``str`` or
  ``bytes`` starting with a NUL byte is a Linux abstract socket.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from typing import Any, Union, cast

from .transport_errors import ConnectFailed, TransportError, TransportTimeout

__all__ = [
    "Address",
    "KeepAlive",
    "is_unix_address",
    "is_tcp",
    "configure",
    "open_connection",
    "open_listener",
    "has_ipv6",
]

Address = Union[tuple, str, bytes, "os.PathLike[str]"]
"""An address: ``(host, port)`` for TCP, a path (or abstract name) for AF_UNIX."""


@dataclass(frozen=True, slots=True)
class KeepAlive:
    """TCP keepalive settings: probe after ``idle`` seconds of silence, every
    ``interval`` seconds, and drop the connection after ``count`` unanswered
    probes (so a dead peer is noticed after about ``idle + interval * count``
    seconds, even by a reader with no timeout).  Where the platform lacks a
    setting, the system default is kept for it."""

    idle: float = 60.0
    interval: float = 10.0
    count: int = 5

    def __post_init__(self) -> None:
        for name in ("idle", "interval"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 1:
                raise ValueError(f"KeepAlive.{name} must be a number >= 1 (seconds), got {value!r}")
        if isinstance(self.count, bool) or not isinstance(self.count, int) or self.count < 1:
            raise ValueError(f"KeepAlive.count must be an int >= 1, got {self.count!r}")


def is_unix_address(address: object) -> bool:
    """True for an AF_UNIX address (a path, or an abstract name)."""
    return isinstance(address, (str, bytes, os.PathLike))


def is_tcp(sock: socket.socket) -> bool:
    """True if ``sock`` is a TCP socket (IPv4 or IPv6): the options below apply."""
    return sock.family in (socket.AF_INET, socket.AF_INET6) and sock.type == socket.SOCK_STREAM


def _check_address(address: object) -> None:
    if is_unix_address(address):
        if not hasattr(socket, "AF_UNIX"):
            raise ValueError("AF_UNIX addresses are not supported on this platform")
        return
    if (
        not isinstance(address, tuple)
        or len(address) not in (2, 4)
        or not isinstance(address[0], str)
        or isinstance(address[1], bool)
        or not isinstance(address[1], int)
    ):
        raise TypeError(
            "address must be (host, port), (host, port, flowinfo, scope_id) or an AF_UNIX path,"
            f" not {address!r}"
        )
    if not 0 <= address[1] <= 65535:
        raise ValueError(f"port must be 0..65535, got {address[1]}")


def _unix_path(address: Address) -> str | bytes:
    if isinstance(address, (str, bytes)):
        return address
    return os.fspath(cast("os.PathLike[str]", address))


def configure(
    sock: socket.socket, *, nodelay: bool = True, keepalive: KeepAlive | None = None
) -> None:
    """Set ``TCP_NODELAY`` (on by default: a request/response protocol should not
    wait ~40 ms for Nagle's algorithm and delayed ACKs) and, if given, keepalive.
    Does nothing on non-TCP sockets (AF_UNIX, socketpair)."""
    if keepalive is not None and not isinstance(keepalive, KeepAlive):
        raise TypeError(f"keepalive must be a KeepAlive or None, not {type(keepalive).__name__}")
    if not is_tcp(sock):
        return
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1 if nodelay else 0)
    if keepalive is None:
        return
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    idle_opt = getattr(socket, "TCP_KEEPIDLE", None) or getattr(socket, "TCP_KEEPALIVE", None)
    for opt, value in (
        (idle_opt, keepalive.idle),
        (getattr(socket, "TCP_KEEPINTVL", None), keepalive.interval),
        (getattr(socket, "TCP_KEEPCNT", None), keepalive.count),
    ):
        if opt is not None:
            sock.setsockopt(socket.IPPROTO_TCP, opt, max(1, int(value)))


def _timeout(timeout: float | None, who: str) -> float | None:
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout < 0:
        raise ValueError(f"{who} must be a number of seconds >= 0 or None, got {timeout!r}")
    return float(timeout)


def open_connection(address: Address, *, timeout: float | None = None) -> socket.socket:
    """A connected blocking stream socket to ``address`` (TCP or AF_UNIX).

    ``timeout`` bounds the whole connect (every address a name resolves to, tried
    in turn); the socket is returned in blocking mode.  Failures are
    :class:`ConnectFailed` (refused, unreachable, unknown name) or
    :class:`TransportTimeout`, raised from the ``OSError``.
    """
    _check_address(address)
    timeout = _timeout(timeout, "connect timeout")
    if is_unix_address(address):
        path = _unix_path(address)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.settimeout(timeout)
            sock.connect(path)
            sock.settimeout(None)
        except BaseException as exc:
            sock.close()
            raise _connect_error(exc, address, timeout) from exc
        return sock
    try:
        sock = socket.create_connection(cast(Any, address)[:2], timeout=timeout)
    except OSError as exc:
        raise _connect_error(exc, address, timeout) from exc
    sock.settimeout(None)
    return sock


def _connect_error(exc: BaseException, address: object, timeout: float | None) -> BaseException:
    if isinstance(exc, TimeoutError):
        return TransportTimeout(
            f"no connection within {timeout} s", timeout=timeout, operation="connect", peer=address
        )
    if isinstance(exc, OSError):
        return ConnectFailed(str(exc) or type(exc).__name__, operation="connect", peer=address)
    return exc  # KeyboardInterrupt and the like pass through unchanged


def open_listener(
    address: Address, *, backlog: int = 128, reuse_address: bool = True
) -> socket.socket:
    """A listening blocking socket bound to ``address``.

    TCP: ``port`` 0 picks a free port (read it back with ``getsockname()``);
    ``reuse_address`` sets ``SO_REUSEADDR`` so a restarted server can bind at
    once.  An IPv6 host listens on IPv6 only.  AF_UNIX: the path must not exist
    (a stale socket file is not removed for you).  Failures are a
    :class:`TransportError` raised from the ``OSError``.
    """
    _check_address(address)
    if isinstance(backlog, bool) or not isinstance(backlog, int) or backlog < 1:
        raise ValueError(f"backlog must be an int >= 1, got {backlog!r}")
    try:
        if is_unix_address(address):
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.bind(_unix_path(address))
                sock.listen(backlog)
            except BaseException:
                sock.close()
                raise
            return sock
        tcp = cast(Any, address)
        host, port = tcp[0], tcp[1]
        infos = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE | socket.AI_NUMERICSERV
        )
        family, _, _, _, sockaddr = infos[0]
        sockaddr = cast(Any, sockaddr)
        if len(tcp) == 4 and family == socket.AF_INET6:
            sockaddr = (sockaddr[0], sockaddr[1], tcp[2], tcp[3])
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            if reuse_address and os.name == "posix":
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind(sockaddr)
            sock.listen(backlog)
        except BaseException:
            sock.close()
            raise
        return sock
    except OSError as exc:
        raise TransportError(f"cannot listen on {address!r}: {exc}", operation="listen") from exc


def has_ipv6() -> bool:
    """True if this host can bind and connect on the IPv6 loopback ``::1``."""
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
    except OSError:
        return False
    return True
