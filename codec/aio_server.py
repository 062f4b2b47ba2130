"""What the two asyncio servers share (the ``async for`` adapter in :mod:`.aio` and
the Handler API in :mod:`.aio_callbacks`): the listening ``asyncio.Server``, the live
connections, the bound address, the refused count, and the stand-in protocol that
closes a connection over ``max_connections`` on arrival.  Each subclass says how its
connections are closed (``close``) and waited for (``wait_closed``)."""

from __future__ import annotations

import abc
import asyncio
from typing import Any, cast

__all__ = ["ServerShell", "Refused"]


class ServerShell(abc.ABC):
    """The state and accessors both asyncio servers have; an async context manager
    (``close`` then ``wait_closed`` on exit)."""

    def __init__(self, max_connections: int | None) -> None:
        self.server: asyncio.Server | None = None
        self.connections: set[Any] = set()
        self.max_connections = max_connections
        #: connections closed at once on accept (over max_connections)
        self.refused = 0

    @property
    def address(self) -> Any:
        """The bound address (``(host, port)`` for TCP)."""
        if self.server is None:
            raise RuntimeError("the server is not listening yet")
        return self.server.sockets[0].getsockname()

    @property
    def port(self) -> int:
        return int(self.address[1])

    async def serve_forever(self) -> None:
        if self.server is None:
            raise RuntimeError("the server is not listening yet")
        await self.server.serve_forever()

    @abc.abstractmethod
    def close(self) -> None:
        """Stop listening and close every connection now (reason ``stopped``)."""

    @abc.abstractmethod
    async def wait_closed(self) -> None:
        """Return once every connection is gone and the listener closed."""

    async def __aenter__(self) -> Any:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()
        await self.wait_closed()


class Refused(asyncio.Protocol):
    """Stands in for a connection over ``max_connections``: closed on arrival."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        cast(asyncio.Transport, transport).abort()
