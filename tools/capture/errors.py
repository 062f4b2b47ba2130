"""The one error a damaged input raises: :class:`CaptureError`."""

from __future__ import annotations

from wirekit.protocol_spec.errors import DecodeError

__all__ = ["CaptureError"]


class CaptureError(DecodeError):
    """A capture file, hex dump or stream file is damaged or not what it claims to be.

    ``source`` names the file (``"-"`` for stdin) and ``offset`` the byte position
    in it (for hex dumps: the line is in ``reason``).  Readers yield every packet
    before the damage, then raise this once.
    """

    def __init__(
        self, reason: str, *, source: str = "<input>", offset: int | None = None, **kw: object
    ) -> None:
        self.source = source
        super().__init__(reason, offset=offset, **kw)  # type: ignore[arg-type]

    def __reduce__(self):  # keep the source when pickled (multiprocessing, --jobs)
        return (_rebuild, (type(self), self.reason, self.source, self.offset))

    def _format(self) -> str:
        source = getattr(self, "source", "<input>")
        if self.offset is None:
            return f"{source}: {self.reason}"
        return f"{source}: at byte {self.offset}: {self.reason}"


def _rebuild(cls: type, reason: str, source: str, offset: int | None) -> CaptureError:
    return cls(reason, source=source, offset=offset)
