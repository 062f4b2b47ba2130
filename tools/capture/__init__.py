"""wirekit.tools.capture -- captured traffic: readers, TCP reassembly, streams.

* :func:`read_packets` / :class:`PcapReader` / :class:`PcapngReader` -- packets of a
  pcap or pcapng file, read incrementally;
* :class:`SegmentParser` -- link layer, IPv4/IPv6 (fragments reassembled), TCP;
* :class:`TcpReassembler` -- per connection and direction, ordered bytes with
  gaps: :class:`StreamData`, :class:`StreamGap`, :class:`StreamEnd`;
* :class:`StreamReader` -- all of it from a file (captures, hex dumps, raw);
  :func:`export_streams` writes the streams and their gap map;
* :class:`CaptureError` -- a damaged or unrecognised input (file and byte position).
"""

from .errors import CaptureError
from .hexdump import read_hexdump
from .inputs import FORMATS, read_packets
from .ip import Segment, SegmentParser
from .packets import Packet
from .pcap import PcapReader
from .pcapng import PcapngReader
from .streams import StreamReader, export_streams
from .tcp_reassembly import (
    Connection,
    Stream,
    StreamData,
    StreamEnd,
    StreamEvent,
    StreamGap,
    TcpReassembler,
)

__all__ = [
    "CaptureError",
    "FORMATS",
    "read_packets",
    "read_hexdump",
    "Packet",
    "PcapReader",
    "PcapngReader",
    "Segment",
    "SegmentParser",
    "TcpReassembler",
    "Connection",
    "Stream",
    "StreamData",
    "StreamGap",
    "StreamEnd",
    "StreamEvent",
    "StreamReader",
    "export_streams",
]
