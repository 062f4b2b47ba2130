"""Bytes-like input: the one helper module every package uses for what callers
pass as bytes (``bytes``, ``bytearray``, a ``memoryview`` of any shape, item
format or stride, ``array.array``...).

* :func:`as_bytes` -- immutable ``bytes`` (the object itself when it is
  ``bytes``, else one copy of its raw bytes): what decoders keep, so that the
  caller may reuse its buffer;
* :func:`byte_view` -- a flat view whose ``len`` and indexing count bytes, with
  no copy unless the view is not contiguous: what encoders write out.

Anything that is not bytes-like (``str``, ``int``, ``None``...) is a plain
``TypeError`` naming the caller: a programming error, not bad wire data.
"""

from __future__ import annotations

from collections.abc import ByteString
from typing import Any

__all__ = ["as_bytes", "byte_view"]


def as_bytes(data: Any, who: str) -> bytes:
    """``data`` as ``bytes``; ``TypeError("<who> expects bytes-like, got <type>")``
    for anything else (``bytes(17)`` would be 17 zero bytes: never called on ints)."""
    if type(data) is bytes:
        return data
    try:
        return bytes(memoryview(data))  # memoryview(): only bytes-like objects
    except TypeError:
        pass  # raised outside the handler: no memoryview error as context
    raise TypeError(f"{who} expects bytes-like, got {type(data).__name__}")


def byte_view(data: Any, what: str) -> ByteString:
    """``data`` (``bytes``, ``bytearray`` or ``memoryview``) as bytes-like whose ``len``
    and indexing count bytes: a memoryview of any other shape or item format
    (``cast("I")``, 2-D, ``'c'``, ``'b'``) becomes a flat unsigned-byte view of the
    same bytes (a copy only if not contiguous); ``TypeError("<what> must be
    bytes-like, not <type>")`` for anything else."""
    if type(data) is bytes:
        return data
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"{what} must be bytes-like, not {type(data).__name__}")
    if isinstance(data, memoryview) and (
        data.format != "B" or data.ndim != 1 or not data.c_contiguous
    ):
        data = data.cast("B") if data.c_contiguous else memoryview(data.tobytes())
    return data
