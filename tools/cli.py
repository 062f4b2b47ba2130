"""The ``wirekit`` command line (a click group)."""

from __future__ import annotations

import click

from .spec_loader import DEFAULT_SPEC, SpecError, load_protocol

__all__ = ["main"]

_SPEC_HELP = (
    "Protocol to use: path/to/file.py[:NAME] or package.module:NAME "
    f"(default: the built-in example, {DEFAULT_SPEC})."
)


def _protocol(spec: str | None):
    try:
        return load_protocol(spec)
    except SpecError as exc:
        raise click.BadParameter(str(exc), param_hint="--spec") from exc


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
@click.option("--json", "as_json", is_flag=True, help="Print the schema as JSON.")
def schema(spec: str | None, as_json: bool) -> None:
    """Show a protocol's messages and fields: types, sizes, fixed offsets."""
    protocol = _protocol(spec)
    if as_json:
        click.echo(protocol.to_json())
    else:
        from .schema_table import render_schema

        click.echo(render_schema(protocol))


@main.command()
@click.option("--quick", is_flag=True, help="Fewer iterations: a smoke run, figures are noisy.")
@click.option("--repeat", default=5, show_default=True, help="Batches per figure (median).")
def bench(quick: bool, repeat: int) -> None:
    """Measure encode/decode speed against hand-written struct and construct baselines."""
    from .bench_spec import format_schema_results, run_schema_bench

    number = 200 if quick else 5000
    click.echo("Schema encode/decode (messages/s, median of batches):")
    click.echo(format_schema_results(run_schema_bench(number=number, repeat=repeat)))
