"""``wirekit serve``: a select-driven server that prints what its clients send.

:func:`serve_forever` runs a :class:`~wirekit.codec.SelectServer` (one thread,
non-blocking sockets) until :meth:`~wirekit.codec.SelectServer.stop`, SIGINT or
SIGTERM.  Every decoded message of every connection is one output line, written
and flushed at once: the text form ``#<connection> <Type> field=value ...`` or,
as JSON, a record like ``decode --json`` prints
(``{"kind": "message", "connection": 1, "type": ..., "fields": ...}``).
Connection events (opened, closed and why) are reported through ``note``.
With ``reply="echo"`` each message is sent back as received.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from wirekit.codec import CloseReason, Conn, Framer, Handler, SelectServer
from wirekit.protocol_spec import Message, Protocol, Step

from .framing_text import framer_from_text
from .jsonmap import to_json
from .jsontext import fields_json, fields_text

__all__ = [
    "REPLIES",
    "MessagePrinter",
    "message_text",
    "message_json",
    "make_server",
    "address_text",
]

#: What ``--reply`` accepts.
REPLIES = ("echo", "none")


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def message_text(msg: Message) -> str:
    """``Type field=value ...`` with the values as the JSON mapping writes them."""
    fields = fields_text(msg)  # refuses what is not a message
    return f"{type(msg).__name__} {fields}".rstrip()


def message_json(msg: Message, **extra: Any) -> str:
    """One compact JSON record: ``extra`` keys first, then ``type`` and ``fields``."""
    if "type" in extra or "fields" in extra:  # a key of its own taking their place
        j = to_json(msg)
        return _dumps({**extra, "type": j["type"], "fields": j["fields"]})
    fields = fields_json(msg)
    head = _dumps({**extra, "type": type(msg).__name__})  # ends in "}"
    return f'{head[:-1]},"fields":{fields}}}'


class MessagePrinter(Handler):
    """Writes one line per received message through ``out`` (connections numbered
    from 1 in accept order) and connection events through ``note``; echoes each
    message back with ``reply="echo"``.  ``received`` counts the messages."""

    def __init__(
        self,
        out: Callable[[str], None],
        note: Callable[[str], None],
        *,
        reply: str = "none",
        as_json: bool = False,
    ) -> None:
        if reply not in REPLIES:
            raise ValueError(f"reply must be one of {', '.join(REPLIES)}, not {reply!r}")
        self.out = out
        self.note = note
        self.reply = reply
        self.as_json = as_json
        self.connections = 0
        self.received = 0

    def on_connect(self, conn: Conn) -> None:
        self.connections += 1
        conn.user = self.connections
        self.note(f"#{conn.user} connected from {_address(conn.peer)}")

    def on_messages(self, conn: Conn, msgs: list) -> None:
        number = conn.user
        for msg in msgs:
            self.received += 1
            if self.as_json:
                self.out(message_json(msg, kind="message", connection=number))
            else:
                self.out(f"#{number} {message_text(msg)}")
        if self.reply == "echo":
            conn.send_many(msgs)

    def on_error(self, conn: Conn, error: BaseException) -> None:
        self.note(f"#{conn.user} {type(error).__name__}: {error} (decoding goes on)")

    def on_close(self, conn: Conn, reason: CloseReason) -> None:
        if conn.user is not None:
            self.note(f"#{conn.user} closed ({reason})")


def _address(addr: Any) -> str:
    if isinstance(addr, tuple) and len(addr) >= 2:
        host = f"[{addr[0]}]" if ":" in str(addr[0]) else str(addr[0])
        return f"{host}:{addr[1]}"
    return str(addr)


def _send_framing(framing: Framer | Sequence[Step]) -> Framer:
    """The framing replies go out with: the framer itself, or a sequence's last
    step (its steady state, e.g. PostgreSQL's typed messages)."""
    if isinstance(framing, Framer):
        return framing
    last = list(framing)[-1].framing
    return framer_from_text(last) if isinstance(last, str) else last


def make_server(
    address: tuple[str, int],
    handler: Handler,
    framing: Framer | Sequence[Step],
    protocol: Protocol,
) -> SelectServer:
    """A listening :class:`SelectServer` on ``address`` decoding ``protocol`` in
    ``framing``; replies go out as the same protocol (framed by :func:`_send_framing`).
    Raises ``OSError`` when the address cannot be bound."""
    seq = None if isinstance(framing, Framer) else list(framing)
    return SelectServer(
        address,
        handler,
        framing=framing if seq is None else seq,
        protocol=protocol,
        send_framing=_send_framing(framing),
        send_protocol=protocol,
    )


def address_text(addr: Any) -> str:
    """``127.0.0.1:7777`` (IPv6 in brackets)."""
    return _address(addr)
