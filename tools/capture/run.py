"""What ``wirekit decode`` and ``wirekit streams`` do, below click (so tests and
``--jobs`` workers call it directly).

Exit status of ``decode``:

* ``0`` -- every input read and everything decoded;
* ``1`` -- something did not decode or was lost: a gap, damaged frame, resync or
  error record was written;
* ``2`` -- usage error (bad option, unknown ``--framing`` or ``--spec``);
* ``3`` -- an input could not be read: missing, not a capture, truncated or
  corrupt (the records before the damage are written first);
* ``4`` -- an internal error (a wirekit bug; one line all the same).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, Any

import click

from wirekit.protocol_spec import Protocol

from .decode import DecodeStats, Run, decode_items, record_json, record_text, run_json, run_text
from .errors import CaptureError
from .streams import StreamReader, export_streams

__all__ = [
    "DecodeOptions",
    "EXIT_OK",
    "EXIT_UNDECODED",
    "EXIT_USAGE",
    "EXIT_INPUT",
    "decode_input",
    "decode_inputs",
    "streams_command",
]

EXIT_OK = 0
EXIT_UNDECODED = 1
EXIT_USAGE = 2
EXIT_INPUT = 3


@dataclass
class DecodeOptions:
    """Everything one input's decoding needs (picklable, for ``--jobs``)."""

    framing: dict[str, Any]
    protocols: dict[str, Protocol | None]
    as_json: bool = False
    resync: bool = True
    fmt: str = "auto"
    server_ports: Sequence[int] = ()
    ports: Sequence[int] = ()
    hosts: Sequence[str] = ()
    connections: Sequence[int] = ()
    direction: str = "client"
    limits: dict[str, Any] = field(default_factory=dict)


def decode_input(path: str, opts: DecodeOptions, out: IO[str], err: Callable[[str], None]) -> int:
    """Decode one input, writing one line per record to ``out`` (flushed after each
    packet's records) and the summary or the input's error to ``err``; returns the
    exit status."""
    lines: list[str] = []  # written after the progress bar is gone
    try:
        with _progress_bar(path) as progress:
            return _decode_input(path, opts, out, lines.append, progress)
    finally:
        for line in lines:
            err(line)


#: Inputs at least this large get a progress bar (when stderr is a terminal).
PROGRESS_MIN_BYTES = 8 << 20


@contextmanager
def _progress_bar(path: str) -> Iterator[Callable[[int], None] | None]:
    """A click progress bar on stderr for a large file when stderr is a terminal."""
    try:
        size = os.path.getsize(path) if path != "-" else 0
    except OSError:
        size = 0
    if size < PROGRESS_MIN_BYTES or not sys.stderr.isatty():
        yield None
        return
    with click.progressbar(length=size, label=os.path.basename(path), file=sys.stderr) as bar:
        last = [0]

        def report(done: int) -> None:
            bar.update(done - last[0])
            last[0] = done

        yield report


def _decode_input(
    path: str,
    opts: DecodeOptions,
    out: IO[str],
    err: Callable[[str], None],
    progress: Callable[[int], None] | None,
) -> int:
    reader = StreamReader(
        path,
        progress=progress,
        fmt=opts.fmt,
        server_ports=opts.server_ports,
        ports=opts.ports,
        hosts=opts.hosts,
        connections=opts.connections,
        direction=opts.direction,
        **opts.limits,
    )
    stats = DecodeStats()
    one, many = (record_json, run_json) if opts.as_json else (record_text, run_text)
    write = out.write
    flush = out.flush
    try:
        for items in decode_items(
            reader,
            framing=opts.framing,
            protocols=opts.protocols,
            resync=opts.resync,
            stats=stats,
            fused=opts.as_json,
        ):
            lines: list[str] = []
            for item in items:
                if type(item) is Run:
                    lines += many(item)
                else:
                    lines.append(one(item))  # type: ignore[arg-type]
            lines.append("")
            write("\n".join(lines))
            flush()
    except CaptureError as exc:
        if stats.connections:  # something was decoded before the damage
            err(stats.summary(path))
        err(f"Error: {' '.join(str(exc).split())}")
        return EXIT_INPUT
    err(stats.summary(path))
    return EXIT_OK if stats.clean else EXIT_UNDECODED


# --jobs: the options reach forked workers by inheritance (framers hold compiled
# structs and specs hold classes: neither pickles); only the path is sent.
_JOB_OPTS: list[DecodeOptions] = []


def _worker(path: str) -> tuple[int, str, list[str]]:
    opts = _JOB_OPTS[-1]
    fd, name = tempfile.mkstemp(prefix="wirekit-decode-", suffix=".out")
    messages: list[str] = []
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        status = decode_input(path, opts, out, messages.append)
    return status, name, messages


def decode_inputs(
    paths: Sequence[str],
    opts: DecodeOptions,
    *,
    jobs: int = 1,
    out: IO[str] | None = None,
    err: Callable[[str], None] | None = None,
) -> int:
    """Decode every input in order (``jobs > 1``: in parallel processes, each
    input's output kept together and written in input order); returns the worst
    exit status."""
    out = out if out is not None else sys.stdout
    err = err if err is not None else (lambda line: print(line, file=sys.stderr, flush=True))
    if jobs <= 1 or len(paths) <= 1 or "fork" not in mp.get_all_start_methods():
        return max(decode_input(p, opts, out, err) for p in paths)
    worst = EXIT_OK
    _JOB_OPTS.append(opts)
    try:
        pool = ProcessPoolExecutor(max_workers=jobs, mp_context=mp.get_context("fork"))
        futures = [pool.submit(_worker, p) for p in paths]
    finally:
        _JOB_OPTS.pop()
    with pool:
        for fut in futures:
            status, name, messages = fut.result()
            try:
                with open(name, encoding="utf-8") as fh:
                    while chunk := fh.read(1 << 20):
                        out.write(chunk)
                out.flush()
            finally:
                os.unlink(name)
            for line in messages:
                err(line)
            worst = max(worst, status)
    return worst


def streams_command(
    path: str, out_dir: str, reader_kw: dict[str, Any], err: Callable[[str], None]
) -> int:
    """``wirekit streams``: export, then one summary line per connection to ``err``."""
    try:
        result = export_streams(StreamReader(path, **reader_kw), out_dir)
    except CaptureError as exc:
        err(f"Error: {' '.join(str(exc).split())}")
        return EXIT_INPUT
    lost = 0
    for conn in result["connections"]:
        for d, s in conn["streams"].items():
            gaps = sum(g["length"] for g in s["gaps"])
            lost += gaps
            err(
                f"#{conn['connection']} {d:<6} {conn['client']} > {conn['server']}: "
                f"{s['bytes']} bytes, {len(s['gaps'])} gaps ({gaps} bytes) -> {s['file']}"
            )
    err(f"{len(result['connections'])} connection(s) written to {out_dir}/ (map: streams.json)")
    return EXIT_UNDECODED if lost else EXIT_OK
