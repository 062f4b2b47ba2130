"""The ``wirekit`` command line (a click group)."""

from __future__ import annotations

import sys

import click

from wirekit.protocol_spec import Spec, WirekitError

from .bench.registry import GROUPS
from .cli_util import DIRECTION_HELP, FRAMING_HELP, OptionError, one_line, read_text
from .spec_loader import SpecError, builtin_names, load_spec

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
    """Run wirekit end to end on the built-in example protocol."""
    from .demo import run_demo

    run_demo(click.echo)


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
