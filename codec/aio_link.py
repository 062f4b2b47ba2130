"""What the two asyncio connection classes share (the ``async for`` adapter's
:class:`~.aio.AioConnection` and the Handler API's
:class:`~.aio_callbacks.CallbackConnection`): the wire and its decoder, the
transport with its addresses and socket options, and the idle timer.  Each subclass
says when it is closed (``_link_closed``) and how an idle connection ends
(``_idle_expired``)."""

from __future__ import annotations

import asyncio
import time
from typing import Any, cast

from .connection import CloseReason
from .sockopts import Address, configure
from .transport_errors import TransportTimeout
from .wire import Wire

__all__ = ["Link"]


class Link(asyncio.Protocol):
    """An ``asyncio.Protocol`` over one :class:`~.wire.Wire`."""

    def __init__(self, wire: Wire, max_outbound: int, idle_timeout: float | None) -> None:
        self._wire = wire
        self._decoder = wire.decoder
        self._max_out = max_outbound
        self._idle = idle_timeout
        self._last = time.monotonic()  # when bytes last moved
        self._idle_handle: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.transport: asyncio.Transport | None = None
        self.peer: Address | None = None
        self.local: Address | None = None
        self.user: Any = None
        self.close_reason: CloseReason | None = None

    def _take(self, transport: asyncio.BaseTransport) -> asyncio.Transport:
        """``connection_made``'s common part: keep the transport (uvloop's are not
        ``asyncio.Transport`` subclasses: duck-typed), its addresses, the socket
        options, the outbound limit; start the idle timer."""
        self.transport = t = cast(asyncio.Transport, transport)
        self._loop = loop = asyncio.get_running_loop()
        self.peer = t.get_extra_info("peername")
        self.local = t.get_extra_info("sockname")
        sock = t.get_extra_info("socket")
        if sock is not None:
            configure(sock)
        t.set_write_buffer_limits(high=self._max_out)
        if self._idle is not None:
            self._last = time.monotonic()
            self._idle_handle = loop.call_later(self._idle, self._check_idle)
        return t

    def _stop_idle(self) -> None:
        if self._idle_handle is not None:
            self._idle_handle.cancel()
            self._idle_handle = None

    def _check_idle(self) -> None:
        self._idle_handle = None
        if self._link_closed() or self._idle is None or self._loop is None:
            return
        left = self._last + self._idle - time.monotonic()
        if left > 0:  # bytes moved since: look again when that much time has passed
            self._idle_handle = self._loop.call_later(left, self._check_idle)
            return
        self._idle_expired(
            TransportTimeout(
                f"no bytes moved for {self._idle:g} s (idle timeout)",
                timeout=self._idle,
                operation="idle",
                peer=self.peer,
            )
        )

    def _link_closed(self) -> bool:  # pragma: no cover - every subclass says
        raise NotImplementedError

    def _idle_expired(self, exc: TransportTimeout) -> None:  # pragma: no cover
        raise NotImplementedError
