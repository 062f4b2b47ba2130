"""The selectors server and client: one thread, many connections, none blocking.

::

    class Echo(Handler):
        def on_message(self, conn, msg):
            conn.send(msg)

    server = SelectServer(("127.0.0.1", 0), Echo(), framing="length:4", protocol=EXAMPLE)
    server.address          # the bound (host, port)
    server.run()            # until server.stop() (any thread), SIGINT or SIGTERM

    client = SelectClient(MyHandler(), framing="length:4", protocol=EXAMPLE)
    conn = client.connect(server.address)    # non-blocking: on_connect when done
    client.run_until(lambda: done, timeout=5)

What is framed and decoded: ``framing=`` (text, framer or Step sequence) and
``protocol=`` (``None``: frame bodies), with ``send_framing=``/``send_protocol=``
when the two directions differ -- or ``spec=`` a
:class:`~wirekit.protocol_spec.Spec` (a server receives its client direction).

Both own an :class:`~wirekit.codec.eventloop.EventLoop` (or share one passed as
``loop=``), so a server and its clients, or many clients, can run in one thread.
Each connection is a :class:`~wirekit.codec.connection.Connection` with its own
decoder and outbound buffer; see that module for the handler API, the close
reasons and backpressure.

Limits (keyword arguments of both): ``max_connections`` (a server closes what it
accepts past it, counted in ``refused``), ``idle_timeout`` (seconds without a byte
moving either way), ``max_outbound`` (bytes queued per connection before it stops
reading from that peer), and the framer's own ``max_frame`` (``"length:4,max=65536"``),
checked before a body is buffered.
"""

from __future__ import annotations

import errno
import logging
import socket
import time
from collections.abc import Callable
from ssl import SSLContext
from typing import Any

from .connection import Connection, Handler
from .eventloop import READ, WRITE, DescriptorLimitError, EventLoop
from .sockopts import Address, configure, is_unix_address, open_listener
from .tls import check_context
from .wire import Wire, wire_factory

__all__ = ["SelectServer", "SelectClient"]

log = logging.getLogger("wirekit.codec")

#: a connection's default outbound limit (bytes queued before reading stops)
DEFAULT_MAX_OUTBOUND = 1 << 20

#: accept() errors that mean "out of descriptors/memory": stop accepting a moment
_RESOURCE_ERRNOS = (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM)


class _Endpoint:
    """What a server and a client share: the loop, the handler, the codec
    description, the limits and the set of live connections."""

    def __init__(
        self,
        handler: Handler,
        make_wire: Callable[[], Wire],
        *,
        loop: EventLoop | None,
        backend: str,
        max_connections: int | None,
        idle_timeout: float | None,
        max_outbound: int,
    ) -> None:
        if not isinstance(handler, Handler):
            raise TypeError(f"handler must be a wirekit Handler, got {type(handler).__name__}")
        if isinstance(max_outbound, bool) or not isinstance(max_outbound, int) or max_outbound < 1:
            raise ValueError(f"max_outbound must be an int >= 1, got {max_outbound!r}")
        if idle_timeout is not None and not idle_timeout > 0:
            raise ValueError(f"idle_timeout must be > 0 seconds or None, got {idle_timeout!r}")
        if max_connections is not None and max_connections < 1:
            raise ValueError(f"max_connections must be >= 1 or None, got {max_connections!r}")
        self.handler = handler
        self._wire = make_wire
        self._own_loop = loop is None
        self.loop = EventLoop(backend) if loop is None else loop
        self.max_connections = max_connections
        self.idle_timeout = idle_timeout
        self.max_outbound = max_outbound
        self.connections: set[Connection] = set()

    def _forget(self, conn: Connection) -> None:
        self.connections.discard(conn)

    # ------------------------------------------------------------- running
    def run(self, *, handle_signals: bool = True) -> None:
        """Run the loop until :meth:`stop`, SIGINT or SIGTERM; then every
        connection is closed (reason ``stopped``) and the loop too."""
        self.loop.run(handle_signals=handle_signals)

    def run_once(self, timeout: float | None = 0.0) -> int:
        """One loop turn (for embedding): wait up to ``timeout`` seconds."""
        return self.loop.run_once(timeout)

    def run_until(self, condition: Callable[[], bool], timeout: float) -> bool:
        """Turn the loop until ``condition()`` is true or ``timeout`` seconds pass;
        returns ``condition()``."""
        deadline = time.monotonic() + timeout
        while not condition():
            left = deadline - time.monotonic()
            if left <= 0:
                return condition()
            self.loop.run_once(min(left, 0.5))
        return True

    def stop(self) -> None:
        """Make :meth:`run` return and close everything (any thread, signal handlers)."""
        self.loop.stop()

    def close(self) -> None:
        """Close every connection now (reason ``stopped``) and, if this endpoint
        made its loop, the loop."""
        for conn in list(self.connections):
            self.loop.remove(conn.fileno())
            conn._loop_closed()
        if self._own_loop:
            self.loop.close()

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SelectServer(_Endpoint):
    """A listening socket in the loop's read set; readable means ``accept``, in a
    loop until it would block.  See the module docstring for the arguments;
    ``ssl`` is a server :class:`ssl.SSLContext` (TLS handshake on each accepted
    socket, non-blocking), ``sock`` a listening socket to use instead of
    ``address``."""

    def __init__(
        self,
        address: Address | None,
        handler: Handler,
        *,
        framing: Any = None,
        protocol: Any = None,
        send_framing: Any = None,
        send_protocol: Any = None,
        spec: Any = None,
        loop: EventLoop | None = None,
        backend: str = "selectors",
        ssl: SSLContext | None = None,
        max_connections: int | None = None,
        idle_timeout: float | None = None,
        max_outbound: int = DEFAULT_MAX_OUTBOUND,
        backlog: int = 1024,
        sock: socket.socket | None = None,
    ) -> None:
        make_wire = wire_factory(
            "server",
            framing=framing,
            protocol=protocol,
            send_framing=send_framing,
            send_protocol=send_protocol,
            spec=spec,
        )
        super().__init__(
            handler,
            make_wire,
            loop=loop,
            backend=backend,
            max_connections=max_connections,
            idle_timeout=idle_timeout,
            max_outbound=max_outbound,
        )
        self.ssl = None if ssl is None else check_context(ssl, server_side=True)
        #: connections closed at once on accept: over max_connections, or a
        #: descriptor the select backend cannot watch
        self.refused = 0
        if sock is None:
            if address is None:
                raise ValueError("SelectServer needs an address or a listening sock")
            sock = open_listener(address, backlog=backlog)
        sock.setblocking(False)
        self.sock = sock
        self.address: Address = sock.getsockname()
        self._accepting = True
        try:
            self.loop.add(self, READ)
        except BaseException:
            sock.close()
            raise

    def fileno(self) -> int:
        return self.sock.fileno()

    def _io(self, mask: int) -> None:
        accept = self.sock.accept
        limit = self.max_connections
        for _ in range(1024):
            try:
                sock, peer = accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                if exc.errno in _RESOURCE_ERRNOS:
                    log.warning("accept: %s; not accepting for 0.1 s", exc)
                    self._pause_accepting(0.1)
                    return
                if exc.errno in (errno.ECONNABORTED, errno.EPROTO):
                    continue
                raise
            if limit is not None and len(self.connections) >= limit:
                self.refused += 1
                sock.close()
                continue
            self._accepted(sock, peer)

    def _accepted(self, sock: socket.socket, peer: Address) -> None:
        sock.setblocking(False)
        configure(sock)
        conn = Connection(
            self.loop,
            sock,
            self._wire(),
            self.handler,
            self,
            peer=peer,
            max_outbound=self.max_outbound,
            idle_timeout=self.idle_timeout,
            tls=self.ssl,
        )
        try:
            self.loop.add(conn, 0)
        except DescriptorLimitError as exc:
            log.warning("refused %s: %s", peer, exc)
            self.refused += 1
            sock.close()
            return
        self.connections.add(conn)
        conn._start_accepted()

    def _pause_accepting(self, delay: float) -> None:
        self._accepting = False
        self.loop.set_interest(self.sock.fileno(), 0)
        self.loop.call_later(delay, self._resume_accepting)

    def _resume_accepting(self) -> None:
        if not self._accepting and self.sock.fileno() >= 0:
            self._accepting = True
            self.loop.set_interest(self.sock.fileno(), READ)

    def _loop_closed(self) -> None:
        self.sock.close()

    def close(self) -> None:
        """Stop listening, close every connection (reason ``stopped``) and, if the
        server made its loop, the loop."""
        if self.sock.fileno() >= 0:
            self.loop.remove(self.sock.fileno())
            self.sock.close()
        super().close()


class SelectClient(_Endpoint):
    """Outbound connections in one thread: :meth:`connect` as often as needed,
    then turn the loop (``run``/``run_once``/``run_until``).  Pipelining is just
    ``conn.send`` many times before the replies arrive (they come in order)."""

    def __init__(
        self,
        handler: Handler,
        *,
        framing: Any = None,
        protocol: Any = None,
        send_framing: Any = None,
        send_protocol: Any = None,
        spec: Any = None,
        loop: EventLoop | None = None,
        backend: str = "selectors",
        idle_timeout: float | None = None,
        max_outbound: int = DEFAULT_MAX_OUTBOUND,
    ) -> None:
        make_wire = wire_factory(
            "client",
            framing=framing,
            protocol=protocol,
            send_framing=send_framing,
            send_protocol=send_protocol,
            spec=spec,
        )
        super().__init__(
            handler,
            make_wire,
            loop=loop,
            backend=backend,
            max_connections=None,
            idle_timeout=idle_timeout,
            max_outbound=max_outbound,
        )

    def connect(
        self,
        address: Address,
        *,
        ssl: SSLContext | None = None,
        server_hostname: str | None = None,
        timeout: float | None = 10.0,
    ) -> Connection:
        """Start a non-blocking connect and return its connection at once (state
        ``connecting``).  The handler's ``on_connect`` follows when it completes
        (TLS handshake included: ``server_hostname`` defaults to the host); a
        refused or timed-out connect reaches ``on_close`` with reason
        ``connect_failed`` and the ``OSError``/``TimeoutError``, never a hang.
        Host names are resolved with a blocking ``getaddrinfo``; an AF_UNIX path
        works too."""
        if ssl is not None:
            check_context(ssl, server_side=False)
        family, sockaddr = _resolve(address)
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setblocking(False)
        configure(sock)
        if ssl is not None and server_hostname is None and ssl.check_hostname:
            if isinstance(address, tuple):
                server_hostname = str(address[0])
        conn = Connection(
            self.loop,
            sock,
            self._wire(),
            self.handler,
            self,
            peer=sockaddr,
            max_outbound=self.max_outbound,
            idle_timeout=self.idle_timeout,
            tls=ssl,
            server_hostname=server_hostname,
        )
        try:
            self.loop.add(conn, WRITE)
        except BaseException:
            sock.close()
            raise
        self.connections.add(conn)
        conn._start_connect(sockaddr, timeout)
        return conn

    def _loop_closed(self) -> None:  # a SelectClient is not itself registered
        pass


def _resolve(address: Address) -> tuple[int, Any]:
    """``(family, sockaddr)`` for a non-blocking connect."""
    if is_unix_address(address):
        return socket.AF_UNIX, address
    if not isinstance(address, tuple) or len(address) not in (2, 4):
        raise TypeError(f"address must be (host, port) or an AF_UNIX path, not {address!r}")
    family, _, _, _, sockaddr = socket.getaddrinfo(address[0], address[1], type=socket.SOCK_STREAM)[
        0
    ]
    return family, sockaddr
