"""The one driver helper: events in, items out, errors raised in their turn.

Every transport hands the decoder's events to an :class:`Inbox` and takes items out
one at a time -- no transport writes its own loop over events or an exception-retry
loop::

    inbox.push(decoder.feed(chunk))
    while inbox:
        msg = inbox.pop()        # a message (or frame body), or raises the error in its place

Messages runs give their messages, Frames runs their bodies (or :class:`Frame` items
when the frames carry header bytes, see :meth:`Frames.items`); an :class:`Error` event
is raised by ``pop`` when its turn comes (the wirekit exception itself, with its
offset; a fatal one is the last item).  Gap and sync events are for captures; a live
stream has none but delimited resyncs, which need no action, so they are skipped.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from .events import Error, Frames, Messages

__all__ = ["Inbox"]


class Inbox:
    """A FIFO of decoded items and errors, in stream order."""

    __slots__ = ("_items", "fatal")

    def __init__(self) -> None:
        self._items: deque = deque()
        #: the fatal error's event once one was pushed (nothing follows it)
        self.fatal: Error | None = None

    def push(self, events: list) -> None:
        """Add the events of one ``feed``/``feed_eof`` call."""
        items = self._items
        for ev in events:
            t = type(ev)
            if t is Messages:
                items.extend(ev.messages)
            elif t is Frames:
                items.extend(ev.items())
            elif t is Error:
                items.append(ev)
                if ev.fatal:
                    self.fatal = ev

    def pop(self) -> Any:
        """The next item; raises the next error instead when its turn comes.
        ``IndexError`` if empty (check ``bool(inbox)`` first)."""
        item = self._items.popleft()
        if type(item) is Error:
            raise item.error
        return item

    def take(self, ev: Any) -> Any:
        """The first item of one event -- what ``push([ev])`` then ``pop()`` give --
        without the queue round trip (pull mode's events hold one frame; any further
        items are queued behind it).  Raises an :class:`Error` event's error."""
        t = type(ev)
        if t is Messages:
            items = ev.messages
        elif t is Frames:
            items = ev.items()
        else:
            self.push([ev])
            return self.pop()
        if len(items) != 1:
            self._items.extend(items)
            return self.pop()
        return items[0]

    def __len__(self) -> int:
        return len(self._items)

    def __bool__(self) -> bool:
        return bool(self._items)

    def clear(self) -> None:
        self._items.clear()
