"""The ``select`` and ``asyncio`` groups: messages per second through one echo
server with 100 clients pipelining small messages.

Every candidate of a group is driven, in the same run, by the same load generator
(:mod:`.loadgen`, another process) with the same stream: 100 clients, each
pipelining the example protocol's sample messages (u32 length framing) and
waiting for the echo of every byte.  Times are wall clock (``Case.measure``): the
figure is what a client population sees, waits included.  Before anything is
timed every server's echo is checked byte for byte (``verify``).

``select``: wirekit's :class:`~wirekit.codec.select_server.SelectServer` echoing frames
against a hand-written selectors server that deframes and re-frames each frame
with ``struct`` (target ``select.framed``) and a raw-bytes echo (for scale);
wirekit echoing typed messages (decode + encode each) is reported beside, for
context.  ``asyncio``: the adapter's callback API (``start_callback_server``, the
selectors Handler on an ``asyncio.Protocol``) against a hand-written framed
``asyncio.Protocol`` (target ``asyncio.protocol``) and a streams server,
``readexactly`` + ``write`` + ``drain`` (target ``asyncio.streams``); its ``async
for`` API -- by runs (``batches()`` + ``send_many``) and one message at a time
(``async for msg in conn: await conn.send(msg)``) -- is reported beside them for
context.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from wirekit.codec import MessageEncoder, parse_framing
from wirekit.protocol_spec.example import EXAMPLE, sample_messages

from .compare import Baseline, compare
from .echo_servers import (
    Running,
    hand_framed_protocol,
    hand_framed_selectors,
    raw_selectors,
    streams,
    wirekit_asyncio,
    wirekit_asyncio_callbacks,
    wirekit_selectors,
)
from .loadgen import LoadGen
from .record import Record
from .registry import Settings, register
from .timing import Case

__all__ = ["CLIENTS", "FRAMING", "make_stream", "select_records", "asyncio_records"]

CLIENTS = 100
FRAMING = "length:4"
UNIT = "msg/s"


def make_stream(n_messages: int) -> bytes:
    """``n_messages`` sample messages of the example protocol, u32-length framed."""
    samples = sample_messages()
    msgs = [samples[i % len(samples)] for i in range(n_messages)]
    return MessageEncoder(parse_framing(FRAMING), EXAMPLE).encode_many(msgs)


def _case(gen: LoadGen, server: Running, ops: int) -> Case:
    def measure() -> float:
        return gen.run(server.address)

    return Case(measure, ops, measure=measure)


@contextlib.contextmanager
def _servers(starts: dict[str, Callable[[], Running]]) -> Iterator[dict[str, Running]]:
    running: dict[str, Running] = {}
    try:
        for name, start in starts.items():
            running[name] = start()
        yield running
    finally:
        for server in running.values():
            server.stop()


def _per_client(settings: Settings) -> int:
    return settings.size(2000, 200)


def select_records(settings: Settings) -> list[Record]:
    n = _per_client(settings)
    stream = make_stream(n)
    ops = n * CLIENTS
    starts = {
        "wirekit frames": lambda: wirekit_selectors(FRAMING),
        "wirekit typed": lambda: wirekit_selectors(FRAMING, EXAMPLE),
        "hand selectors + struct": hand_framed_selectors,
        "raw selectors echo": raw_selectors,
    }
    with LoadGen(stream, CLIENTS) as gen, _servers(starts) as srv:
        for server in srv.values():
            gen.run(server.address, verify=True)
        name = f"echo, {CLIENTS} clients pipelining {n} messages each"
        records = compare(
            settings,
            "select",
            f"SelectServer frames: {name}",
            UNIT,
            _case(gen, srv["wirekit frames"], ops),
            [
                Baseline(
                    "hand selectors + struct",
                    _case(gen, srv["hand selectors + struct"], ops),
                    "select.framed",
                ),
                Baseline("raw selectors echo", _case(gen, srv["raw selectors echo"], ops)),
            ],
        )
        records += compare(
            settings,
            "select",
            f"SelectServer typed messages: {name}",
            UNIT,
            _case(gen, srv["wirekit typed"], ops),
            [Baseline("hand selectors + struct", _case(gen, srv["hand selectors + struct"], ops))],
        )
    return records


def asyncio_records(settings: Settings) -> list[Record]:
    n = _per_client(settings)
    stream = make_stream(n)
    ops = n * CLIENTS
    starts = {
        "wirekit": lambda: wirekit_asyncio_callbacks(FRAMING),
        "wirekit batches": lambda: wirekit_asyncio(FRAMING, batches=True),
        "wirekit per message": lambda: wirekit_asyncio(FRAMING),
        "hand asyncio.Protocol + struct": hand_framed_protocol,
        "streams readexactly + write": streams,
    }
    with LoadGen(stream, CLIENTS) as gen, _servers(starts) as srv:
        for server in srv.values():
            gen.run(server.address, verify=True)
        name = f"echo, {CLIENTS} clients pipelining {n} messages each"
        records = compare(
            settings,
            "asyncio",
            f"start_callback_server frames: {name}",
            UNIT,
            _case(gen, srv["wirekit"], ops),
            [
                Baseline(
                    "hand asyncio.Protocol + struct",
                    _case(gen, srv["hand asyncio.Protocol + struct"], ops),
                    "asyncio.protocol",
                ),
                Baseline(
                    "streams readexactly + write",
                    _case(gen, srv["streams readexactly + write"], ops),
                    "asyncio.streams",
                ),
            ],
        )
        for label, key in (
            ("start_server frames, batches() + send_many", "wirekit batches"),
            ("start_server frames, async for + await send", "wirekit per message"),
        ):
            records += compare(
                settings,
                "asyncio",
                f"{label}: {name}",
                UNIT,
                _case(gen, srv[key], ops),
                [
                    Baseline(
                        "hand asyncio.Protocol + struct",
                        _case(gen, srv["hand asyncio.Protocol + struct"], ops),
                    ),
                    Baseline(
                        "streams readexactly + write",
                        _case(gen, srv["streams readexactly + write"], ops),
                    ),
                ],
            )
    return records


@register("select")
def bench_select(settings: Settings) -> list[Record]:
    return select_records(settings)


@register("asyncio")
def bench_asyncio(settings: Settings) -> list[Record]:
    return asyncio_records(settings)
