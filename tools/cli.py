"""The ``wirekit`` command line (a click group)."""

from __future__ import annotations

import sys

import click

from wirekit.protocol_spec import Spec, WirekitError

from .bench.registry import GROUPS
from .cli_util import DIRECTION_HELP, FRAMING_HELP, OptionError, one_line, read_text
from .spec_loader import SpecError, builtin_names, load_spec
from .values import DISTRIBUTIONS

__all__ = ["main"]

_SPEC_HELP = (
    f"Protocol spec: a built-in name ({', '.join(builtin_names())}), "
    "path/to/file.py[:NAME] or package.module:NAME holding a Spec or a Protocol "
    "(default: example)."
)
_DIRECTION_HELP = (
    "client: what the client sends; server: what the server sends "
    "(for specs whose directions differ, e.g. postgres)."
)


def _spec(spec: str | None) -> Spec:
    try:
        return load_spec(spec)
    except SpecError as exc:
        raise OptionError("--spec", str(exc)) from exc


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="wirekit")
def main() -> None:
    """wirekit: declarative binary wire protocols, framing and tools."""


@main.command()
def demo() -> None:
    """Run wirekit end to end on the built-in example protocol.

    Encodes and decodes every example message, shows the errors bad bytes get,
    decodes a chunked and a damaged stream, exchanges live traffic with an echo
    server on 127.0.0.1 and compares that traffic's size in each encoding.
    Exit status 1 if any check fails.
    """
    from .demo import run_demo

    if not run_demo(click.echo):
        raise click.exceptions.Exit(1)


@main.command()
@click.option("--spec", default=None, metavar="SPEC", help=_SPEC_HELP)
@click.option(
    "--direction", type=click.Choice(["client", "server"]), default=None, help=_DIRECTION_HELP
)
@click.option("--json", "as_json", is_flag=True, help="Print the schema as JSON.")
def schema(spec: str | None, direction: str | None, as_json: bool) -> None:
    """Show a spec's messages and fields (types, sizes, fixed offsets) and its framing.

    A spec whose directions differ shows both unless --direction picks one.
    """
    loaded = _spec(spec)
    if as_json:
        import json

        from .schema_table import spec_json

        click.echo(json.dumps(spec_json(loaded, direction), indent=2))
    else:
        from .schema_table import render_spec

        click.echo(render_spec(loaded, direction))


@main.command()
@click.argument("source", required=False, default="-", metavar="[JSON|FILE|-]")
@click.option("--spec", default=None, metavar="SPEC", help=_SPEC_HELP)
@click.option(
    "--direction", type=click.Choice(["client", "server"]), default=None, help=DIRECTION_HELP
)
@click.option("--framing", default=None, metavar="F", help=FRAMING_HELP)
@click.option(
    "--out",
    "out",
    default=None,
    metavar="FILE",
    help="Write the raw framed bytes to FILE ('-' for stdout) instead of printing hex.",
)
def encode(
    source: str, spec: str | None, direction: str | None, framing: str | None, out: str | None
) -> None:
    """Encode messages written as JSON into framed bytes.

    SOURCE is inline JSON, a file, or - for stdin (the default): one record as
    `decode --json` prints it ({"type": "Chat", "fields": {...}}), the short form
    with the fields beside "type" ({"type": "Chat", "msg_id": 1, ...}), a JSON
    list of records, or JSON Lines.  Prints one line of hex per frame; nothing is
    written if any record is bad.
    """
    from .cli_util import resolve_framing, spec_direction
    from .encode import encode_text

    loaded = _spec(spec)
    protocol, chosen = spec_direction(loaded, direction)
    framer = resolve_framing(loaded, chosen, framing)
    inline = source.lstrip()[:1] in ("{", "[")
    text = source if inline else read_text(source)
    try:
        frames = encode_text(text, protocol, framer)
    except (WirekitError, ValueError) as exc:
        raise click.ClickException(one_line(exc)) from exc
    except click.ClickException:
        raise
    except Exception as exc:  # a wirekit bug: still one line, never a traceback
        raise _InternalError(f"internal error ({type(exc).__name__}): {one_line(exc)}") from exc
    if out is None:
        for frame in frames:
            click.echo(frame.hex())
        return
    data = b"".join(frames)
    if out == "-":
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    try:
        with open(out, "wb") as fh:
            fh.write(data)
    except OSError as exc:
        raise click.ClickException(f"cannot write {out}: {exc.strerror or exc}") from exc
    click.echo(f"{len(frames)} frame(s), {len(data)} bytes written to {out}", err=True)


@main.command()
@click.option("--spec", default=None, metavar="SPEC", help=_SPEC_HELP)
@click.option(
    "--direction",
    type=click.Choice(["client", "server"]),
    default=None,
    help="Only the messages of one direction (default: both, for specs whose directions differ).",
)
@click.option(
    "--values",
    "values_file",
    default=None,
    metavar="FILE.jsonl",
    help="Measure these messages (JSON Lines, as `decode --json` prints them).",
)
@click.option(
    "--from",
    "capture",
    default=None,
    metavar="CAPTURE",
    help="Measure the messages of real traffic: a pcap/pcapng capture, hex dump or raw stream.",
)
@click.option(
    "--framing", default=None, metavar="F", help="With --from: the framing, overriding the spec's."
)
@click.option(
    "--distribution",
    type=click.Choice(list(DISTRIBUTIONS)),
    default="realistic",
    show_default=True,
    help="Generated message values: zeros, small, uniform, realistic (the integer rows "
    "show all four).",
)
@click.option("--seed", default=0, show_default=True, help="Seed of the generated values.")
@click.option(
    "--count",
    default=100,
    show_default=True,
    type=click.IntRange(1, 100_000),
    help="Generated values per message type.",
)
@click.option("--compressed", is_flag=True, help="Also the sizes after zlib.")
@click.option("--fields", "per_field", is_flag=True, help="Bytes per field of every message.")
@click.option("--no-integers", is_flag=True, help="Leave out the plain integer rows.")
@click.option("--json", "as_json", is_flag=True, help="Print the rows as a JSON list.")
@click.option("--csv", "as_csv", is_flag=True, help="Print the rows as CSV.")
@click.option(
    "--plot",
    default=None,
    metavar="FILE.png|svg",
    help="Also draw the sizes as bar charts (needs the plot extra: matplotlib).",
)
def sizes(
    spec: str | None,
    direction: str | None,
    values_file: str | None,
    capture: str | None,
    framing: str | None,
    distribution: str,
    seed: int,
    count: int,
    compressed: bool,
    per_field: bool,
    no_integers: bool,
    as_json: bool,
    as_csv: bool,
    plot: str | None,
) -> None:
    """Compare the size of the same values in each encoding.

    For every message of the spec: the schema's own fixed-width binary, the same
    schema with varint integers, msgpack, compact JSON, ASCII text (decimal
    fields, one separator each, as the Socket HOWTO counts) and CBOR (when cbor2
    is installed), per message and as ratios to the binary; then plain integers
    u8..i64 under every distribution (mostly-zero u64: 2 bytes as ASCII, 8 fixed;
    uniform ones invert it).
    """
    from .size_table import render_report, report_csv
    from .sizes import size_report

    if as_json and as_csv:
        raise OptionError("--json/--csv", "pick one output format")
    if values_file is not None and capture is not None:
        raise OptionError("--values/--from", "measure one source of values")
    loaded = _spec(spec)
    if direction is not None:
        protocols = [loaded.protocol(direction)]  # type: ignore[arg-type]
    else:
        protocols = []
        for d in loaded.directions:
            if all(loaded.protocol(d) is not p for p in protocols):
                protocols.append(loaded.protocol(d))
    messages = None
    source = None
    try:
        if values_file is not None:
            from .encode import messages_from_text

            messages = messages_from_text(read_text(values_file), protocols)
            source = f"{values_file} ({len(messages)} messages)"
        elif capture is not None:
            from .traffic import capture_messages

            dirs = (direction,) if direction is not None else ("client", "server")
            traffic = capture_messages(capture, loaded, framing=framing, directions=dirs)
            messages = traffic.messages
            source = f"{capture} ({len(messages)} messages"
            source += f", {traffic.undecoded} records not decoded)" if traffic.undecoded else ")"
        report = size_report(
            protocols,
            messages=messages,
            source=source,
            distribution=distribution,
            seed=seed,
            count=count,
            integers=not no_integers,
            compressed=compressed,
            fields=per_field,
        )
        if plot is not None:
            from .size_plot import write_plot

            write_plot(report, plot)
    except (WirekitError, ValueError) as exc:
        raise click.ClickException(one_line(exc)) from exc
    except click.ClickException:
        raise
    except Exception as exc:  # a wirekit bug: still one line, never a traceback
        raise _InternalError(f"internal error ({type(exc).__name__}): {one_line(exc)}") from exc
    if as_json:
        import json

        click.echo(json.dumps(report.records(), indent=2))
    elif as_csv:
        click.echo(report_csv(report), nl=False)
    else:
        title = f"Sizes of {loaded.name!r} in each encoding"
        click.echo(render_report(report, title=title))
    if plot is not None:
        click.echo(f"plot written to {plot}", err=True)


@main.command()
@click.option("--quick", is_flag=True, help="Few iterations: a smoke run whose figures are noisy.")
@click.option("--json", "as_json", is_flag=True, help="Print the records as JSON (see README).")
@click.option(
    "--only", type=click.Choice(GROUPS), default=None, help="Run one group of benchmarks only."
)
@click.option(
    "--repeat",
    type=click.IntRange(min=1),
    default=None,
    help="Paired rounds per figure (default: 9, or 3 with --quick).",
)
def bench(quick: bool, as_json: bool, only: str | None, repeat: int | None) -> None:
    """Measure speed against baselines timed in the same run.

    Every figure is a candidate beside a baseline, timed in interleaved paired
    rounds with the garbage collector on; the ratio is the median of the paired
    ratios.  Targets (from wirekit.tools.bench.targets) are judged on a full
    run: a missed target exits with status 1.  Figures without a target are
    context.
    """
    from .bench import Settings
    from .bench.record import records_to_json
    from .bench.report import format_report, missed, run_benchmarks

    settings = Settings(quick=quick, repeat=repeat or (3 if quick else 9))
    try:
        records = run_benchmarks(settings, only)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--only") from exc
    click.echo(records_to_json(records) if as_json else format_report(records, settings))
    if missed(records) and not quick:
        raise click.exceptions.Exit(1)


_CAPTURE_FORMAT_HELP = (
    "Input format: auto (pcap, pcapng or hex dump, by content), pcap, pcapng, hex, "
    "or raw (a file of one direction's bytes)."
)


def _capture_filters(func):  # type: ignore[no-untyped-def]
    """The options `decode` and `streams` share: format, roles, filters."""
    for opt in reversed(
        [
            click.option(
                "--format",
                "fmt",
                type=click.Choice(_capture_formats()),
                default="auto",
                help=_CAPTURE_FORMAT_HELP,
            ),
            click.option(
                "--server-port",
                "server_ports",
                type=click.IntRange(1, 65535),
                multiple=True,
                help="The server's port, when the capture has no SYN (repeatable; the spec's"
                " port counts too).",
            ),
            click.option(
                "--port",
                "ports",
                type=click.IntRange(0, 65535),
                multiple=True,
                help="Only connections with this port (repeatable).",
            ),
            click.option(
                "--host",
                "hosts",
                multiple=True,
                metavar="ADDR",
                help="Only connections with this IP address (repeatable).",
            ),
            click.option(
                "--connection",
                "connections",
                type=click.IntRange(min=1),
                multiple=True,
                help="Only connection number N (repeatable; numbered in capture order).",
            ),
            click.option(
                "--direction",
                type=click.Choice(["client", "server"]),
                default="client",
                help="Hex dumps and raw files: whose bytes they are (default client).",
            ),
        ]
    ):
        func = opt(func)
    return func


def _capture_formats() -> tuple[str, ...]:
    from .capture import FORMATS

    return FORMATS


def _check_hosts(hosts: tuple[str, ...]) -> None:
    import socket

    for h in hosts:
        for family in (socket.AF_INET, socket.AF_INET6):
            try:
                socket.inet_pton(family, h)
                break
            except OSError:
                continue
        else:
            raise OptionError("--host", f"not an IP address: {h!r}")


@main.command()
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option("--spec", default=None, metavar="SPEC", help=_SPEC_HELP)
@click.option("--framing", default=None, metavar="F", help=FRAMING_HELP)
@click.option("--json", "as_json", is_flag=True, help="JSON Lines: one record per line.")
@click.option("--raw", is_flag=True, help="Frames (hex), not messages: no message decoding.")
@click.option(
    "--no-resync", is_flag=True, help="After a gap or framing error, stop that direction."
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Decode several inputs in parallel processes (output of each kept together).",
)
@_capture_filters
def decode(
    inputs: tuple[str, ...],
    spec: str | None,
    framing: str | None,
    as_json: bool,
    raw: bool,
    no_resync: bool,
    jobs: int,
    fmt: str,
    server_ports: tuple[int, ...],
    ports: tuple[int, ...],
    hosts: tuple[str, ...],
    connections: tuple[int, ...],
    direction: str,
) -> None:
    """Decode captured traffic: every message of every TCP connection, in order.

    INPUT is a pcap or pcapng capture, a hex dump, a raw stream file (--format
    raw) or - for stdin (`tcpdump -w - | wirekit decode - --json` works live).
    TCP is reassembled per connection and direction; lost bytes are reported as
    gap records at their stream offset, frames they hit as damaged records, and
    decoding goes on.  One line per record (--json: JSON Lines with a "kind" of
    message, frame, gap, damaged, resync or error); a summary per input goes to
    stderr.

    Exit status: 0 everything decoded; 1 some record is a gap, damaged frame,
    resync or error; 2 usage error; 3 an input is missing, not a capture, or
    truncated/corrupt (records before the damage are printed first); 4 an
    internal error (a wirekit bug, reported in one line).
    """
    from .capture.run import DecodeOptions, decode_inputs
    from .cli_util import resolve_framing

    loaded = _spec(spec)
    _check_hosts(hosts)
    dirs = ("client", "server")
    framings = {d: resolve_framing(loaded, d, framing) for d in dirs}
    protocols = {d: None if raw else loaded.protocol(d) for d in dirs}  # type: ignore[arg-type]
    roles = set(server_ports)
    if loaded.port is not None:
        roles.add(loaded.port)
    opts = DecodeOptions(
        framing=framings,
        protocols=protocols,
        as_json=as_json,
        resync=not no_resync,
        fmt=fmt,
        server_ports=sorted(roles),
        ports=ports,
        hosts=hosts,
        connections=connections,
        direction=direction,
    )
    try:
        status = decode_inputs(list(inputs), opts, jobs=jobs)
    except BrokenPipeError:  # `| head`: the reader is gone, stop quietly
        sys.stderr.close()
        status = 0
    except Exception as exc:  # a wirekit bug: still one line, never a traceback
        raise _InternalError(f"internal error ({type(exc).__name__}): {one_line(exc)}") from exc
    raise click.exceptions.Exit(status)


class _InternalError(click.ClickException):
    exit_code = 4


def _port(text: str, *, allow_zero: bool) -> int:
    """``--port`` as an int in range, or a one-line option error."""
    try:
        port = int(text, 10)
    except ValueError:
        port = -1
    low = 0 if allow_zero else 1
    if not low <= port <= 65535:
        raise OptionError("--port", f"not a port number ({low}..65535): {text!r}")
    return port


@main.command()
@click.option("--spec", default=None, metavar="SPEC", help=_SPEC_HELP)
@click.option("--framing", default=None, metavar="F", help=FRAMING_HELP)
@click.option(
    "--port",
    "port_text",
    default="7777",
    show_default=True,
    metavar="P",
    help="Port to listen on (0: any free port; the bound address is printed on stderr).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--reply",
    type=click.Choice(["echo", "none"]),
    default="none",
    show_default=True,
    help="echo: send each message back as received; none: only print.",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON record per message.")
def serve(
    spec: str | None, framing: str | None, port_text: str, host: str, reply: str, as_json: bool
) -> None:
    """Listen on 127.0.0.1 and print every message every client sends.

    A select-driven server (one thread, non-blocking sockets): one line per
    decoded message, flushed at once (`#<connection> <Type> field=value ...`,
    or with --json a record like `decode --json` prints).  Connections, their
    close and decode errors are reported on stderr; a connection is closed at
    the client's EOF.  Runs until SIGINT (Ctrl-C) or SIGTERM, then exits 0.
    """
    from .cli_util import resolve_framing, spec_direction
    from .serve import MessagePrinter, address_text, make_server

    loaded = _spec(spec)
    port = _port(port_text, allow_zero=True)
    protocol, chosen = spec_direction(loaded, "client")
    framer = resolve_framing(loaded, chosen, framing)

    def out(line: str) -> None:
        click.echo(line)
        sys.stdout.flush()

    def note(line: str) -> None:
        click.echo(line, err=True)
        sys.stderr.flush()

    handler = MessagePrinter(out, note, reply=reply, as_json=as_json)
    try:
        server = make_server((host, port), handler, framer, protocol)
    except (OSError, ValueError, TypeError, WirekitError) as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {one_line(exc)}") from exc
    try:
        note(
            f"serving {loaded.name!r} on {address_text(server.address)} "
            f"(reply {reply}; Ctrl-C to stop)"
        )
        server.run()
    finally:
        server.close()
    note(f"stopped: {handler.connections} connection(s), {handler.received} message(s)")


@main.command()
@click.argument("source", required=False, default="-", metavar="[FILE|-]")
@click.option("--spec", default=None, metavar="SPEC", help=_SPEC_HELP)
@click.option(
    "--direction", type=click.Choice(["client", "server"]), default=None, help=DIRECTION_HELP
)
@click.option("--framing", default=None, metavar="F", help=FRAMING_HELP)
@click.option(
    "--port", "port_text", default="7777", show_default=True, metavar="P", help="The server's port."
)
@click.option("--host", default="127.0.0.1", show_default=True, help="The server's address.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=2.0,
    show_default=True,
    help="Seconds to wait for each reply (and for the connect).",
)
@click.option("--json", "as_json", is_flag=True, help="Print each reply as a JSON record.")
def send(
    source: str,
    spec: str | None,
    direction: str | None,
    framing: str | None,
    port_text: str,
    host: str,
    timeout: float,
    as_json: bool,
) -> None:
    """Send the messages of a JSON Lines file (or stdin) and print the replies.

    FILE holds records as `decode --json` prints them or the short form
    ({"type": "Chat", "msg_id": 1, ...}), one per line (a JSON list works too).
    Every record is checked and framed before connecting: bad input sends
    nothing.  After the last message the connection is half-closed; replies
    are printed one per line until the server closes or --timeout seconds pass
    with none.  Exit 0 when everything was sent.
    """
    from .cli_util import resolve_framing, spec_direction
    from .encode import encode_text
    from .send import send_and_collect
    from .serve import message_json, message_text

    loaded = _spec(spec)
    port = _port(port_text, allow_zero=False)
    protocol, chosen = spec_direction(loaded, direction)
    other = "server" if chosen == "client" else "client"
    framer = resolve_framing(loaded, chosen, framing)
    reply_framer = resolve_framing(loaded, other, framing)
    reply_protocol = loaded.protocol(other)  # type: ignore[arg-type]
    text = read_text(source)
    try:
        frames = encode_text(text, protocol, framer)
    except (WirekitError, ValueError) as exc:
        raise click.ClickException(one_line(exc)) from exc

    def on_reply(msg: object) -> None:
        if isinstance(msg, (bytes, bytearray)):
            click.echo(bytes(msg).hex())
        elif as_json:
            click.echo(message_json(msg))  # type: ignore[arg-type]
        else:
            click.echo(message_text(msg))  # type: ignore[arg-type]
        sys.stdout.flush()

    def on_bad(exc: BaseException) -> None:
        click.echo(f"reply not decoded: {type(exc).__name__}: {one_line(exc)}", err=True)

    try:
        result = send_and_collect(
            (host, port),
            frames,
            reply_framing=reply_framer,
            reply_protocol=reply_protocol,
            on_reply=on_reply,
            on_bad_reply=on_bad,
            timeout=timeout,
        )
    except (WirekitError, OSError) as exc:
        cause = getattr(exc.__cause__, "strerror", None) or one_line(exc)
        raise click.ClickException(f"cannot send to {host}:{port}: {cause}") from exc
    how = {"closed": "the server closed", "timeout": f"no reply for {timeout:g} s"}
    click.echo(
        f"sent {result.frames} message(s), {result.sent} bytes; {result.replies} repl"
        f"{'y' if result.replies == 1 else 'ies'} ({how.get(result.ended, result.ended)})",
        err=True,
    )


@main.command()
@click.argument("source", metavar="INPUT")
@click.option("--out", "out_dir", required=True, metavar="DIR", help="Directory to write.")
@_capture_filters
def streams(
    source: str,
    out_dir: str,
    fmt: str,
    server_ports: tuple[int, ...],
    ports: tuple[int, ...],
    hosts: tuple[str, ...],
    connections: tuple[int, ...],
    direction: str,
) -> None:
    """Export each connection's reassembled bytes per direction, with a gap map.

    Writes DIR/conn<N>-client.bin and DIR/conn<N>-server.bin (the bytes
    received, in stream order; lost bytes are not filled in) and DIR/streams.json:
    per connection its endpoints and, per direction, the file, byte count, how it
    ended and its gaps (stream offset, length, and the file offset where they
    sit).  Exit status: 0 no gaps, 1 gaps, 3 unreadable or damaged input.
    """
    from .capture.run import streams_command

    _check_hosts(hosts)
    kw = {
        "fmt": fmt,
        "server_ports": server_ports,
        "ports": ports,
        "hosts": hosts,
        "connections": connections,
        "direction": direction,
    }
    status = streams_command(source, out_dir, kw, lambda line: click.echo(line, err=True))
    raise click.exceptions.Exit(status)


if __name__ == "__main__":  # python -m wirekit.tools.cli
    main()
