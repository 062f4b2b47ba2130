"""``--framing`` text to a framer, for the commands: the codec's one parser
(:func:`wirekit.codec.parse_framing`, whose docstring lists the forms) and the
framing the commands use when none is given."""

from __future__ import annotations

from wirekit.codec import Framer, parse_framing

__all__ = ["framer_from_text", "DEFAULT_FRAMING"]

#: the framing the commands use when none is given (the demo's: u32 length prefix)
DEFAULT_FRAMING = "length:4"


def framer_from_text(text: str) -> Framer:
    """The framer ``text`` describes; ``ValueError`` with one sentence if it describes none."""
    return parse_framing(text)
