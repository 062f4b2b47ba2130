"""Real traffic's messages, for ``wirekit sizes --from capture.pcap``.

:func:`capture_messages` reads a capture (pcap, pcapng, hex dump or a raw
stream file) with the capture decoder (:mod:`wirekit.tools.capture`): TCP is
reassembled per connection and direction and every direction decoded with its
spec's protocol and framing.  Only decoded messages are measured; what did not
decode (gaps, damaged frames, errors) is counted in :attr:`Traffic.undecoded`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from wirekit.protocol_spec import Message, Spec

from .framing_text import DEFAULT_FRAMING

__all__ = ["Traffic", "capture_messages"]


@dataclasses.dataclass(frozen=True)
class Traffic:
    """The messages of a capture, in capture order, and what the decoder said about it."""

    messages: list[Message]
    undecoded: int
    summary: str


def capture_messages(
    path: str,
    spec: Spec,
    *,
    framing: str | None = None,
    fmt: str = "auto",
    server_ports: Sequence[int] = (),
    directions: Sequence[str] = ("client", "server"),
) -> Traffic:
    """Every message of ``directions`` in the capture at ``path``.

    ``framing`` (framing text) overrides the spec's; a spec without framing uses
    the default (``length:4``).  The spec's port marks the server side, as in
    ``wirekit decode``.  A damaged or unknown input raises the capture decoder's
    :class:`~wirekit.tools.capture.CaptureError` (a wirekit error).
    """
    from .capture import StreamReader
    from .capture.decode import DecodeStats, decode_records

    framings: dict[str, Any] = {}
    for d in ("client", "server"):
        value = framing if framing is not None else spec.framing(d)  # type: ignore[arg-type]
        framings[d] = DEFAULT_FRAMING if value is None else value
    protocols: dict[str, Any] = {d: spec.protocol(d) for d in ("client", "server")}  # type: ignore[arg-type]
    roles = set(server_ports)
    if spec.port is not None:
        roles.add(spec.port)
    reader = StreamReader(path, fmt=fmt, server_ports=sorted(roles))
    stats = DecodeStats()
    messages: list[Message] = []
    undecoded = 0
    for record in decode_records(reader, framing=framings, protocols=protocols, stats=stats):
        if record.kind == "message":
            if record.direction in directions:
                messages.append(record.message)
        elif record.kind != "frame":
            undecoded += 1
    return Traffic(messages, undecoded, stats.summary(path))
