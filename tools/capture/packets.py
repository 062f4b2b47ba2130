"""What the capture readers yield: :class:`Packet`."""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["Packet"]


class Packet(NamedTuple):
    """One captured packet, as read from a pcap or pcapng file.

    Attributes:
        timestamp_ns: capture time, nanoseconds since the Unix epoch (pcap usec/nsec
                      and every pcapng ``if_tsresol``/``if_tsoffset`` converted).
        linktype:     the interface's link-layer type (``LINKTYPE_*`` number).
        data:         the captured bytes (at most the snaplen).
        orig_len:     the packet's length on the wire (``> len(data)``: cut by the
                      snaplen; the reassembler turns the missing bytes into a gap).
        interface:    pcapng interface number (``0`` for pcap).
        position:     byte position of the packet's record in the file.
    """

    timestamp_ns: int
    linktype: int
    data: bytes
    orig_len: int
    interface: int = 0
    position: int = 0
