"""Link layers: where the IP packet starts in a captured frame.

Supported ``LINKTYPE_*`` values: Ethernet (1, with any number of 802.1Q/802.1ad
VLAN tags), BSD loopback/null (0, host byte order; 108, network byte order),
raw IP (101, 12, 14, and 228/229 for IPv4/IPv6 only), Linux cooked capture v1
(113, ``SLL``) and v2 (276, ``SLL2``).
"""

from __future__ import annotations

__all__ = ["LINKTYPE_NAMES", "ip_start", "UnsupportedLinkType"]

ETHERNET = 1
NULL = 0
LOOP = 108
RAW = 101
RAW_12 = 12
RAW_14 = 14
IPV4 = 228
IPV6 = 229
SLL = 113
SLL2 = 276

LINKTYPE_NAMES = {
    NULL: "BSD loopback",
    ETHERNET: "Ethernet",
    RAW_12: "raw IP",
    RAW_14: "raw IP",
    RAW: "raw IP",
    LOOP: "OpenBSD loopback",
    SLL: "Linux cooked v1",
    IPV4: "raw IPv4",
    IPV6: "raw IPv6",
    SLL2: "Linux cooked v2",
}

_VLAN = (0x8100, 0x88A8, 0x9100)
_NULL_V6 = (24, 28, 30)


class UnsupportedLinkType(ValueError):
    """The link type is not one of :data:`LINKTYPE_NAMES` (counted, packet skipped)."""


def _ethertype(t: int) -> int:
    return 4 if t == 0x0800 else 6 if t == 0x86DD else 0


def ip_start(linktype: int, data: bytes) -> tuple[int, int]:
    """``(version, offset)``: the IP version (4 or 6; 0 = not IP or too short) and
    the offset of the IP header in ``data``."""
    if linktype == ETHERNET:
        if len(data) < 14:
            return 0, 0
        t = (data[12] << 8) | data[13]
        off = 14
        while t in _VLAN:
            if len(data) < off + 4:
                return 0, 0
            t = (data[off + 2] << 8) | data[off + 3]
            off += 4
        return _ethertype(t), off
    if linktype == SLL2 or linktype == SLL:
        if linktype == SLL2:
            if len(data) < 20:
                return 0, 0
            t, off = (data[0] << 8) | data[1], 20
        else:
            if len(data) < 16:
                return 0, 0
            t, off = (data[14] << 8) | data[15], 16
        while t in _VLAN:  # a tag the kernel left in the packet
            if len(data) < off + 4:
                return 0, 0
            t = (data[off + 2] << 8) | data[off + 3]
            off += 4
        return _ethertype(t), off
    if linktype in (RAW, RAW_12, RAW_14, IPV4, IPV6):
        if not data:
            return 0, 0
        v = data[0] >> 4
        return (v if v in (4, 6) else 0), 0
    if linktype in (NULL, LOOP):
        if len(data) < 4:
            return 0, 0
        fam = int.from_bytes(data[:4], "big" if linktype == LOOP else "little")
        if linktype == NULL and fam > 0xFFFF:  # written on a big-endian host
            fam = int.from_bytes(data[:4], "big")
        if fam == 2:
            return 4, 4
        if fam in _NULL_V6:
            return 6, 4
        return 0, 4
    raise UnsupportedLinkType(f"unsupported link type {linktype}")
