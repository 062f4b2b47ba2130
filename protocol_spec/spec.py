"""A spec: everything wirekit needs to speak one protocol, in one object.

A connection has two directions: ``"client"`` (what the client sends, e.g.
PostgreSQL's frontend messages) and ``"server"`` (what the server sends, the
backend messages).  A :class:`Spec` gives each direction its message
:class:`~wirekit.protocol_spec.Protocol` and its framing (framing text such as
``"length:4"``, a codec framer, or a framing sequence: a list of
:class:`~wirekit.protocol_spec.Step`), plus a default server port.  Every
``--spec`` of the ``wirekit`` command line resolves to one.

::

    EXAMPLE_SPEC = Spec("example", client=EXAMPLE, framing="length:4", port=7777)
    POSTGRES = Spec(
        "postgres",
        client=FRONTEND,
        server=BACKEND,
        framing={"client": FRONTEND_FRAMING, "server": BACKEND_FRAMING},
        port=5432,
    )

Framing is data here: ``protocol_spec`` never imports the codec, which parses the
text (``wirekit.codec.parse_framing``) when a decoder or encoder is built.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from .framing import Step, _is_framer, framing_text
from .protocol import Protocol

__all__ = ["Spec", "DIRECTIONS", "Direction", "FramingSpec"]

Direction = Literal["client", "server"]
#: The two directions of a connection, in the order a conversation starts.
DIRECTIONS: tuple[Direction, Direction] = ("client", "server")

#: What a direction's framing may be: framing text, a codec framer, a list of steps.
FramingSpec = str | Any | list[Step]


def _check_framing(value: Any, what: str) -> Any:
    """Validate one direction's framing; sequences are kept as a tuple of steps."""
    if isinstance(value, str):
        if not value.strip():
            raise ValueError(f"{what} is empty framing text")
        return value
    if isinstance(value, (list, tuple)):
        if not value:
            raise ValueError(f"{what} is an empty framing sequence")
        for i, step in enumerate(value):
            if not isinstance(step, Step):
                raise TypeError(
                    f"{what}[{i}] must be a Step (a framing sequence is a list of steps), "
                    f"not {type(step).__name__}"
                )
        return tuple(value)
    if _is_framer(value):
        return value
    raise TypeError(
        f"{what} must be framing text, a codec Framer or a list of Steps, "
        f"not {type(value).__name__}"
    )


def _check_direction(direction: Any) -> Direction:
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be 'client' or 'server', not {direction!r}")
    return direction  # type: ignore[no-any-return]


class Spec:
    """One protocol as wirekit speaks it: per-direction messages and framing, a port.

    Args:
        name:        the spec's name (``wirekit --spec NAME`` for the built-ins).
        client:      the Protocol of the messages the client sends.
        server:      the Protocol of the messages the server sends (default: ``client``,
                     for protocols whose two directions share one registry).
        framing:     one framing for both directions, or a mapping
                     ``{"client": ..., "server": ...}``; each is framing text, a codec
                     framer or a framing sequence (a list of :class:`Step`).  ``None``:
                     the framing is given elsewhere (the CLI's ``--framing``).
        port:        the default server port, or ``None``.
        description: one line saying what the protocol is (default: the name).

    ``protocol(direction)`` and ``framing(direction)`` answer per direction;
    ``directions`` is always ``("client", "server")`` and ``symmetric`` tells
    whether both use the same protocol and framing (then ``direction`` may be
    omitted).  Bad arguments are ``TypeError``/``ValueError``.
    """

    __slots__ = ("name", "port", "description", "_protocols", "_framings")

    def __init__(
        self,
        name: str,
        *,
        client: Protocol,
        server: Protocol | None = None,
        framing: FramingSpec | Mapping[str, FramingSpec] | None = None,
        port: int | None = None,
        description: str | None = None,
    ) -> None:
        if not isinstance(name, str) or not name.strip():
            raise TypeError(f"Spec name must be a non-empty str, not {name!r}")
        for what, proto in (("client", client), ("server", server)):
            if proto is None and what == "server":
                continue
            if not isinstance(proto, Protocol):
                raise TypeError(
                    f"Spec {name!r}: {what}= must be a wirekit Protocol, not {type(proto).__name__}"
                )
        if port is not None:
            if isinstance(port, bool) or not isinstance(port, int):
                raise TypeError(f"Spec {name!r}: port must be an int, not {type(port).__name__}")
            if not 0 < port < 65536:
                raise ValueError(f"Spec {name!r}: port must be 1..65535, got {port}")
        if description is not None and not isinstance(description, str):
            raise TypeError(
                f"Spec {name!r}: description must be a str, not {type(description).__name__}"
            )
        self.name = name
        self.port = port
        self.description = description if description is not None else name
        self._protocols: dict[str, Protocol] = {
            "client": client,
            "server": server if server is not None else client,
        }
        self._framings: dict[str, Any] = self._framing_by_direction(framing)

    def _framing_by_direction(self, framing: Any) -> dict[str, Any]:
        if framing is None:
            return {"client": None, "server": None}
        if isinstance(framing, Mapping):
            unknown = set(framing) - set(DIRECTIONS)
            if unknown:
                raise ValueError(
                    f"Spec {self.name!r}: framing directions are 'client' and 'server', "
                    f"not {', '.join(sorted(map(repr, unknown)))}"
                )
            missing = [d for d in DIRECTIONS if d not in framing]
            if missing:
                raise ValueError(
                    f"Spec {self.name!r}: framing for {missing[0]!r} missing "
                    "(give both directions, or one framing for both)"
                )
            return {
                d: _check_framing(framing[d], f"Spec {self.name!r} {d} framing") for d in DIRECTIONS
            }
        checked = _check_framing(framing, f"Spec {self.name!r} framing")
        return {"client": checked, "server": checked}

    # per direction -------------------------------------------------------------
    @property
    def directions(self) -> tuple[Direction, Direction]:
        """``("client", "server")``: what the client sends, what the server sends."""
        return DIRECTIONS

    @property
    def symmetric(self) -> bool:
        """Both directions use the same protocol and the same framing."""
        p, f = self._protocols, self._framings
        return p["client"] is p["server"] and f["client"] == f["server"]

    def _pick(self, direction: str | None) -> str:
        if direction is None:
            if not self.symmetric:
                raise ValueError(
                    f"spec {self.name!r} differs by direction: pass 'client' or 'server'"
                )
            return "client"
        return _check_direction(direction)

    def protocol(self, direction: Direction | None = None) -> Protocol:
        """The message Protocol of ``direction`` (may be omitted when :attr:`symmetric`)."""
        return self._protocols[self._pick(direction)]

    def framing(self, direction: Direction | None = None) -> Any:
        """``direction``'s framing: framing text, a framer, a list of Steps, or ``None``.

        A framing sequence comes back as a new list each time (the spec keeps a tuple).
        """
        value = self._framings[self._pick(direction)]
        return list(value) if isinstance(value, tuple) else value

    @property
    def has_framing(self) -> bool:
        return self._framings["client"] is not None

    def describe_framing(self, direction: Direction | None = None) -> list[str]:
        """``direction``'s framing as lines of text (one per step of a sequence)."""
        value = self.framing(direction)
        if value is None:
            return ["(none: give --framing)"]
        if isinstance(value, list):
            return [step.describe() for step in value]
        return [framing_text(value)]

    # helpers ----------------------------------------------------------------------
    @classmethod
    def from_protocol(
        cls, protocol: Protocol, framing: FramingSpec | None = None, *, port: int | None = None
    ) -> Spec:
        """A spec with one protocol for both directions (a user's bare ``Protocol``)."""
        return cls(protocol.name, client=protocol, framing=framing, port=port)

    def with_framing(self, framing: FramingSpec | Mapping[str, FramingSpec]) -> Spec:
        """A copy with other framing (the CLI's ``--framing`` overrides the spec's)."""
        return Spec(
            self.name,
            client=self._protocols["client"],
            server=self._protocols["server"],
            framing=framing,
            port=self.port,
            description=self.description,
        )

    def to_json_dict(self) -> dict[str, Any]:
        """The spec as JSON-ready data: per direction, the framing and the protocol."""
        return {
            "spec": self.name,
            "description": self.description,
            "port": self.port,
            "symmetric": self.symmetric,
            "directions": {
                d: {
                    "framing": None if self.framing(d) is None else self.describe_framing(d),
                    "protocol": self.protocol(d).to_json_dict(),
                }
                for d in DIRECTIONS
            },
        }

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Spec):
            return NotImplemented
        return (
            self.name == other.name
            and self.port == other.port
            and self.description == other.description
            and all(self._protocols[d] is other._protocols[d] for d in DIRECTIONS)
            and self._framings == other._framings
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        if self.symmetric:
            body = f"{self._protocols['client'].name}, framing={self._framings['client']!r}"
        else:
            body = ", ".join(
                f"{d}={self._protocols[d].name} framing={self._framings[d]!r}" for d in DIRECTIONS
            )
        port = f", port={self.port}" if self.port is not None else ""
        return f"<Spec {self.name!r}: {body}{port}>"
