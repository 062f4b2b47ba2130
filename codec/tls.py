"""TLS through a standard :class:`ssl.SSLContext`, shared by the transports.

wirekit never builds contexts itself: the application makes one the usual way
(``ssl.create_default_context()`` for a client, ``ssl.SSLContext(PROTOCOL_TLS_SERVER)``
plus ``load_cert_chain`` for a server) and passes it in.  These helpers check
it, start TLS on a connected blocking socket with a bounded handshake, map
``ssl`` failures to wirekit errors, and refuse plaintext that arrived before an
in-band switch to TLS (STARTTLS, PostgreSQL's SSLRequest).
"""

from __future__ import annotations

import socket
import ssl

from .transport_errors import ConnectionBroken, PlaintextBeforeTLS, TLSError, TransportTimeout

__all__ = [
    "check_context",
    "start_tls",
    "handshake",
    "wrap_socket",
    "tls_error",
    "refuse_plaintext",
]


def check_context(context: object, *, server_side: bool) -> ssl.SSLContext:
    """``context`` if it is an :class:`ssl.SSLContext` usable on that side, else
    ``TypeError``/``ValueError`` (API misuse, raised before any I/O)."""
    if not isinstance(context, ssl.SSLContext):
        raise TypeError(f"ssl must be an ssl.SSLContext, not {type(context).__name__}")
    if server_side and context.protocol == ssl.PROTOCOL_TLS_CLIENT:
        raise ValueError("a PROTOCOL_TLS_CLIENT context cannot be used on the server side")
    if not server_side and context.protocol == ssl.PROTOCOL_TLS_SERVER:
        raise ValueError("a PROTOCOL_TLS_SERVER context cannot be used on the client side")
    return context


def tls_error(
    exc: BaseException, *, peer: object = None, operation: str = "handshake"
) -> Exception:
    """The wirekit error for an exception raised by ``ssl`` (raise it ``from exc``)."""
    if isinstance(exc, TimeoutError):
        return TransportTimeout(
            "TLS handshake did not finish in time", operation=operation, peer=peer
        )
    if isinstance(exc, ssl.SSLCertVerificationError):
        return TLSError(
            f"certificate verification failed: {exc.verify_message}", operation=operation, peer=peer
        )
    if isinstance(exc, ssl.SSLError):
        return TLSError(exc.reason or str(exc), operation=operation, peer=peer)
    if isinstance(exc, OSError):
        return ConnectionBroken(
            f"connection lost during TLS: {exc}", operation=operation, peer=peer
        )
    return TLSError(str(exc), operation=operation, peer=peer)


def start_tls(
    sock: socket.socket,
    context: ssl.SSLContext,
    *,
    server_side: bool,
    server_hostname: str | None = None,
) -> ssl.SSLSocket:
    """Wrap the connected ``sock`` without doing the handshake yet (see
    :func:`handshake`): the returned :class:`ssl.SSLSocket` takes over the file
    descriptor (``sock`` is detached), so a server can register it -- to shut it
    down from another thread -- before the handshake blocks."""
    check_context(context, server_side=server_side)
    try:
        return context.wrap_socket(
            sock,
            server_side=server_side,
            server_hostname=None if server_side else server_hostname,
            do_handshake_on_connect=False,
        )
    except ValueError:
        sock.close()  # check_hostname without server_hostname: misuse, said by ssl
        raise


def handshake(tls: ssl.SSLSocket, *, timeout: float | None = None) -> ssl.SSLSocket:
    """Finish the TLS handshake within ``timeout`` seconds (``None``: no limit);
    the socket is left in blocking mode.  On failure it is closed and a
    :class:`TLSError`, :class:`TransportTimeout` or :class:`ConnectionBroken` is
    raised from the ``ssl`` error."""
    try:
        peer = tls.getpeername() or None
    except OSError:
        peer = None
    try:
        tls.settimeout(timeout)
        tls.do_handshake()
        tls.settimeout(None)
    except OSError as exc:
        tls.close()
        raise tls_error(exc, peer=peer) from exc
    except BaseException:
        tls.close()
        raise
    return tls


def wrap_socket(
    sock: socket.socket,
    context: ssl.SSLContext,
    *,
    server_side: bool,
    server_hostname: str | None = None,
    timeout: float | None = None,
) -> ssl.SSLSocket:
    """Start TLS on the connected blocking ``sock`` and finish the handshake
    within ``timeout`` seconds: :func:`start_tls` then :func:`handshake`.

    The returned :class:`ssl.SSLSocket` takes over the file descriptor; on failure
    it is closed.  A client context with ``check_hostname`` needs
    ``server_hostname``.
    """
    tls = start_tls(sock, context, server_side=server_side, server_hostname=server_hostname)
    return handshake(tls, timeout=timeout)


def refuse_plaintext(trailing: bytes, *, offset: int | None = None, peer: object = None) -> None:
    """Raise :class:`PlaintextBeforeTLS` if ``trailing`` -- the bytes received
    after the switch request but before TLS -- is not empty.

    A peer that follows the protocol sends nothing between the request to start
    TLS (or its answer) and its first handshake record, so such bytes are either
    a bug or an attacker's injection; processing them after the handshake as if
    they were protected is the STARTTLS flaw.  ``offset`` is their stream offset.
    """
    if trailing:
        raise PlaintextBeforeTLS(
            f"{len(trailing)} byte(s) arrived in the clear before the TLS handshake"
            " (possible STARTTLS injection); refused",
            length=len(trailing),
            operation="starttls",
            peer=peer,
            offset=offset,
        )
