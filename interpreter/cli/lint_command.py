"""``flow lint``: check campaign files and print every problem at its line and column."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Literal

import click

from interpreter.cli.edge import at_the_edge
from interpreter.cli.output import colour_enabled, paint
from interpreter.errors import NoSuchPath
from interpreter.language.loader import campaign_files, load_paths
from interpreter.language.policies import policies_file
from interpreter.language.problems import Problem, as_json

OutputFormat = Literal["text", "json", "github"]
DEFAULT_PATH = Path("workflows")


def run_lint(paths: Sequence[Path], output_format: OutputFormat, stdout: IO[str]) -> int:
    """Lint ``paths`` and write the report; the exit code: 0 clean, 1 errors, 2 unusable path."""
    for path in paths:
        if not path.exists():
            raise NoSuchPath(path)
    _, problems = load_paths(paths)
    checked = sum(len(campaign_files(path)) for path in paths)
    colour = output_format == "text" and colour_enabled(stdout)
    if output_format == "json":
        stdout.write(as_json(problems) + "\n")
    else:
        for problem in problems:
            line = problem.as_github() if output_format == "github" else _text(problem, colour)
            stdout.write(line + "\n")
    if any(problem.code == "unreadable" for problem in problems):
        return 2
    errors = sum(problem.is_error for problem in problems)
    if output_format == "text":
        warnings = len(problems) - errors
        summary = f"{checked} campaign file{'s' * (checked != 1)} checked"
        if policies_file(paths) is not None:
            summary += " with policies.yaml"
        if problems:
            summary += f": {errors} error{'s' * (errors != 1)}, "
            summary += f"{warnings} warning{'s' * (warnings != 1)}"
        click.echo(summary, err=True)
    return 1 if errors else 0


def _text(problem: Problem, colour: bool) -> str:
    if not colour:
        return problem.as_text()
    severity = paint(
        problem.severity, "red" if problem.is_error else "yellow", bold=True, enabled=True
    )
    place = paint(f"{problem.file}:{problem.line}:{problem.column}:", bold=True, enabled=True)
    code = paint(problem.code, "cyan", enabled=True)
    return f"{place} {severity} {code} {problem.message}"


@click.command("lint")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path, exists=False, dir_okay=True))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "github"]),
    default="text",
    show_default=True,
    help="text: FILE:LINE:COL lines; json: an array of problems; github: Actions annotations.",
)
@at_the_edge
def lint(paths: tuple[Path, ...], output_format: OutputFormat) -> int:
    """Check campaign files for mistakes before they run.

    PATHS are campaign files or folders (every .yaml and .yml below them); the
    default is workflows/. Exit status: 0 when there are no errors (warnings
    are allowed), 1 when there are errors, 2 for a usage error or an unreadable
    path.

    \b
    Examples:
      flow lint
      flow lint workflows/signup-drip.yaml
      flow lint --format json workflows/ | jq '.[].code'
      flow lint --format github   # in a GitHub Actions step
    """
    return run_lint(list(paths) or [DEFAULT_PATH], output_format, sys.stdout)
