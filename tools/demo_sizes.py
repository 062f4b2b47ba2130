"""The size section of ``wirekit demo``: the demo's traffic in each encoding."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from wirekit.protocol_spec import Message, Protocol

from .size_table import size_table
from .sizes import integer_rows, measure_messages

__all__ = ["show_traffic_sizes"]


def show_traffic_sizes(
    echo: Callable[[str], None], messages: Sequence[Message], protocol: Protocol
) -> bool:
    """Print the size table of ``messages`` (bytes per message, ratios to the schema's
    binary, the total) and the Socket HOWTO's u64 point; ``False`` if a check fails.

    The check: the ``fixed`` total is exactly the bytes the protocol encodes.
    """
    rows = measure_messages(messages, protocol)
    for line in size_table(rows, list(rows[0].sizes)):
        echo("   " + line)
    zeros = {r.name: r for r in integer_rows("zeros", count=100)}["u64"]
    uniform = {r.name: r for r in integer_rows("uniform", count=100)}["u64"]
    echo(
        f"   Socket HOWTO: a mostly-zero u64 is {zeros.sizes['ascii']:.0f} bytes as ASCII "
        f"against {zeros.sizes['fixed']:.0f} fixed; uniform u64s are "
        f"{uniform.sizes['ascii']:.1f} (`wirekit sizes` for more)"
    )
    total = rows[-1].sizes["fixed"]
    return total == sum(len(protocol.encode(m)) for m in messages)
