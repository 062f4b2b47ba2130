"""Decoding captured streams: reassembled bytes -> records (``wirekit decode``).

:func:`decode_records` drives one decoder per connection and direction over a
:class:`~.streams.StreamReader`'s events, one to one: ``StreamData`` ->
``decoder.feed``, ``StreamGap`` -> ``decoder.feed_gap`` (after a ``gap`` record),
``StreamEnd`` -> ``decoder.feed_eof``.  Decoders are made with
``synced=stream.synced`` (a direction captured without its SYN joins mid-stream)
and ``resync=True`` (after a gap or a framing error, search for sync again).

Every outcome is a :class:`Record` with a ``kind``:

=========  ==================================================================
message    a decoded message (``message``; ``name`` is its class name)
frame      a frame (``--raw``: no spec; ``data`` = body, ``header``)
gap        bytes never captured (``length``; ``reason``)
damaged    a frame hit by a gap (``length`` when known, ``header`` when received)
resync     sync lost (``state="lost"``, ``reason``) or found again
           (``state="found"``, ``discarded`` bytes, ``method``)
error      a frame that does not decode, or the stream cannot be framed
           (``error``: the wirekit exception, ``fatal``)
=========  ==================================================================

and ``timestamp_ns``, ``connection``, ``direction``, ``offset`` (stream offset
of the frame), ``length`` (of the frame on the wire, when known).
:func:`record_json` is the ``--json`` line of a record.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from wirekit import codec
from wirekit.protocol_spec import Protocol

from ..jsontext import (
    JSON_WRITERS,
    TEXT_WRITERS,
    fields_json,
    fields_text,
    json_writer,
    text_writer,
)
from .fusedjson import json_protocol
from .streams import StreamReader
from .tcp_reassembly import Stream, StreamData, StreamGap

if TYPE_CHECKING:
    from wirekit.codec import Frames

__all__ = [
    "Record",
    "DecodeStats",
    "decode_records",
    "decode_batches",
    "decode_items",
    "Run",
    "run_json",
    "run_text",
    "record_json",
    "record_text",
    "KINDS",
]

#: Every record kind, in the order of the table above.
KINDS = ("message", "frame", "gap", "damaged", "resync", "error")


@dataclass(slots=True)
class Record:
    """One decoded outcome (see the module docstring for the kinds)."""

    kind: str
    timestamp_ns: int
    connection: int
    direction: str
    offset: int | None
    length: int | None = None
    message: Any = None
    data: bytes = b""
    header: bytes = b""
    error: BaseException | None = None
    fatal: bool = False
    reason: str = ""
    state: str = ""
    discarded: int = 0
    method: str = ""

    @property
    def name(self) -> str | None:
        """The message class name (``message`` records)."""
        return None if self.message is None else type(self.message).__name__


class Run:
    """Consecutive ``message`` or ``frame`` records of one direction decided by one
    packet, kept compact: ``values`` (the messages, or the frame bodies) and the
    codec's :class:`~wirekit.codec.Frames` run they came from (offsets, lengths,
    header bytes).  :attr:`items` gives ``(offset, length, header, value)`` tuples,
    :meth:`records` the records."""

    __slots__ = ("kind", "timestamp_ns", "connection", "direction", "values", "frames")

    def __init__(
        self, kind: str, ts: int, connection: int, direction: str, values: list, frames: Frames
    ) -> None:
        self.kind = kind
        self.timestamp_ns = ts
        self.connection = connection
        self.direction = direction
        self.values = values
        self.frames = frames

    def __len__(self) -> int:
        return len(self.values)

    @property
    def items(self) -> list[tuple[int, int, bytes, Any]]:
        fr = self.frames.frames()
        return [(f.offset, f.length, f.header, v) for v, f in zip(self.values, fr, strict=True)]

    def records(self) -> list[Record]:
        ts, c, d = self.timestamp_ns, self.connection, self.direction
        if self.kind == "message":
            return [Record("message", ts, c, d, o, n, v, header=h) for o, n, h, v in self.items]
        return [Record("frame", ts, c, d, o, n, data=v, header=h) for o, n, h, v in self.items]


@dataclass
class DecodeStats:
    """What :func:`decode_records` saw: a count per record kind, bytes lost in gaps,
    connections, and the reader's own counters (``reader``)."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    gap_bytes: int = 0
    connections: int = 0
    reader: dict[str, int] = field(default_factory=dict)

    @property
    def clean(self) -> bool:
        """Everything decoded: no gap, damaged frame, resync or error."""
        c = self.counts
        return not (c["gap"] or c["damaged"] or c["resync"] or c["error"])

    def summary(self, source: str) -> str:
        c = self.counts
        parts = [
            f"{c['message']} messages" if c["message"] or not c["frame"] else "",
            f"{c['frame']} frames" if c["frame"] else "",
        ]
        parts = [p for p in parts if p]
        parts.append(f"{c['gap']} gaps ({self.gap_bytes} bytes)")
        parts += [f"{c['damaged']} damaged", f"{c['resync']} resyncs", f"{c['error']} errors"]
        text = f"{source}: {', '.join(parts)} in {self.connections} connection(s)"
        r = self.reader
        if "packets" in r:  # a capture: what the packet reader and reassembler saw
            extra = [f"{r['packets']} packets"]
            skipped = r.get("not_ip", 0) + r.get("not_tcp", 0) + r.get("unsupported_linktype", 0)
            if skipped:
                extra.append(f"{skipped} not TCP")
            for key, what in (
                ("duplicates", "retransmitted segments dropped"),
                ("overlaps", "overlaps trimmed"),
                ("out_of_order", "out of order"),
                ("snaplen_cut", "cut by the snaplen"),
                ("fragments_incomplete", "incomplete IP datagrams"),
                ("truncated", "truncated headers"),
            ):
                if r.get(key):
                    extra.append(f"{r[key]} {what}")
            text += f" ({', '.join(extra)})"
        return text


class _Direction:
    """One direction's decoder (the codec's receive contract: events in stream
    order, never an exception for bad bytes); ``feed``, ``gap`` and ``eof`` append
    records to ``out``."""

    __slots__ = ("stream", "dec", "protocol", "conn", "dirname", "dead", "_hlen")

    def __init__(
        self,
        stream: Stream,
        framing: Any,
        protocol: Protocol | None,
        resync: bool,
        fused: bool = False,
    ) -> None:
        self.stream = stream
        self.protocol = protocol
        self.conn = stream.connection.id
        self.dirname = stream.direction
        self.dead = False
        # --json: messages straight to their JSON text (str values; not with framing
        # steps, whose protocols and `until` see message objects)
        decodes = (
            json_protocol(protocol)
            if fused and not isinstance(framing, (list, tuple))
            else protocol
        )
        self.dec = codec.StreamDecoder(framing, decodes, synced=stream.synced, resync=resync)

    # ------------------------------------------------------------ driving
    def feed(self, data: bytes, ts: int, out: list) -> None:
        if not self.dead:
            self._run(self.dec.feed, data, ts, out)

    def gap(self, n: int, ts: int, out: list) -> None:
        if not self.dead:
            self._run(self.dec.feed_gap, n, ts, out)

    def eof(self, ts: int, out: list) -> None:
        if not self.dead:
            self._run(self.dec.feed_eof, None, ts, out)
            self.dead = True

    def _run(self, method: Any, arg: Any, ts: int, out: list) -> None:
        events = method() if arg is None else method(arg)
        conn, d = self.conn, self.dirname
        for ev in events:
            name = type(ev).__name__
            if name == "Messages":
                out.append(Run("message", ts, conn, d, ev.messages, ev.frames))
            elif name == "Frames":
                out.append(Run("frame", ts, conn, d, ev.bodies, ev))
            elif name == "Error":
                out.append(
                    Record(
                        "error", ts, conn, d, ev.offset, ev.length, error=ev.error, fatal=ev.fatal
                    )
                )
                if ev.fatal:
                    self.dead = True
            else:
                self._gap_event(ev, ts, out)

    def _gap_event(self, ev: Any, ts: int, out: list) -> None:
        conn, d = self.conn, self.dirname
        name = type(ev).__name__
        if name == "DamagedFrame":
            out.append(
                Record(
                    "damaged",
                    ts,
                    conn,
                    d,
                    ev.offset,
                    ev.length,
                    header=ev.header,
                    reason=ev.reason,
                    discarded=getattr(ev, "count", 1),
                )
            )
        elif name == "SyncLost":
            out.append(
                Record(
                    "resync",
                    ts,
                    conn,
                    d,
                    ev.offset,
                    state="lost",
                    reason=ev.reason,
                    method=ev.action,
                )
            )
        elif name == "Resynced":
            out.append(
                Record(
                    "resync",
                    ts,
                    conn,
                    d,
                    ev.offset,
                    state="found",
                    discarded=ev.discarded,
                    method=ev.method,
                )
            )
        else:  # pragma: no cover - a new event kind of the codec
            raise TypeError(f"unknown decoder event {ev!r}")


def decode_items(
    reader: StreamReader,
    *,
    framing: dict[str, Any],
    protocols: dict[str, Protocol | None],
    resync: bool = True,
    stats: DecodeStats | None = None,
    fused: bool = False,
) -> Iterator[list[Record | Run]]:
    """The engine under :func:`decode_records`: per stream event (what one packet
    completed), a list of :class:`Record` and :class:`Run` items in stream order.
    Writers consume runs whole (:func:`run_json`); see :func:`decode_records`.
    ``fused=True`` (for :func:`run_json` only): a message run's values may be the
    end of their JSON line, a ``str``, instead of the message (:mod:`.fusedjson`)."""
    st = stats if stats is not None else DecodeStats()
    counts = st.counts
    decoders: dict[Stream, _Direction] = {}
    seen: set[int] = set()
    try:
        for ev in reader:
            out: list = []
            stream = ev.stream
            dd = decoders.get(stream)
            if dd is None:
                d = stream.direction
                dd = decoders[stream] = _Direction(stream, framing[d], protocols[d], resync, fused)
                if stream.connection.id not in seen:
                    seen.add(stream.connection.id)
                    st.connections += 1
            if isinstance(ev, StreamData):
                dd.feed(ev.data, ev.timestamp_ns, out)
            elif isinstance(ev, StreamGap):
                out.append(
                    Record(
                        "gap",
                        ev.timestamp_ns,
                        dd.conn,
                        dd.dirname,
                        ev.offset,
                        ev.length,
                        reason=ev.reason,
                    )
                )
                st.gap_bytes += ev.length
                dd.gap(ev.length, ev.timestamp_ns, out)
            else:
                dd.eof(ev.timestamp_ns, out)
                del decoders[stream]
            if out:
                for item in out:
                    if type(item) is Run:
                        counts[item.kind] += len(item.values)
                    else:
                        counts[item.kind] += 1
                yield out
    finally:
        st.reader = dict(reader.stats)


def decode_batches(
    reader: StreamReader,
    *,
    framing: dict[str, Any],
    protocols: dict[str, Protocol | None],
    resync: bool = True,
    stats: DecodeStats | None = None,
) -> Iterator[list[Record]]:
    """:func:`decode_records` in batches: the records each stream event decided
    (what one packet completed), for writers that flush per packet."""
    for items in decode_items(
        reader, framing=framing, protocols=protocols, resync=resync, stats=stats
    ):
        batch: list[Record] = []
        for item in items:
            if type(item) is Run:
                batch += item.records()
            else:
                batch.append(item)  # type: ignore[arg-type]
        yield batch


def decode_records(
    reader: StreamReader,
    *,
    framing: dict[str, Any],
    protocols: dict[str, Protocol | None],
    resync: bool = True,
    stats: DecodeStats | None = None,
) -> Iterator[Record]:
    """Records for every stream of ``reader``, in capture order.

    ``framing`` and ``protocols`` map ``"client"``/``"server"`` to the direction's
    framing (framing text, framer or list of Steps) and protocol (``None``: frames,
    the ``--raw`` mode).  ``stats`` (optional) is filled in as records go.  A
    damaged input's :class:`~.errors.CaptureError` is raised after the records of
    everything before the damage.
    """
    for batch in decode_batches(
        reader, framing=framing, protocols=protocols, resync=resync, stats=stats
    ):
        yield from batch


# ---------------------------------------------------------------- output
_ts_cache: list = [None, ""]


def _ts(ns: int) -> str:
    if _ts_cache[0] != ns:
        s, rem = divmod(ns, 1_000_000_000)
        _ts_cache[0] = ns
        _ts_cache[1] = f"{s}.{rem:09d}"
    return _ts_cache[1]


def _error_text(exc: BaseException | None) -> str:
    return " ".join(str(exc).split()) if exc is not None else ""


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def record_json(rec: Record) -> str:
    """The ``--json`` line of a record: an object with ``kind``, ``timestamp``
    (seconds, a decimal string with nanoseconds), ``connection``, ``direction``,
    ``offset``, ``length``, then per kind: ``type`` + ``fields`` (message, the
    :mod:`wirekit.tools.jsonmap` mapping), ``header`` + ``data`` hex (frame),
    ``reason`` (gap, damaged, resync), ``header`` (damaged), ``state``/``action``
    or ``discarded``/``method`` (resync), ``error`` + ``error_type`` + ``fatal``
    (error)."""
    head = (
        f'{{"kind":"{rec.kind}","timestamp":"{_ts(rec.timestamp_ns)}",'
        f'"connection":{rec.connection},"direction":"{rec.direction}",'
        f'"offset":{"null" if rec.offset is None else rec.offset},'
        f'"length":{"null" if rec.length is None else rec.length}'
    )
    kind = rec.kind
    if kind == "frame":
        return f'{head},"header":"{rec.header.hex()}","data":"{rec.data.hex()}"}}'
    if kind == "message":
        fields = fields_json(rec.message)  # refuses what is not a message
        return f'{head},"type":{_dumps(type(rec.message).__name__)},"fields":{fields}}}'
    if kind == "gap":
        return f'{head},"reason":{_dumps(rec.reason)}}}'
    if kind == "damaged":
        return (
            f'{head},"header":"{rec.header.hex()}","count":{rec.discarded},'
            f'"reason":{_dumps(rec.reason)}}}'
        )
    if kind == "resync":
        if rec.state == "lost":
            return (
                f'{head},"state":"lost","action":{_dumps(rec.method)},'
                f'"reason":{_dumps(rec.reason)}}}'
            )
        return f'{head},"state":"found","discarded":{rec.discarded},"method":{_dumps(rec.method)}}}'
    err = rec.error
    return (
        f'{head},"error":{_dumps(_error_text(err))},'
        f'"error_type":"{type(err).__name__}","fatal":{"true" if rec.fatal else "false"}}}'
    )


def run_json(run: Run) -> list[str]:
    """The ``--json`` lines of a run (the same as :func:`record_json` of each of
    its records, built without them)."""
    pre = (
        f'{{"kind":"{run.kind}","timestamp":"{_ts(run.timestamp_ns)}",'
        f'"connection":{run.connection},"direction":"{run.direction}","offset":'
    )
    frames = run.frames
    layout = frames.layout()
    if run.kind == "frame":
        if layout is not None and layout[2] is None:  # no header bytes: offsets by length
            return _frame_lines(pre, frames.offset, layout[0] + layout[1], run.values)
        return [
            f'{pre}{o},"length":{n},"header":"{h.hex()}","data":"{v.hex()}"}}'
            for o, n, h, v in run.items
        ]
    out: list[str] = []
    append = out.append
    writers = JSON_WRITERS  # message class -> its generated writer (register() clears it)
    last: Any = None
    w: Any = None
    head = ""
    if layout is None:  # explicit frames: their own offsets and lengths
        for o, n, _h, v in run.items:
            if type(v) is str:  # the fused decoder's text: the rest of the line
                append(f'{pre}{o},"length":{n}{v}')
                continue
            if type(v) is not last:
                last = type(v)
                w = writers.get(last) or json_writer(last)
                head = f',"type":{_NAMES.get(last) or _name_text(last)},"fields":'
            append(w(v, pre, o, ',"length":', n, head, "}"))
        return out
    # frames back to back from the run's offset, each `extra` bytes of framing
    # around its body: the offsets follow from the lengths
    o = frames.offset
    extra = layout[0] + layout[1]
    for body, v in zip(frames.bodies, run.values, strict=True):
        if type(v) is str:  # the fused decoder's text: the rest of the line
            n = len(body) + extra
            append(f'{pre}{o},"length":{n}{v}')
            o += n
            continue
        if type(v) is not last:  # a run is mostly of one class
            last = type(v)
            w = writers.get(last) or json_writer(last)
            head = f',"type":{_NAMES.get(last) or _name_text(last)},"fields":'
        n = len(body) + extra
        append(w(v, pre, o, ',"length":', n, head, "}"))
        o += n
    return out


def _frame_lines(pre: str, o: int, extra: int, bodies: list) -> list[str]:
    out = []
    for body in bodies:
        n = len(body) + extra
        out.append(f'{pre}{o},"length":{n},"header":"","data":"{body.hex()}"}}')
        o += n
    return out


# message class -> its name as JSON text (``"type"``)
_NAMES: dict[type, str] = {}


def _name_text(cls: type) -> str:
    text = _NAMES[cls] = _dumps(cls.__name__)
    return text


def run_text(run: Run) -> list[str]:
    """The default lines of a run (:func:`record_text` of each of its records)."""
    if run.kind != "message":
        return [record_text(r) for r in run.records()]
    pre = f"{_ts(run.timestamp_ns)} #{run.connection} {run.direction:<6} @"
    out = []
    last: Any = None
    w: Any = None
    for o, _n, _h, v in run.items:
        if type(v) is not last:
            last = type(v)
            w = TEXT_WRITERS.get(last) or text_writer(last)
        out.append(f"{pre}{o} {last.__name__} {w(v)}".rstrip())
    return out


def record_text(rec: Record) -> str:
    """The default one-line form: timestamp, connection, direction, offset, then
    the message name and fields (or what happened)."""
    where = f"{_ts(rec.timestamp_ns)} #{rec.connection} {rec.direction:<6} @{rec.offset}"
    kind = rec.kind
    if kind == "message":
        fields = fields_text(rec.message)
        return f"{where} {type(rec.message).__name__} {fields}".rstrip()
    if kind == "frame":
        head = f"header={rec.header.hex()} " if rec.header else ""
        return f"{where} frame length={rec.length} {head}data={rec.data.hex()}"
    if kind == "gap":
        return f"{where} GAP {rec.length} bytes lost ({rec.reason})"
    if kind == "damaged":
        head = f" header={rec.header.hex()}" if rec.header else ""
        size = "unknown length" if rec.length is None else f"{rec.length} bytes"
        return f"{where} DAMAGED frame of {size}{head}: {rec.reason}"
    if kind == "resync":
        if rec.state == "lost":
            return f"{where} SYNC LOST ({rec.method}): {rec.reason}"
        return f"{where} RESYNCED after {rec.discarded} bytes ({rec.method})"
    fatal = " (fatal: rest of this direction not decoded)" if rec.fatal else ""
    return f"{where} ERROR {type(rec.error).__name__}: {_error_text(rec.error)}{fatal}"
