"""``decode --json``'s fast lane: frames decoded straight to their JSON text.

:func:`json_protocol` wraps a :class:`~wirekit.protocol_spec.Protocol` for the
codec's ``StreamDecoder``: its ``decode(body)`` returns the text
``,"type":"<name>","fields":{...}}`` -- the end of the ``message`` record line
(:func:`~.decode.run_json` writes a ``str`` value as it is) -- from the
protocol's fused JSON decoder (:mod:`wirekit.tools.jsonfused`), and on any
exception there the message of ``Protocol.decode`` (the careful path: its exact
``DecodeError`` and offsets, and then the writer's text).  The fused text is the
writer's text of that very message or nothing (the invariant of
:mod:`wirekit.tools.jsonfused`), so the output is the same either way.  Only
``--json`` uses it: text lines and the record API keep message objects.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Callable
from typing import Any

from wirekit.protocol_spec import Message, Protocol

from .. import jsonmap
from ..jsonfused import fused_json

__all__ = ["FusedJSON", "json_protocol"]


class FusedJSON:
    """A protocol-like object whose ``decode`` gives the record text (a ``str``) or,
    where the fused decoder does not serve, ``protocol.decode``'s message."""

    __slots__ = ("protocol", "_fused")

    def __init__(self, protocol: Protocol, fused: Callable[[bytes], str]) -> None:
        self.protocol = protocol
        self._fused = fused

    def decode(self, data: bytes) -> str | Message:
        if type(data) is bytes:  # what generated readers take (not a bytearray or a view)
            try:
                return self._fused(data)
            except Exception:  # not handled there: the careful path decides (or raises)
                pass
        return self.protocol.decode(data)


def _around(cls: type[Message]) -> tuple[str, str]:
    name = json.dumps(cls.__name__, ensure_ascii=False)
    return f',"type":{name},"fields":', "}"


# protocol -> its FusedJSON (None: no class eligible); emptied by jsonmap.register,
# which may change what a field kind maps to
_MADE: weakref.WeakKeyDictionary[Protocol, FusedJSON | None] = weakref.WeakKeyDictionary()
jsonmap._ON_REGISTER.append(_MADE.clear)


def json_protocol(protocol: Any) -> Any:
    """``protocol`` as ``decode --json`` decodes it: a :class:`FusedJSON` when it is a
    ``Protocol`` with an eligible message class, else ``protocol`` itself."""
    if not isinstance(protocol, Protocol):
        return protocol
    if protocol not in _MADE:
        fused = fused_json(protocol, _around)
        _MADE[protocol] = None if fused is None else FusedJSON(protocol, fused)
    made = _MADE[protocol]
    return protocol if made is None else made
