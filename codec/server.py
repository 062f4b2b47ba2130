"""The blocking threaded server: one thread per connection, each with a Channel.

The Socket HOWTO's threaded server, with the parts it leaves out::

    def echo(ch: Channel) -> None:
        for msg in ch:             # ends when the client closes
            ch.send(msg)

    server = Server(("127.0.0.1", 7777), echo, "length:4", EXAMPLE, max_connections=100)
    signal.signal(signal.SIGTERM, lambda *_: server.stop())
    server.serve_forever()         # or serve(address, echo, "length:4", EXAMPLE)

* **Bounded.**  At most ``max_connections`` connections are served at once.  With
  ``when_full="wait"`` (the default) the server stops accepting until one ends: the
  next clients wait in the listen backlog (their connect succeeds, their first
  reply comes later).  With ``when_full="refuse"`` it accepts and closes them at
  once (they read EOF).
* **Isolated.**  Each connection runs ``handler(channel)`` in its own thread.  When
  the handler returns or raises, that channel is closed; an exception (a framing
  error, a peer gone, a bug in the handler) goes to ``on_error(exc, peer)`` --
  default: logged on the ``wirekit.server`` logger -- and never reaches another
  connection.  :class:`ConnectionClosed` (the client left) is not an error.
* **Clean stop.**  :meth:`Server.stop` closes the listening socket and shuts down
  every connection's socket, so handlers blocked in ``recv()`` see the close and
  return; no thread is killed.  It may be called from any thread, or from a signal
  handler (where it only asks: ``serve_forever`` returns once all is closed).
"""

from __future__ import annotations

import logging
import os
import selectors
import socket
import ssl as _ssl
import stat
import threading
import time
from collections.abc import Callable
from typing import Any

from .channel import Channel
from .sockopts import Address, open_listener
from .tls import check_context, handshake, start_tls
from .transport_errors import ConnectionClosed, TransportError

__all__ = ["Server", "serve"]

log = logging.getLogger("wirekit.server")

Handler = Callable[[Channel], Any]
ErrorHook = Callable[[BaseException, Any], Any]

_NEW, _RUNNING, _STOPPED = 0, 1, 2


def _log_error(exc: BaseException, peer: Any) -> None:
    log.warning("connection from %r ended with an error: %s", peer, exc, exc_info=exc)


class Server:
    """A listening socket and its connection threads (see the module docstring).

    Args:
        address:         where to listen: ``(host, port)`` (port 0: any free port,
                         read :attr:`address`), or an AF_UNIX path.
        handler:         ``handler(channel)``, run in the connection's thread.
        framing, protocol, spec: what the connections speak, as for
                         :class:`Channel` (server role: a spec's client direction is
                         received, its server direction sent).
        ssl:             a server ``SSLContext``: every connection starts with a TLS
                         handshake, in its own thread, within ``handshake_timeout``.
        max_connections: connections served at once (default 100).
        when_full:       ``"wait"`` or ``"refuse"`` (see the module docstring).
        timeout:         each channel's send/recv timeout (``None``: no limit).
        on_error:        ``on_error(exc, peer)`` for a connection that ended with an
                         exception.
        backlog:         the listen backlog.
        channel_options: passed to every :class:`Channel` (``recv_buffer``,
                         ``nodelay``, ``keepalive``, ``send_framing``, ...).
    """

    def __init__(
        self,
        address: Address,
        handler: Handler,
        framing: Any = None,
        protocol: Any = None,
        *,
        spec: Any = None,
        ssl: _ssl.SSLContext | None = None,
        handshake_timeout: float | None = 10.0,
        max_connections: int = 100,
        when_full: str = "wait",
        timeout: float | None = None,
        on_error: ErrorHook | None = None,
        backlog: int = 128,
        **channel_options: Any,
    ) -> None:
        if not callable(handler):
            raise TypeError(f"handler must be callable, not {type(handler).__name__}")
        if framing is None and (spec is None or not spec.has_framing):
            raise TypeError("Server needs a framing (or a spec that has one)")
        if (
            isinstance(max_connections, bool)
            or not isinstance(max_connections, int)
            or max_connections < 1
        ):
            raise ValueError(f"max_connections must be an int >= 1, got {max_connections!r}")
        if when_full not in ("wait", "refuse"):
            raise ValueError(f"when_full must be 'wait' or 'refuse', not {when_full!r}")
        if ssl is not None:
            check_context(ssl, server_side=True)
        self.handler = handler
        self.max_connections = max_connections
        self.when_full = when_full
        self._ssl = ssl
        self._handshake_timeout = handshake_timeout
        self._on_error: ErrorHook = on_error if on_error is not None else _log_error
        self._channel_args: dict[str, Any] = dict(
            channel_options,
            framing=framing,
            protocol=protocol,
            spec=spec,
            role="server",
            timeout=timeout,
        )
        self._listener = open_listener(address, backlog=backlog)
        self.address: Any = self._listener.getsockname()
        self._listener.setblocking(False)
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._lock = threading.Lock()
        self._conns: dict[threading.Thread, socket.socket] = {}
        self._state = _NEW
        self._stopping = False
        self._loop_ident: int | None = None
        self._thread: threading.Thread | None = None
        self._done = threading.Event()
        self._deadline: float | None = None

    # ------------------------------------------------------------ inspection
    @property
    def connections(self) -> int:
        """Connections being served now."""
        with self._lock:
            return len(self._conns)

    @property
    def stopped(self) -> bool:
        """True once the server has closed everything."""
        return self._done.is_set()

    # ---------------------------------------------------------------- running
    def start(self) -> Server:
        """Run :meth:`serve_forever` in a background thread; returns ``self``."""
        if self._thread is not None or self._state != _NEW:
            raise RuntimeError("server already started")
        self._thread = threading.Thread(
            target=self.serve_forever, name=f"wirekit-server-{self.address}", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Accept connections until :meth:`stop` (or ``KeyboardInterrupt``); then
        close every connection and return once their threads ended (or the stop
        timeout passed)."""
        with self._lock:
            if self._state == _STOPPED:  # stop() came first: nothing to serve
                return
            if self._state != _NEW:
                raise RuntimeError("serve_forever() runs once per Server")
            self._state = _RUNNING
            self._loop_ident = threading.get_ident()
        sel = selectors.DefaultSelector()
        try:
            sel.register(self._wake_r, selectors.EVENT_READ)
            listening = False
            while not self._stopping:
                want = self.when_full == "refuse" or self.connections < self.max_connections
                if want != listening:
                    if want:
                        sel.register(self._listener, selectors.EVENT_READ)
                    else:
                        sel.unregister(self._listener)
                    listening = want
                for key, _ in sel.select():
                    if key.fileobj is self._wake_r:
                        self._drain_wakeups()
                    elif not self._stopping:
                        self._accept()
        finally:
            sel.close()
            self._close_all()

    def _drain_wakeups(self) -> None:
        try:
            while self._wake_r.recv(4096):
                pass
        except (BlockingIOError, InterruptedError):
            pass

    def _wake(self) -> None:
        try:
            self._wake_w.send(b"\0")
        except OSError:  # full (already woken) or closed (already stopped)
            pass

    def _accept(self) -> None:
        try:
            sock, peer = self._listener.accept()
        except (BlockingIOError, InterruptedError, ConnectionAbortedError):
            return
        except OSError as exc:  # out of descriptors and the like: report, go on
            self._on_error(exc, None)
            time.sleep(0.05)
            return
        if self.when_full == "refuse" and self.connections >= self.max_connections:
            sock.close()
            return
        sock.setblocking(True)
        thread = threading.Thread(
            target=self._serve_one, args=(sock, peer), name=f"wirekit-conn-{peer}", daemon=True
        )
        with self._lock:
            self._conns[thread] = sock
        thread.start()

    def _serve_one(self, sock: socket.socket, peer: Any) -> None:
        me = threading.current_thread()
        channel: Channel | None = None
        try:
            if self._ssl is not None:
                sock = start_tls(sock, self._ssl, server_side=True)
                with self._lock:  # stop() must shut down the socket that owns the fd now
                    self._conns[me] = sock
                    stopping = self._stopping
                if stopping:
                    return
                handshake(sock, timeout=self._handshake_timeout)
            channel = Channel(sock, **self._channel_args)
            self.handler(channel)
        except ConnectionClosed:
            pass
        except BaseException as exc:
            # what stop() itself causes (a socket shut down under a handler) is no error
            if not (self._stopping and isinstance(exc, (OSError, TransportError))):
                try:
                    self._on_error(exc, peer)
                except Exception:  # a broken hook must not kill the thread loudly
                    log.exception("on_error hook failed")
        finally:
            with self._lock:  # never shut down by stop() once it is being closed
                self._conns.pop(me, None)
            if channel is not None:
                channel.close()
            else:
                sock.close()
            self._wake()

    # ---------------------------------------------------------------- stopping
    def stop(self, timeout: float = 1.0) -> None:
        """Stop: close the listening socket and every connection, then wait up to
        ``timeout`` seconds for the connection threads to end.

        Safe from any thread and from a signal handler; in the thread running
        :meth:`serve_forever` (a signal handler there) it only asks, and
        ``serve_forever`` returns once everything is closed.  Idempotent.
        """
        self._deadline = time.monotonic() + timeout
        self._stopping = True
        with_loop = self._state == _RUNNING
        self._wake()
        if threading.get_ident() == self._loop_ident:
            return
        with self._lock:
            from_handler = threading.current_thread() in self._conns
        if from_handler:  # a handler stopping its own server: it cannot wait for itself
            return
        if not with_loop:
            with self._lock:
                never_ran = self._state == _NEW
                self._state = _STOPPED
            if never_ran:
                self._close_all()
                return
        self._done.wait(timeout + 0.5)
        if self._thread is not None:
            self._thread.join(max(0.0, self._deadline - time.monotonic()) + 0.5)

    def _close_all(self) -> None:
        with self._lock:
            self._state = _STOPPED
            self._stopping = True
        self._listener.close()
        if isinstance(self.address, str) and self.address and os.path.exists(self.address):
            try:  # our AF_UNIX socket file: a restarted server can bind again
                if stat.S_ISSOCK(os.stat(self.address).st_mode):
                    os.unlink(self.address)
            except OSError:
                pass
        with self._lock:
            conns = list(self._conns.items())
            for _, sock in conns:
                try:
                    # the plain socket's shutdown: wakes a blocked recv() with EOF
                    # (also under TLS, without dropping the SSL state)
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)
                except OSError:
                    pass
        deadline = self._deadline if self._deadline is not None else time.monotonic() + 1.0
        for thread, _ in conns:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._wake_w.close()
        self._wake_r.close()
        self._done.set()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = ("new", "running", "stopped")[self._state]
        return f"<Server {state} {self.address!r} connections={self.connections}>"


def serve(
    address: Address,
    handler: Handler,
    framing: Any = None,
    protocol: Any = None,
    *,
    ready: Callable[[Server], Any] | None = None,
    **options: Any,
) -> None:
    """Serve ``handler`` on ``address`` until stopped (blocking): a
    :class:`Server` made with ``options``, then ``serve_forever()``.

    ``ready(server)`` is called once it listens -- keep the server there to call
    ``server.stop()`` from another thread or a signal handler.
    """
    server = Server(address, handler, framing, protocol, **options)
    if ready is not None:
        try:
            ready(server)
        except BaseException:
            server.stop()
            raise
    server.serve_forever()
