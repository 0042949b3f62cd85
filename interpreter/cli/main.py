"""The ``flow`` command: a click group whose subcommands each parse their
arguments and call one function. Errors become one line and an exit code in
``edge.py``, and nowhere else."""

from __future__ import annotations

import sys

import click

from interpreter import __version__
from interpreter.cli.edge import exit_status
from interpreter.cli.output import colour_choice


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="flow")
def cli() -> None:
    """flow runs durable, event-driven email campaigns written in YAML.

    \b
    Example:
      flow lint workflows/
      flow run workflows/signup-drip.yaml --event @workflows/events/signup-completed.event.json \\
          --secret APP_DATABASE_URL=sqlite:///workflows/demo/app.db --simulate
    """


def _register() -> None:
    # Imported here so that a command module that fails to import names itself
    # in the error rather than breaking `flow --help` with a traceback.
    from interpreter.cli.db_command import db
    from interpreter.cli.graph_command import graph
    from interpreter.cli.lint_command import lint
    from interpreter.cli.run_command import run
    from interpreter.cli.runs_command import runs
    from interpreter.cli.send_command import send
    from interpreter.cli.serve_command import serve_command
    from interpreter.cli.suppressions_command import suppressions
    from interpreter.cli.test_command import test
    from interpreter.cli.worker_command import worker

    for command in (lint, run, send, worker, runs, db, test, serve_command, suppressions, graph):
        cli.add_command(command)


def main(argv: list[str] | None = None) -> int:
    """``flow ARGV``: its exit status. Tests call it in-process, as the console script does."""
    _register()
    # click strips colour codes from output that is not a terminal unless
    # told otherwise: FORCE_COLOR and NO_COLOR tell it.
    return exit_status(
        lambda: cli.main(args=argv, prog_name="flow", standalone_mode=False, color=colour_choice())
    )


def run() -> None:
    """The console script's entry point."""
    sys.exit(main())


if __name__ == "__main__":
    run()
