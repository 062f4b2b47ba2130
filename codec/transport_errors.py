"""Transport errors: what a socket driver raises when the connection itself fails.

The framing and decode errors (bad bytes from the peer) come from the receive
core; these are the other half -- the peer went away, went silent, or TLS failed.
Every one is a :class:`~wirekit.protocol_spec.errors.WirekitError` *and* the
matching built-in (``EOFError``, ``ConnectionError``, ``TimeoutError``), so code
written against plain sockets keeps working; each is raised ``from`` the
``OSError``/``ssl.SSLError`` that caused it, and says where in the stream it
happened (``offset``: bytes received so far for receive errors, bytes sent so
far for send errors, ``None`` when no stream existed yet)::

    WirekitError
    └── TransportError
        ├── ConnectionClosed   peer closed cleanly between frames (also EOFError)
        ├── ConnectionBroken   peer gone mid-connection: reset, broken pipe (ConnectionError)
        ├── ConnectFailed      could not connect: refused, unreachable (ConnectionError)
        ├── TransportTimeout   connect/send/recv/handshake exceeded its timeout (TimeoutError)
        └── TLSError           handshake or certificate failure (ssl.SSLError as cause)
            └── PlaintextBeforeTLS  bytes arrived before TLS started (STARTTLS injection)
"""

from __future__ import annotations

from wirekit.protocol_spec.errors import WirekitError

__all__ = [
    "TransportError",
    "ConnectionClosed",
    "ConnectionBroken",
    "ConnectFailed",
    "TransportTimeout",
    "TLSError",
    "PlaintextBeforeTLS",
]


class TransportError(WirekitError):
    """The connection failed (not the bytes on it).

    Attributes:
        reason:    what happened, in words.
        operation: ``"connect"``, ``"send"``, ``"recv"``, ``"handshake"``, ... or ``None``.
        peer:      the peer's address if known.
        offset:    stream offset where it happened (see the module docstring) or ``None``.
    """

    def __init__(
        self,
        reason: str,
        *,
        operation: str | None = None,
        peer: object = None,
        offset: int | None = None,
    ) -> None:
        self.reason = reason
        self.operation = operation
        self.peer = peer
        self.offset = offset
        super().__init__(self._format())

    def _format(self) -> str:
        parts = [self.operation] if self.operation else []
        if self.peer is not None:
            parts.append(f"peer {self.peer!r}")
        if self.offset is not None:
            parts.append(f"at offset {self.offset}")
        return f"{' '.join(parts)}: {self.reason}" if parts else self.reason

    def __str__(self) -> str:
        return self._format()

    def __reduce__(self):  # pickling keeps the keyword attributes
        return (
            _rebuild,
            (type(self), self.reason, self.operation, self.peer, self.offset, self.__dict__),
        )


def _rebuild(
    cls: type[TransportError],
    reason: str,
    operation: str | None,
    peer: object,
    offset: int | None,
    state: dict,
) -> TransportError:
    exc = cls(reason, operation=operation, peer=peer, offset=offset)
    exc.__dict__.update(state)
    return exc


class ConnectionClosed(TransportError, EOFError):
    """The peer closed the connection cleanly, between two frames: no message is
    lost and none is half received.  ``for msg in channel`` ends here instead."""


class ConnectionBroken(TransportError, ConnectionError):
    """The peer is gone: the connection was reset or the pipe is broken (a send to
    a peer that closed), or an earlier send timed out mid-message so the stream
    can no longer be trusted."""


class ConnectFailed(TransportError, ConnectionError):
    """The connection could not be made (refused, unreachable, name not found)."""


class TransportTimeout(TransportError, TimeoutError):
    """An operation did not finish within its timeout (``timeout`` seconds).

    A receive timeout leaves the channel usable (a partial frame stays buffered);
    a send timeout does not (part of a frame may have been sent), and later sends
    raise :class:`ConnectionBroken`.
    """

    def __init__(self, reason: str, *, timeout: float | None = None, **kw) -> None:
        self.timeout = timeout
        super().__init__(reason, **kw)


class TLSError(TransportError):
    """The TLS handshake failed (bad certificate, wrong host name, protocol error)."""


class PlaintextBeforeTLS(TLSError):
    """Bytes arrived after the request to start TLS and before the handshake.

    They were sent in the clear and then would be read as if protected: the
    STARTTLS command-injection flaw (CVE-2011-0411 in SMTP servers,
    CVE-2021-23214/23222 in PostgreSQL).  They are refused, never processed.
    ``length`` is how many such bytes there were.
    """

    def __init__(self, reason: str, *, length: int = 0, **kw) -> None:
        self.length = length
        super().__init__(reason, **kw)
