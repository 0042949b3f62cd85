"""``flow graph``: draw a campaign's step graph as SVG, Mermaid or DOT."""

from __future__ import annotations

from pathlib import Path

import click

from interpreter.cli.campaign_loading import campaigns_or_exit
from interpreter.cli.edge import Exit, at_the_edge
from interpreter.errors import NoSuchPath
from interpreter.language.graph import FORMATS, build_graph, render


@click.command("graph")
@click.argument("workflow", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMATS),
    default="svg",
    show_default=True,
    help="svg: a standalone image; mermaid and dot: text.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to FILE instead of standard output.",
)
@at_the_edge
def graph(workflow: Path, output_format: str, output: Path | None) -> None:
    """Draw the campaign's steps: fall-through (solid), jumps and switch cases
    (labelled with their condition), skips under `if` (dashed), waits with
    their event and timeout. Lint errors are printed instead, with exit 1.

    \b
    Example:
      flow graph workflows/signup-drip.yaml --format svg -o signup-drip.svg
      flow graph workflows/signup-drip.yaml --format mermaid
    """
    workflows = campaigns_or_exit(workflow)
    if len(workflows) != 1:
        raise Exit(f"{workflow}: not a campaign file")
    text = render(build_graph(workflows[0]), output_format)
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except FileNotFoundError:
        raise NoSuchPath(output.parent, where="--output") from None
    except OSError as error:
        raise Exit(f"{output}: cannot write: {error.strerror or error}") from None
