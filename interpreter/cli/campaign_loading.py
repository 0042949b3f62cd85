"""Loading campaigns for a command, with lint errors printed the lint way."""

from __future__ import annotations

from pathlib import Path

import click

from interpreter.cli.edge import Exit
from interpreter.daemon.setup import CampaignErrors, load_campaigns
from interpreter.language.definitions import Workflow


def campaigns_or_exit(*paths: Path) -> list[Workflow]:
    try:
        return load_campaigns(paths)
    except CampaignErrors as errors:
        for problem in errors.problems:
            click.echo(problem.as_text(), err=True)
        names = ", ".join(str(path) for path in paths)
        raise Exit(f"{names}: fix the lint errors above first") from None
