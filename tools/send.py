"""``wirekit send``: frames written as JSON to a live server, and its replies back.

:func:`send_and_collect` connects to a server (``codec.sockopts.open_connection``),
sends frames that are already encoded (``wirekit encode``'s bytes: the caller
validates everything before connecting, so bad input sends nothing), half-closes,
and hands every reply to ``on_reply`` until the server closes or ``timeout``
seconds pass with no reply.  Replies are read through a blocking
:class:`~wirekit.codec.Channel`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from wirekit.codec import (
    Channel,
    ConnectionBroken,
    ConnectionClosed,
    TransportTimeout,
)
from wirekit.codec.sockopts import open_connection
from wirekit.protocol_spec import DecodeError

__all__ = ["SendResult", "send_and_collect"]


@dataclass(frozen=True)
class SendResult:
    """What one exchange did: frames and bytes sent, replies received, replies
    that did not decode, and how it ended (``"closed"``: the server closed;
    ``"timeout"``: no reply within the timeout; ``"reset"``; ``"framing_error"``)."""

    frames: int
    sent: int
    replies: int
    bad_replies: int
    ended: str


def send_and_collect(
    address: tuple[str, int],
    frames: Sequence[bytes],
    *,
    reply_framing: Any,
    reply_protocol: Any,
    on_reply: Callable[[Any], None],
    on_bad_reply: Callable[[BaseException], None] | None = None,
    timeout: float = 2.0,
) -> SendResult:
    """Send ``frames`` to ``address``, half-close, collect the replies.

    Raises ``ConnectFailed`` / ``TransportTimeout`` (connect) or ``ConnectionBroken``
    (the server went away while sending).  A reply that does not decode goes to
    ``on_bad_reply`` (reading goes on); a fatal framing error ends the exchange
    like a close.
    """
    data = b"".join(frames)
    sock = open_connection(address, timeout=timeout)
    try:
        sock.settimeout(timeout)
        try:
            sock.sendall(data)
        except OSError as exc:
            raise ConnectionBroken(
                f"the server went away while sending: {exc}", operation="send", peer=address
            ) from exc
        channel = Channel(sock, reply_framing, reply_protocol, timeout=timeout)
    except BaseException:
        sock.close()
        raise
    replies = bad = 0
    ended = "closed"
    with channel:
        try:
            channel.shutdown_write()
        except ConnectionBroken:
            pass  # the server already closed: its replies may still be readable
        while True:
            try:
                item = channel.recv()
            except ConnectionClosed:
                break
            except TransportTimeout:
                ended = "timeout"
                break
            except DecodeError as exc:  # a reply that did not decode; FramingError too
                bad += 1
                if on_bad_reply is not None:
                    on_bad_reply(exc)
                if channel.decoder.closed:  # fatal (framing): nothing more can be read
                    ended = "framing_error"
                    break
                continue
            except (ConnectionBroken, OSError):
                ended = "reset"
                break
            replies += 1
            on_reply(item)
    return SendResult(len(frames), len(data), replies, bad, ended)
